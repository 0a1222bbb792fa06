"""One click dials once: click-to-call requests racing each other (two tabs, a double click,
a retried request with its Idempotency-Key) place one call, by the database's own index."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from ami.floor_sync import click_to_call_progress
from ami.listener import PbxListener
from ami.tracker.updates import CallAnswered, CallEnded
from callcenter.calls.models import CallRow, PbxStatus
from callcenter.calls.records import Call, Direction, Leg
from callcenter.floor import service
from callcenter.floor.models import PbxCommand
from callcenter.floor.placing import GIVEN_UP
from callcenter.settings import Settings
from tests.calls.test_listener import pbx, sessionmaker  # noqa: F401
from tests.floor.test_floor_live import PLAN, running, until_db  # noqa: F401

RACERS = 12


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The app dials as the simulator's dialplan expects (Local agents, national numbers)."""
    return replace(settings, agent_dial="Local/{extension}@agents", dial_format="national")


async def dial_all(client: Any, keys: list[str | None], numbers: list[str]) -> list[Any]:
    """POST /api/v1/calls once per key, all at once; each answer as (status, body, headers)."""

    async def one(key: str | None, number: str) -> tuple[int, dict, Any]:
        headers = {"Idempotency-Key": key} if key else {}
        response = await client.post("/api/v1/calls", json={"to": number}, headers=headers)
        return response.status, await response.json(), response.headers

    return await asyncio.gather(*(one(k, n) for k, n in zip(keys, numbers, strict=True)))


async def originates(session: Any) -> list[PbxCommand]:
    query = select(PbxCommand).where(PbxCommand.kind == "originate").order_by(PbxCommand.id)
    return list(await session.scalars(query))


async def c2c_calls(session: Any) -> int:
    query = select(func.count()).where(CallRow.linkedid.like(f"{service.C2C_PREFIX}%"))
    return int(await session.scalar(query) or 0)


async def connected(session: Any) -> None:
    session.add(
        PbxStatus(
            pbx="default",
            state="connected",
            leader="test",
            backlog=0,
            events_handled=0,
            reconnects=0,
            updated_at=datetime.now(UTC),
        )
    )
    await session.commit()


async def beating(session: Any) -> bool:
    """The listener's heartbeat says connected (the web app goes by it)."""
    state = await session.scalar(select(PbxStatus.state).where(PbxStatus.pbx == "default"))
    return state == "connected"


