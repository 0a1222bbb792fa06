"""The floor over real TCP: simulator -> listener -> PostgreSQL, and commands the other way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from ami.listener import PbxListener
from ami.simulator import PbxSimulator
from callcenter.calls.models import PbxStatus
from callcenter.errors import Conflict, Forbidden
from callcenter.floor import service
from callcenter.floor.dialplan import DialPlan
from callcenter.floor.figures import queue_figures
from callcenter.floor.models import (
    AgentLogin,
    AgentRow,
    AgentStateRow,
    PauseReason,
    PbxCommand,
    StintRow,
)
from callcenter.users.models import User
from tests.calls.test_listener import listener_for, pbx, sessionmaker  # noqa: F401

PLAN = DialPlan("Local/{extension}@agents", "outbound", "national")
TZ = "Europe/Moscow"


@pytest.fixture
async def running(pbx: PbxSimulator, sessionmaker: Any) -> AsyncIterator[PbxListener]:  # noqa: F811
    listener = listener_for(pbx.port, sessionmaker)
    task = asyncio.create_task(listener.run())
    await until(lambda: listener.link.connected)
    await until_db(sessionmaker, lambda s: s.scalar(select(AgentRow.interface).limit(1)))
    yield listener
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def until(check: Callable[[], Any], within: float = 5.0) -> None:
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def until_db(sessionmaker: Any, query: Callable[[Any], Any], within: float = 5.0) -> Any:  # noqa: F811
    async with asyncio.timeout(within):
        while True:
            async with sessionmaker() as session:
                found = await query(session)
            if found:
                return found
            await asyncio.sleep(0.05)


async def agent(sessionmaker: Any, extension: str) -> AgentRow:  # noqa: F811
    async with sessionmaker() as session:
        row = await service.agent_of(session, extension)
    assert row is not None
    return row


async def test_queues_and_members_are_read_from_the_pbx_after_login(
    running: PbxListener,
    sessionmaker: Any,  # noqa: F811
) -> None:
    async with sessionmaker() as session:
        figures = await queue_figures(session, now=datetime.now(UTC), timezone=TZ)
    assert {f.queue for f in figures} == {"sales", "support"}
    row = await agent(sessionmaker, "101")
    assert row.status == "available" and set(row.queues) == {"sales", "support"}


async def test_answered_and_abandoned_calls_move_the_queue_figures(
    pbx: PbxSimulator,  # noqa: F811
    running: PbxListener,
    sessionmaker: Any,  # noqa: F811
) -> None:
    await pbx.inbound_call(caller="+79161234567", agent_answers=True)
    await pbx.inbound_call(caller="+79035550000", agent_answers=False, patience_s=8)
    stints = await until_db(
        sessionmaker,
        lambda s: _finished(s),
        within=10,
    )
    by_outcome = {s.outcome: s for s in stints}
    assert set(by_outcome) == {"completed", "abandoned"}
    done, gone = by_outcome["completed"], by_outcome["abandoned"]
    async with sessionmaker() as session:
        [sales] = await queue_figures(session, now=datetime.now(UTC), timezone=TZ, queues=["sales"])
        states = set(await session.scalars(select(AgentStateRow.status)))
    assert (sales.answered_today, sales.abandoned_today, sales.completed_today) == (1, 1, 1)
    assert sales.asa_seconds == float(done.wait_seconds)
    within = int(done.wait_seconds <= 20) + int(gone.wait_seconds <= 20)
    assert sales.service_level_today == (100.0 if done.wait_seconds <= 20 else 0.0)
    assert sales.service_level2_today == round(100.0 * within / 2, 1)
    assert sales.aht_seconds == float(done.talk_seconds)
    assert {"ringing", "on_call"} <= states


async def _finished(session: Any) -> list[StintRow] | None:
    rows = list(await session.scalars(select(StintRow).where(StintRow.outcome != "waiting")))
    return rows if len(rows) == 2 and all(r.outcome != "connected" for r in rows) else None


async def _user(sessionmaker: Any, make_user: Any, extension: str) -> User:  # noqa: F811
    return await make_user("operator", extension=extension)


async def test_log_in_pause_with_reason_unpause_and_log_out(
    running: PbxListener,
    sessionmaker: Any,  # noqa: F811
    make_user: Any,
) -> None:
    operator = await make_user("operator", extension="103")
    async with sessionmaker.begin() as session:
        session.add(PauseReason(name="Lunch", active=True, position=0))
        await service.log_in(session, agent=operator, queue="sales", plan=PLAN, by=operator)
    row = await until_db(sessionmaker, lambda s: service.agent_of(s, "103"))
    await until_db(sessionmaker, lambda s: _status(s, "103", "available"))
    async with sessionmaker.begin() as session:
        await service.set_paused(
            session, extension="103", paused=True, reason="Lunch", plan=PLAN, by=operator
        )
    row = await until_db(sessionmaker, lambda s: _status(s, "103", "paused"))
    assert row.reason == "Lunch"
    async with sessionmaker.begin() as session:
        await service.set_paused(
            session, extension="103", paused=False, reason="", plan=PLAN, by=operator
        )
    await until_db(sessionmaker, lambda s: _status(s, "103", "available"))
    async with sessionmaker.begin() as session:
        await service.log_out(session, extension="103", queue="sales", plan=PLAN, by=operator)
    await until_db(sessionmaker, lambda s: _status(s, "103", "logged_out"))
    async with sessionmaker() as session:
        commands = list(await session.scalars(select(PbxCommand).order_by(PbxCommand.id)))
        paused = await session.scalar(
            select(AgentStateRow).where(
                AgentStateRow.extension == "103", AgentStateRow.status == "paused"
            )
        )
    assert [c.state for c in commands] == ["done"] * 4
    assert paused is not None and paused.reason == "Lunch"


async def _status(session: Any, extension: str, status: str) -> AgentRow | None:
    row = await service.agent_of(session, extension)
    return row if row is not None and row.status == status else None


async def test_a_pause_reason_outside_the_managed_list_is_refused(
    sessionmaker: Any,  # noqa: F811
    make_user: Any,
) -> None:
    operator = await make_user("operator", extension="101")
    with pytest.raises(Exception, match="pause reason"):
        async with sessionmaker.begin() as session:
            await service.set_paused(
                session, extension="101", paused=True, reason="Nap", plan=PLAN, by=operator
            )


async def test_click_to_call_rings_the_agent_then_the_customer_and_reports_progress(
    running: PbxListener,
    sessionmaker: Any,  # noqa: F811
    make_user: Any,
) -> None:
    operator = await make_user("operator", extension="101")
    async with sessionmaker.begin() as session:
        command = await service.click_to_call(
            session, user=operator, number="+7 916 123-45-61", plan=PLAN, region="RU", key="k1"
        )
    assert command.payload["exten"] == "89161234561"
    done = await until_db(sessionmaker, lambda s: _progress(s, command.id, "ended"), within=10)
    assert done.state == "done"
    async with sessionmaker.begin() as session:  # the same key again: the same call, no new dial
        again = await service.click_to_call(
            session, user=operator, number="+79161234561", plan=PLAN, region="RU", key="k1"
        )
        count = len(list(await session.scalars(select(PbxCommand))))
    assert again.id == command.id and count == 1
    from callcenter.calls.models import CallRow

    call = await until_db(
        sessionmaker,
        lambda s: s.scalar(select(CallRow).where(CallRow.linkedid == command.linkedid)),
    )
    assert call.direction == "outbound" and call.callee == "+79161234561"


async def _progress(session: Any, command_id: int, stage: str) -> PbxCommand | None:
    command = await session.get(PbxCommand, command_id)
    return command if command is not None and command.progress == stage else None


async def test_click_to_call_refuses_do_not_call_numbers_and_a_second_call_at_once(
    sessionmaker: Any,  # noqa: F811
    make_user: Any,
) -> None:
    operator = await make_user("operator", extension="101")
    async with sessionmaker.begin() as session:
        await service.add_dnc(
            session, number="8 916 000-00-01", reason="asked", by=operator, region="RU"
        )
    with pytest.raises(Forbidden) as refused:
        async with sessionmaker.begin() as session:
            await service.click_to_call(
                session, user=operator, number="+79160000001", plan=PLAN, region="RU"
            )
    assert refused.value.params == {"reason": "asked"}
    async with sessionmaker.begin() as session:
        await service.click_to_call(
            session, user=operator, number="+79161234561", plan=PLAN, region="RU"
        )
    with pytest.raises(Conflict):
        async with sessionmaker.begin() as session:
            await service.click_to_call(
                session, user=operator, number="+79161234562", plan=PLAN, region="RU"
            )


async def test_members_are_logged_back_in_after_asterisk_restarted(
    pbx: PbxSimulator,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
) -> None:
    async with sessionmaker.begin() as session:
        session.add(
            AgentLogin(
                pbx="default",
                queue="sales",
                interface="Local/103@agents/n",
                member_name="Agent 103",
                state_interface="Local/103@agents",
                paused=True,
                reason="Lunch",
            )
        )
        session.add(
            PbxStatus(
                pbx="default",
                state="connected",
                leader="x",
                backlog=0,
                events_handled=0,
                reconnects=0,
                updated_at=datetime.now(UTC),
                pbx_started="1999-01-01 00:00:00",
            )
        )
    listener = listener_for(pbx.port, sessionmaker)
    task = asyncio.create_task(listener.run())
    try:
        row = await until_db(sessionmaker, lambda s: _status(s, "103", "paused"), within=10)
        assert row.reason == "Lunch" and row.queues == ["sales"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
