"""Handlers of queue events: the caller joins, leaves or abandons; agents are rung."""

from __future__ import annotations

from datetime import datetime

from ami.events import (
    AgentCalled,
    AgentConnect,
    AgentRingNoAnswer,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueCallerLeave,
)
from ami.tracker.book import CallBook
from ami.tracker.state import note, snapshot
from ami.tracker.updates import CallUpdated, TrackerUpdate


def on_join(book: CallBook, event: QueueCallerJoin, at: datetime) -> list[TrackerUpdate]:
    state = book.calls.get(event.channel.linkedid)
    if state is None:
        return []
    call = state.call
    call.queue = event.queue
    call.queued_at = call.queued_at or at
    state.queue_left_at = None
    note(state, at, "queued", event.channel.uniqueid, queue=event.queue,
         position=str(event.position))  # fmt: skip
    return [CallUpdated(snapshot(call), "queued")]


def on_leave(book: CallBook, event: QueueCallerLeave, at: datetime) -> list[TrackerUpdate]:
    state = book.calls.get(event.channel.linkedid)
    if state is None:
        return []
    state.queue_left_at = state.queue_left_at or at
    note(state, at, "left_queue", event.channel.uniqueid, queue=event.queue)
    return [CallUpdated(snapshot(state.call), "left_queue")]


def on_abandon(book: CallBook, event: QueueCallerAbandon, at: datetime) -> list[TrackerUpdate]:
    state = book.calls.get(event.channel.linkedid)
    if state is None:
        return []
    state.abandoned = True
    state.queue_left_at = state.queue_left_at or at
    note(state, at, "abandoned", event.channel.uniqueid, queue=event.queue,
         position=str(event.position), hold_time=str(event.hold_time_s))  # fmt: skip
    return [CallUpdated(snapshot(state.call), "abandoned")]


def on_agent_called(book: CallBook, event: AgentCalled, at: datetime) -> list[TrackerUpdate]:
    """The earliest sign that a queue call rings at an agent: the screen-pop."""
    found = book.find(event.dest)
    if found is None:
        return []
    state, leg = found
    book.make_agent(leg, event.interface)
    return book.ring(state, leg, at)


def on_agent_connect(book: CallBook, event: AgentConnect, at: datetime) -> list[TrackerUpdate]:
    found = book.find(event.dest)
    if found is None:
        return []
    state, leg = found
    book.make_agent(leg, event.interface)
    return book.leg_up(state, leg, at)


def on_ring_no_answer(
    book: CallBook, event: AgentRingNoAnswer, at: datetime
) -> list[TrackerUpdate]:
    found = book.find(event.dest)
    if found is not None:
        found[1].dial_status = found[1].dial_status or "NOANSWER"
    return []
