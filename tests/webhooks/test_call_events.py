"""Call events leave from the call store's one statement: ringing at the first store,
answered and ended once each however often the call is stored again, missed for an inbound
call ended unanswered; nothing under a store that nobody subscribes to."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from callcenter.calls.records import Call, Direction, Outcome
from callcenter.calls.store import save_calls
from callcenter.db import utcnow
from callcenter.webhooks.models import Delivery
from callcenter.webhooks.service import EndpointInput, create_endpoint

CALL_EVENTS = ["call.ringing", "call.answered", "call.ended", "call.missed"]


async def _events(sessionmaker: Any) -> list[tuple[str, str]]:
    async with sessionmaker() as session:
        rows = await session.execute(select(Delivery.entity, Delivery.event).order_by(Delivery.id))
        return [tuple(row) for row in rows]


async def test_each_call_event_is_written_once_in_order(sessionmaker: Any) -> None:
    async with sessionmaker.begin() as session:
        await create_endpoint(
            session,
            data=EndpointInput(url="https://x.ru/h", events=CALL_EVENTS),
            actor=None,
            allow_private=False,
        )
    start = utcnow()
    answered = Call("1.1", Direction.INBOUND, start, caller="+79161234567", callee="100")
    missed = Call("2.1", Direction.INBOUND, start, caller="+79161234568", callee="100")
    async with sessionmaker.begin() as session:
        await save_calls(session, [answered, missed])
    answered = replace(answered, answered_at=start + timedelta(seconds=5))
    missed = replace(missed, ended_at=start + timedelta(seconds=9), outcome=Outcome.ABANDONED)
    for _ in range(2):  # stored again, as a replay would: nothing new
        async with sessionmaker.begin() as session:
            await save_calls(session, [answered, missed])
    ended = replace(answered, ended_at=start + timedelta(seconds=60), outcome=Outcome.ANSWERED)
    async with sessionmaker.begin() as session:
        ids = await save_calls(session, [ended])
        await save_calls(session, [ended])
    first, second = f"call:{ids['1.1']}", "call:2"
    assert await _events(sessionmaker) == [
        (first, "call.ringing"), (second, "call.ringing"), (first, "call.answered"),
        (second, "call.ended"), (second, "call.missed"), (first, "call.ended"),
    ]  # fmt: skip
    async with sessionmaker() as session:
        record = await session.scalar(
            select(Delivery.payload).where(Delivery.entity == first, Delivery.event == "call.ended")
        )
    assert record["talk_seconds"] == 0 and record["outcome"] == "answered"
    assert record["caller"] == "+79161234567" and record["linkedid"] == "1.1"


async def test_no_row_when_nobody_subscribes_to_calls(sessionmaker: Any) -> None:
    async with sessionmaker.begin() as session:
        await create_endpoint(
            session,
            data=EndpointInput(url="https://x.ru/h", events=["order.created"]),
            actor=None,
            allow_private=False,
        )
        call = Call("3.1", Direction.INBOUND, utcnow(), caller="+79161234567")
        await save_calls(session, [replace(call, ended_at=utcnow(), outcome=Outcome.NO_ANSWER)])
    assert await _events(sessionmaker) == []
