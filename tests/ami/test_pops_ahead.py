"""A ringing call's pop leaves ahead of its row, once: the rows' store, a database outage
that keeps the batch, and the call's later changes never send it again."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from ami import call_writer
from ami.call_writer import CallWriter
from ami.outage import Heard
from ami.tracker import CallTracker
from ami.tracker.updates import CallAnswered, CallEnded, CallRinging
from callcenter.db import make_engine
from tests.calls.test_calls_store import inbound_answered
from tests.calls.test_term_gate import heard


async def test_a_pop_sent_ahead_is_not_sent_again(database_url: str, clean_db: None) -> None:
    engine = make_engine(database_url)
    writer = CallWriter(async_sessionmaker(engine), "t", CallTracker())
    call = inbound_answered("9.1")
    leg = next(leg for leg in call.legs.values() if leg.agent)
    ring = [(CallRinging(call, leg, "101"), 1.0)]
    later = [(CallAnswered(call, leg, "101"), 2.0), (CallEnded(call), 3.0)]

    async def ring_then_store() -> None:
        await writer.announce(ring)
        kept = Heard()  # as an outage right after the pop would keep the batch
        kept.add(ring + later, [], writer.notes(ring + later))
        assert [kind for kind, _ in kept.notes] == ["answered"]
        await writer.store(ring, [])
        await writer.store(later, [])

    try:
        notes = [json.loads(n) for n in await heard(database_url, ring_then_store())]
    finally:
        await engine.dispose()
    assert [n["kind"] for n in notes] == ["ringing", "answered"]
    assert all(isinstance(n["sent_at"], float) for n in notes)
    assert writer.announced == {}  # forgotten with the call's end


async def test_pops_that_could_not_go_ahead_go_with_their_rows(
    database_url: str, clean_db: None
) -> None:
    engine = make_engine(database_url)
    broken: Any = lambda: None  # noqa: E731 - a sessionmaker that fails at once
    writer = CallWriter(async_sessionmaker(engine), "t", CallTracker())
    plain, writer.plain = writer.plain, broken
    call = inbound_answered("9.2")
    leg = next(leg for leg in call.legs.values() if leg.agent)
    ring = [(CallRinging(call, leg, "101"), 1.0)]

    async def ring_then_store() -> None:
        await writer.announce(ring)  # fails: logged, nothing marked as sent
        writer.plain = plain
        await writer.store(ring, [])

    try:
        notes = [json.loads(n) for n in await heard(database_url, ring_then_store())]
    finally:
        await engine.dispose()
    assert [n["kind"] for n in notes] == ["ringing"]


async def test_the_pops_sent_ahead_are_remembered_for_a_bounded_number_of_calls(
    database_url: str, clean_db: None, monkeypatch: Any
) -> None:
    """A call that goes with no end heard here (a ghost ended by a resync) is forgotten in
    time: the listener runs for months."""
    monkeypatch.setattr(call_writer, "ANNOUNCED_KEPT", 2)
    engine = make_engine(database_url)
    writer = CallWriter(async_sessionmaker(engine), "t", CallTracker())
    try:
        for linkedid in ("8.1", "8.2", "8.3"):
            call = inbound_answered(linkedid)
            leg = next(leg for leg in call.legs.values() if leg.agent)
            await writer.announce([(CallRinging(call, leg, "101"), 1.0)])
    finally:
        await engine.dispose()
    assert list(writer.announced) == ["8.2", "8.3"]
