"""After a (re)connect: make the live calls match what Asterisk still has (CoreShowChannels).

Calls whose channels are all gone ended unheard, somewhere between the last moment the PBX
was heard (``heard``) and the reconcile: they end at the last moment they were known live,
``heard`` but never before their own last event, and are marked ``end_uncertain`` with the
reconcile time as ``ended_latest_at`` (``lost_during_disconnect`` in the timeline, the outcome
inferred as usual), so their talk is bounded by what was heard. Legs gone from calls that go
on end the same way. Channels the tracker did not know become legs of known calls or new
``recovered`` calls, their start taken from ``Duration``. A recovered leg that is Up counts
as answered since its start (the ring time is unknown).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from ami.events import CoreShowChannel
from ami.tracker.book import CallBook
from ami.tracker.parties import local_half
from ami.tracker.state import CallState, Role, note, snapshot
from ami.tracker.updates import (
    CallAnswered,
    CallRinging,
    CallStarted,
    CallUpdated,
    TrackerUpdate,
)
from callcenter.calls.records import SPY_PREFIX, Call

log = logging.getLogger(__name__)

UP = 6


def reconcile(
    book: CallBook, channels: list[CoreShowChannel], at: datetime, heard: datetime | None = None
) -> list[TrackerUpdate]:
    groups: dict[str, list[CoreShowChannel]] = defaultdict(list)
    for item in channels:
        info = item.channel
        if not (info.linkedid and info.uniqueid) or info.linkedid.startswith(SPY_PREFIX):
            continue  # (a supervisor listening in is no call: never tracked)
        if info.uniqueid in book.hung_up_heard:  # its Hangup was heard: it is gone for good
            log.warning("call %s: channel %s listed after its Hangup, ignored", info.linkedid,
                        info.channel)  # fmt: skip
            continue
        groups[info.linkedid].append(item)
    present = {item.channel.uniqueid for group in groups.values() for item in group}
    updates: list[TrackerUpdate] = []
    for state in list(book.calls.values()):
        updates += _drop_gone(book, state, present, state.linkedid in groups, at, heard)
    for linkedid, group in groups.items():
        known = book.calls.get(linkedid)
        if known is None:
            updates += _recover(book, linkedid, _in_order(linkedid, group), at)
        else:
            updates += _add_missing(book, known, _in_order(linkedid, group), at)
    return updates


def _in_order(linkedid: str, group: list[CoreShowChannel]) -> list[CoreShowChannel]:
    """The call's first channel first, then the oldest; a Local ;1 before its ;2."""
    return sorted(group, key=lambda c: (c.channel.uniqueid != linkedid, -c.duration_s,
                                        c.channel.channel))  # fmt: skip


def last_seen(call: Call) -> datetime:
    """The last moment anything was heard of the call: its own latest event or leg time."""
    seen = call.started_at
    for event in call.timeline:
        if event.kind != "adopted":  # a new leader taking over, not news from the PBX
            seen = max(seen, event.at)
    for leg in call.legs.values():
        for moment in (leg.started_at, leg.answered_at, leg.ended_at):
            if moment is not None:
                seen = max(seen, moment)
    return seen


def bounded_end(seen: datetime, heard: datetime | None, at: datetime) -> datetime:
    """When something found gone at ``at`` ended, as far as was heard: still live at
    ``heard`` (the PBX was heard then and said nothing of its end), never before ``seen``,
    its own last event, nor after ``at``."""
    return min(at, max(seen, heard or seen))


def _drop_gone(
    book: CallBook,
    state: CallState,
    present: set[str],
    listed: bool,
    at: datetime,
    heard: datetime | None,
) -> list[TrackerUpdate]:
    """End what the list no longer has: gone legs, and the call when none is left (an
    adopted call stored with no live leg too, unless the list has channels of it)."""
    gone = [uid for uid in state.live if uid not in present]
    if not gone and (state.live or listed):
        return []
    if len(gone) == len(state.live):
        call = state.call
        end = bounded_end(last_seen(call), heard, at)
        log.warning("call %s: lost during the disconnect, ended between %s and %s",
                    state.linkedid, end.isoformat(), at.isoformat())  # fmt: skip
        note(state, end, "lost_during_disconnect", found_at=at.isoformat())
        call.end_uncertain, call.ended_latest_at = True, at
        return book.end_call(state, end)
    updates: list[TrackerUpdate] = []
    for uid in gone:
        leg = state.legs[uid].leg
        seen = max(leg.started_at, leg.answered_at or leg.started_at)
        updates += book.leg_gone(state, state.legs[uid], bounded_end(seen, heard, at), None)
    return [*updates, CallUpdated(snapshot(state.call), "legs")]


def _dialed(item: CoreShowChannel, linkedid: str) -> bool:
    """Best guess: a Local ;1 half was dialed, a ;2 half was not; other channels were
    dialed unless they started the call."""
    local = local_half(item.channel.channel)
    if local is not None:
        return local.half == 1
    return item.channel.uniqueid != linkedid


def _add_legs(
    book: CallBook, state: CallState, group: list[CoreShowChannel], at: datetime
) -> tuple[bool, list[TrackerUpdate]]:
    """Add unknown channels as legs (answered since their start when Up) and answer known
    legs that went Up meanwhile; (anything changed, the book's updates)."""
    changed, updates = False, []
    for item in group:
        info, started = item.channel, at - timedelta(seconds=item.duration_s)
        leg = state.legs.get(info.uniqueid)
        answered_at = at
        if leg is None:
            updates += book.add_leg(state, info, started, dialed=_dialed(item, state.linkedid))
            leg, answered_at, changed = state.legs[info.uniqueid], started, True
        if info.channel_state == UP and leg.leg.answered_at is None:
            updates += book.leg_up(state, leg, answered_at)
            changed = True
    return changed, updates


def _recover(
    book: CallBook, linkedid: str, group: list[CoreShowChannel], at: datetime
) -> list[TrackerUpdate]:
    first = group[0]
    if book.recent.pop(linkedid, None):
        log.warning(
            "call %s: still up after being ended, tracking it again (its stored end "
            "stays: an end is stored once)",
            linkedid,
        )
    state, updates = book.open_call(first.channel, at - timedelta(seconds=first.duration_s))
    _add_legs(book, state, group, at)  # its updates are summed up below
    note(state, at, "recovered", channels=str(len(group)))
    copy = snapshot(state.call)
    updates.append(CallStarted(copy))
    for leg in state.legs.values():
        if leg.role is not Role.AGENT or not leg.dialed:
            continue
        cls = CallRinging if leg.leg.answered_at is None else CallAnswered
        updates.append(cls(copy, copy.legs[leg.leg.uniqueid], leg.leg.agent))
    return updates


def _add_missing(
    book: CallBook, state: CallState, group: list[CoreShowChannel], at: datetime
) -> list[TrackerUpdate]:
    changed, updates = _add_legs(book, state, group, at)
    if not changed:
        return []
    return [*updates, CallUpdated(snapshot(state.call), "legs")]