async def test_tabs_clicking_at_once_ring_the_customer_once_through_the_pbx(
    running: PbxListener,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    api_as: Any,
) -> None:
    client, _ = await api_as("operator", extension="101")
    await until_db(sessionmaker, beating)
    numbers = ["+79161234561"] * (RACERS // 2) + ["+79161234562"] * (RACERS // 2)
    answers = await dial_all(client, [f"tab-{i}" for i in range(RACERS)], numbers)
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [202] + [409] * (RACERS - 1), answers
    refused = [body for status, body, _ in answers if status == 409]
    # A racer that runs only once the first call has reached the operator's phone is told so
    # (on_a_call); every other one is told a call is already being placed. Either way, no dial.
    words = {"call_in_progress": "already being placed", "on_a_call": "You are on a call"}
    assert {b["error"] for b in refused} <= set(words), refused
    assert all(words[b["error"]] in b["message"] for b in refused)
    [placed] = [body for status, body, _ in answers if status == 202]
    done = await until_db(
        sessionmaker, lambda s: _stage(s, placed["id"], ("ended", "failed")), within=10
    )
    await asyncio.sleep(0.3)  # time for a second Originate to reach the PBX, were there one
    async with sessionmaker() as session:
        assert len(await originates(session)) == 1
        assert await c2c_calls(session) == 1  # the simulator saw one Originate
    assert running.commands.sent == 1 and done.state == "done"
    again = await dial_all(client, ["after-the-call"], ["+79161234562"])  # the phone is free
    assert again[0][0] == 202


async def test_the_same_key_sent_at_once_gets_the_first_answer_and_dials_once(
    running: PbxListener,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    api_as: Any,
) -> None:
    client, _ = await api_as("operator", extension="101")
    await until_db(sessionmaker, beating)
    answers = await dial_all(client, ["retried"] * RACERS, ["+79161234561"] * RACERS)
    assert [status for status, _, _ in answers] == [202] * RACERS, answers
    assert len({body["id"] for _, body, _ in answers}) == 1
    await until_db(sessionmaker, lambda s: _stage(s, answers[0][1]["id"], ("ended",)), within=10)
    async with sessionmaker() as session:
        assert len(await originates(session)) == 1 and await c2c_calls(session) == 1
    assert running.commands.sent == 1


async def _stage(session: Any, command_id: int, stages: tuple[str, ...]) -> PbxCommand | None:
    command = await session.get(PbxCommand, command_id)
    return command if command is not None and command.progress in stages else None


async def test_racing_clicks_without_keys_queue_one_call(api_as: Any, db_session: Any) -> None:
    client, _ = await api_as("operator", extension="101")
    await connected(db_session)
    answers = await dial_all(client, [None] * RACERS, ["8 916 123-45-61"] * RACERS)
    assert sorted(status for status, _, _ in answers) == [202] + [409] * (RACERS - 1)
    assert len(await originates(db_session)) == 1


async def test_each_operator_has_their_own_one_call(api_as: Any, db_session: Any) -> None:
    await connected(db_session)
    first, _ = await api_as("operator", extension="101")
    assert (await dial_all(first, ["a"], ["+79161234561"]))[0][0] == 202
    second, _ = await api_as("operator", extension="102")  # the client now signs in as them
    assert (await dial_all(second, ["b"], ["+79161234561"]))[0][0] == 202
    assert len(await originates(db_session)) == 2


async def test_a_key_used_for_another_number_or_by_another_user_is_refused(
    api_as: Any, db_session: Any
) -> None:
    client, _ = await api_as("operator", extension="101")
    await connected(db_session)
    assert (await dial_all(client, ["k"], ["+79161234561"]))[0][0] == 202
    [(status, body, _)] = await dial_all(client, ["k"], ["+79161234599"])
    assert status == 409 and "another number" in body["message"]
    other, _ = await api_as("operator", extension="102")
    [(status, body, _)] = await dial_all(other, ["k"], ["+79161234561"])
    assert status == 409 and "someone else" in body["message"]
    assert len(await originates(db_session)) == 1


async def test_garbage_keys_and_numbers_are_answered_cleanly(api_as: Any, db_session: Any) -> None:
    client, _ = await api_as("operator", extension="101")
    await connected(db_session)
    for body in ({"to": "not a number"}, {"to": "+7" + "9" * 40}, {"to": 79161234561}, {}):
        response = await client.post("/api/v1/calls", json=body)
        assert response.status in (400, 422), body
    long_key = "k" * 4000  # kept to its first 120 characters, in the header or the body
    headers = {"Idempotency-Key": long_key}
    first = await client.post("/api/v1/calls", json={"to": "+79161234561"}, headers=headers)
    again = await client.post("/api/v1/calls", json={"to": "+79161234561", "key": long_key})
    assert (first.status, again.status) == (202, 202)
    assert (await first.json())["id"] == (await again.json())["id"]
    cyrillic = {"to": "+79161234561", "key": "ключ" * 1000}
    response = await client.post("/api/v1/calls", json=cyrillic)
    assert response.status == 409  # a new request while the first call is being placed
    response = await client.post("/api/v1/calls", json={"to": "+79161234561", "key": ["x", 1]})
    assert response.status == 409  # a key of another shape is just another request: refused
    assert len(await originates(db_session)) == 1


@pytest.mark.parametrize(
    ("state", "progress"), [("done", "ringing_you"), ("done", "calling_customer"), ("sending", "")]
)
async def test_a_call_the_pbx_said_nothing_more_of_does_not_block_the_phone(
    api_as: Any, db_session: Any, state: str, progress: str
) -> None:
    client, operator = await api_as("operator", extension="101")
    await connected(db_session)
    stuck = PbxCommand(
        kind="originate",
        payload={"number": "+79161234561"},
        state=state,
        progress=progress,
        user_id=operator.id,
        linkedid=f"{service.C2C_PREFIX}old",
        created_at=datetime.now(UTC) - timedelta(minutes=2),
    )
    db_session.add(stuck)
    await db_session.commit()
    recent = await dial_all(client, ["new"], ["+79161234562"])
    assert recent[0][0] == 202
    await db_session.refresh(stuck)
    sent = "done" if state == "done" else "failed"  # a sent command stays sent: its call failed
    assert (stuck.state, stuck.progress, stuck.message) == (sent, "failed", GIVEN_UP)
    shown = await (await client.get(f"/api/v1/calls/dial/{stuck.id}")).json()
    assert shown["progress"] == "failed" and "no news" in shown["message"]
    [(status, body, _)] = await dial_all(client, ["newer"], ["+79161234563"])
    assert status == 409 and body["error"] == "call_in_progress"  # the recent one still counts


async def test_a_duplicate_while_the_first_request_is_still_running_is_told_to_retry(
    api_as: Any,
    db_session: Any,
    sessionmaker: Any,  # noqa: F811
) -> None:
    client, operator = await api_as("operator", extension="101")
    await connected(db_session)
    async with sessionmaker.begin() as session:  # the first request, not committed yet
        first = await service.click_to_call(
            session, user=operator, number="+79161234561", plan=PLAN, region="RU", key="slow"
        )
        [(status, body, headers)] = await dial_all(client, ["slow"], ["+79161234561"])
        assert status == 409 and body["error"] == "request_in_progress"
        assert headers["Retry-After"] == "1"
    [(status, body, _)] = await dial_all(client, ["slow"], ["+79161234561"])
    assert status == 202 and body["id"] == first.id


async def test_the_refusal_is_in_the_operators_language(api_as: Any, db_session: Any) -> None:
    client, _ = await api_as("operator", extension="101", language="ru")
    await connected(db_session)
    answers = await dial_all(client, ["a", "b"], ["+79161234561", "+79161234562"])
    [refused] = [body for status, body, _ in answers if status == 409]
    assert refused["message"] == "С вашего телефона уже идёт вызов"


async def test_a_replayed_answer_never_moves_a_call_back_into_being_placed(
    db_session: Any, make_user: Any
) -> None:
    """Once out of 'being placed' a call stays out, so a new dial the index let in is never
    met by an old one coming back (which would fail the listener's write)."""
    operator = await make_user("operator", extension="101")
    now = datetime.now(UTC)
    linkedid = f"{service.C2C_PREFIX}talking"
    call = Call(linkedid=linkedid, direction=Direction.OUTBOUND, started_at=now)
    agent_leg = Leg(uniqueid="u1", channel="Local/101@agents-1;1", started_at=now, agent="101")
    old = PbxCommand(
        kind="originate", payload={}, state="done", progress="connected", user_id=operator.id,
        linkedid=linkedid,
    )  # fmt: skip
    db_session.add(old)
    await db_session.commit()
    await service.click_to_call(  # the operator, talking, dials someone else
        db_session, user=operator, number="+79161234562", plan=PLAN, region="RU"
    )
    await db_session.commit()
    # the first call's agent answer heard again (a resync): no unique violation, no way back
    await click_to_call_progress(db_session, [CallAnswered(call, agent_leg, "101")])
    await db_session.commit()
    await db_session.refresh(old)
    assert old.progress == "connected"
    await click_to_call_progress(db_session, [CallEnded(call)])
    await db_session.commit()
    await db_session.refresh(old)
    assert old.progress == "ended"
