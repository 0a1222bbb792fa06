"""Taking over calls a previous leader stored as live (a new process, a takeover, kill -9).

The stored call is the truth about what was heard before: its answer time, queue, agents,
legs and timeline. ``adopt`` rebuilds the tracker's bookkeeping from it, so the next
``reconcile`` continues a call still up (an answered call keeps its answer time; a ringing
one answered later is answered, not abandoned) or ends one that is gone, bounded by what the
previous leader last heard. What a stored call does not say (a DialEnd status, the Originate
reason) only refines the outcome of calls never answered, and is left unknown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from ami.tracker.book import CallBook
from ami.tracker.parties import local_half
from ami.tracker.state import CallState, LegState, Role, note, snapshot
from callcenter.calls.records import Call, CallEvent, Leg

log = logging.getLogger(__name__)


def adopt(book: CallBook, calls: Iterable[Call], *, heard_at: datetime | None, at: datetime) -> int:
    """Replace the live calls of ``book`` by the stored ``calls`` (ended ones are skipped):
    at the start of a term the database, not a previous term's memory, is the truth."""
    book.calls.clear()
    book.leg_calls.clear()
    for call in calls:
        if call.ended_at is not None or call.linkedid in book.calls:
            continue
        if len(book.calls) >= book.max_live_calls:
            log.warning("call %s: too many live calls to adopt, left to end as a ghost",
                        call.linkedid)  # fmt: skip
            continue
        state = state_of(book, snapshot(call))
        note(state, at, "adopted")
        book.calls[call.linkedid] = state
        for uid in state.live:
            book.leg_calls[uid] = call.linkedid
    if heard_at is not None and (book.heard_at is None or heard_at > book.heard_at):
        book.heard_at = heard_at
    log.info("adopted %d calls stored as live (last heard %s)", len(book.calls), heard_at)
    return len(book.calls)


def state_of(book: CallBook, call: Call) -> CallState:
    legs = sorted(call.legs.values(), key=lambda leg: (leg.started_at, leg.channel))
    first = call.linkedid if call.linkedid in call.legs else (legs[0].uniqueid if legs else "")
    state = CallState(call=call, first=first)
    rang = {e.uniqueid for e in call.timeline if e.kind == "ringing"}
    for leg in legs:
        state.legs[leg.uniqueid] = _leg_state(book, state, leg, leg.uniqueid in rang)
        if leg.ended_at is None:
            state.live.add(leg.uniqueid)
    ended = sorted(
        ((leg.ended_at, leg) for leg in legs if leg.ended_at is not None), key=lambda p: p[0]
    )
    state.causes = [  # in hangup order, as the Hangup handler appends them
        (leg.hangup_cause, leg.answered_at is not None)
        for _, leg in ended
        if leg.hangup_cause is not None
    ]
    _holds(state, call.timeline)
    _queue(state, call.timeline)
    for event in call.timeline:  # what the dialing said, as the handlers noted it
        if event.kind == "dial_failed":
            state.dial_status = event.detail.get("status", "")
            leg_state = state.legs.get(event.uniqueid)
            if leg_state is not None:
                leg_state.dial_status = leg_state.dial_status or state.dial_status
        elif event.kind == "originate_failed" and event.detail.get("reason", "").isdigit():
            state.originate_reason = int(event.detail["reason"])
    state.rang = set(rang)
    answers = [
        leg.leg.answered_at
        for leg in state.legs.values()
        if leg.role is Role.AGENT and leg.dialed and leg.leg.answered_at is not None
    ]
    state.agent_answered_at = min(answers, default=None)
    return state


def _leg_state(book: CallBook, state: CallState, leg: Leg, rang: bool) -> LegState:
    local = local_half(leg.channel)
    half = local.half if local is not None else 0
    if leg.agent:
        role = Role.AGENT
    elif local is not None and half == 2 and local.context in book.config.agents:
        role = Role.HALF
    else:
        role = Role.PARTY
    dialed = rang or (half == 1 if local is not None else leg.uniqueid != state.first)
    partner = ""
    if local is not None:
        if half == 1:
            state.local_ones[local.base] = leg.uniqueid
        else:
            partner = state.local_ones.get(local.base, "")
            if partner in state.legs:
                state.legs[partner].partner = leg.uniqueid
    return LegState(leg=leg, role=role, dialed=dialed, partner=partner, rang=rang)


def _holds(state: CallState, timeline: list[CallEvent]) -> None:
    """Legs still on hold: a ``hold`` with no ``unhold`` after it."""
    for event in timeline:
        leg = state.legs.get(event.uniqueid)
        if leg is None or leg.leg.ended_at is not None:
            continue
        if event.kind == "hold":
            leg.hold_since = leg.hold_since or event.at
        elif event.kind == "unhold":
            leg.hold_since = None
    held = [leg.hold_since for leg in state.legs.values() if leg.hold_since is not None]
    state.on_hold = len(held)
    state.hold_since = min(held, default=None)


def _queue(state: CallState, timeline: list[CallEvent]) -> None:
    """Where the caller is in the queue, as the queue handlers would have left it."""
    for event in timeline:
        if event.kind == "queued":
            state.queue_left_at = None
        elif event.kind in ("left_queue", "abandoned"):
            state.queue_left_at = state.queue_left_at or event.at
            state.abandoned = state.abandoned or event.kind == "abandoned"
