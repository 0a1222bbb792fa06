"""Handlers of channel events: new channels, caller id, state, dialing, bridges, hangups."""

from __future__ import annotations

import logging
from datetime import datetime

from ami.events import BridgeEnter, DialBegin, DialEnd, Hangup, NewCallerid, Newchannel, Newstate
from ami.tracker.book import CallBook
from ami.tracker.parties import creation_context, party_number
from ami.tracker.state import CallState, LegState, Role, note, snapshot
from ami.tracker.updates import CallStarted, CallUpdated, TrackerUpdate
from callcenter.calls.records import SPY_PREFIX

log = logging.getLogger(__name__)

DOWN, RINGING, UP = 0, 5, 6
NOT_FINAL = frozenset({"", "ANSWER", "RINGING", "PROCEEDING", "PROGRESS"})


def on_newchannel(book: CallBook, event: Newchannel, at: datetime) -> list[TrackerUpdate]:
    info = event.channel
    if not info.linkedid or not info.uniqueid:
        log.warning("call ?: Newchannel %r without Linkedid/Uniqueid, skipped", info.channel)
        return []
    if info.linkedid.startswith(SPY_PREFIX):
        return []  # a supervisor listening in: no call of its own (08a-c)
    state = book.calls.get(info.linkedid)
    updates: list[TrackerUpdate] = []
    if state is None and (joined := book.recent.get(info.linkedid)) in book.calls:
        state = book.calls[joined]  # a channel of a call that joined another (06d)
    if state is None:
        if info.linkedid in book.recent:
            book.hung_up.pop(info.uniqueid, None)
            log.warning("call %s: new channel %s after the end, ignored", info.linkedid,
                        info.channel)  # fmt: skip
            return []
        state, updates = book.open_call(info, at)
        started = True
    elif info.uniqueid in state.legs:
        return []
    else:
        started = False
    leg_updates = book.add_leg(state, info, at, dialed=info.channel_state == DOWN)
    if started:
        updates.append(CallStarted(snapshot(state.call)))
    early = book.hung_up.pop(info.uniqueid, None)
    if early is not None:  # its Hangup came first (out of order): it ends as it appears
        leg_updates += _hang_up(book, state, state.legs[info.uniqueid], max(at, early[0]), early[1])
    return updates + leg_updates


def on_new_callerid(book: CallBook, event: NewCallerid, at: datetime) -> list[TrackerUpdate]:
    """The first channel's caller id is the caller (set by the trunk or the Originate) until
    the call is answered: later ones are connected-line echoes (06d: the caller's channel
    took the number of the agent who picked the parked call up)."""
    found = book.find(event.channel)
    if found is None:
        return []
    state, leg = found
    if leg.leg.uniqueid != state.first or leg.role is not Role.PARTY:
        return []
    if state.call.answered_at is not None:
        return []
    number = party_number(event.channel.caller_id_num, book.config.region)
    if not number or number == state.call.caller:
        return []
    state.call.caller = number
    return [CallUpdated(snapshot(state.call), "caller")]


def on_newstate(book: CallBook, event: Newstate, at: datetime) -> list[TrackerUpdate]:
    found = book.find(event.channel)
    if found is None:
        return []
    state, leg = found
    channel_state = event.channel.channel_state
    if channel_state == RINGING:
        state.rang.add(leg.leg.uniqueid)
        return []
    if channel_state == UP:
        return book.leg_up(state, leg, at)
    return []


def on_dial_begin(book: CallBook, event: DialBegin, at: datetime) -> list[TrackerUpdate]:
    found = book.find(event.dest)
    if found is None:
        return []
    state, leg = found
    updates: list[TrackerUpdate] = []
    source, outbound = event.channel, book.config.outbound
    if source is not None and source.context in outbound:
        updates += book.dialing_out(state, source.exten, at)
    elif creation_context(event.dest.channel, event.dest.context) in outbound:
        updates += book.dialing_out(state, event.dest.exten, at)
    if leg.role is Role.AGENT and leg.dialed:
        updates += book.ring(state, leg, at)
    return updates


def on_dial_end(book: CallBook, event: DialEnd, at: datetime) -> list[TrackerUpdate]:
    status = event.dial_status
    found = book.find(event.dest)
    if found is None or status in NOT_FINAL:
        return []
    state, leg = found
    if status != state.dial_status:  # kept in the timeline: a new leader reads it back
        note(state, at, "dial_failed", leg.leg.uniqueid, status=status)
    state.dial_status = status
    leg.dial_status = leg.dial_status or status
    return []


def on_bridge_enter(book: CallBook, event: BridgeEnter, at: datetime) -> list[TrackerUpdate]:
    found = book.find(event.channel)
    if found is None:
        return []
    return book.leg_up(*found, at)


def on_hangup(book: CallBook, event: Hangup, at: datetime) -> list[TrackerUpdate]:
    if event.channel.uniqueid:
        book.heard_hangup(event.channel.uniqueid)
    found = book.find(event.channel)
    if found is None:
        if event.channel.uniqueid and not event.channel.linkedid.startswith(SPY_PREFIX):
            book.hung_up_early(event.channel.uniqueid, at, event.cause)
        return []
    state, leg = found
    if leg.leg.ended_at is not None:
        return []
    return _hang_up(book, state, leg, at, event.cause)


def _hang_up(
    book: CallBook, state: CallState, leg: LegState, at: datetime, cause: int | None
) -> list[TrackerUpdate]:
    updates = book.leg_gone(state, leg, at, cause)
    if not state.live:
        updates += book.end_call(state, at)
    return updates
