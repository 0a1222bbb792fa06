"""The whole PBX path over real TCP: simulator -> link -> tracker -> PostgreSQL (+ NOTIFY)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ami.link import Backoff, PbxConfig
from ami.listener import PbxListener
from ami.simulator import PbxSimulator
from ami.tracker import CallTracker
from callcenter.calls.models import CallEventRow, CallRow
from callcenter.db import make_engine, make_sessionmaker
from callcenter.tasks.models import Task


@pytest.fixture
async def sessionmaker(database_url: str, clean_db: None) -> AsyncIterator[Any]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def pbx() -> AsyncIterator[PbxSimulator]:
    simulator = PbxSimulator(speed=0.01, auth_failure_delay_s=0.0)
    await simulator.start()
    yield simulator
    await simulator.stop()


def listener_for(port: int, sessionmaker: Any, fence: Any = None) -> PbxListener:
    config = PbxConfig(
        name="default",
        host="127.0.0.1",
        port=port,
        username="crm",
        secret="crmsecret",
        backoff=Backoff(initial=0.05, maximum=0.2),
        ping_interval=1.0,
        ping_timeout=1.0,
    )
    return PbxListener(config, sessionmaker, tracker=CallTracker(), fence=fence)


async def stored(sessionmaker: Any, linkedid: str, within: float = 5.0) -> CallRow:
    """Wait until the call is stored as ended."""
    async with asyncio.timeout(within):
        while True:
            async with sessionmaker() as session:
                row = await session.scalar(
                    select(CallRow)
                    .where(CallRow.linkedid == linkedid)
                    .options(selectinload(CallRow.legs))
                )
            if row is not None and row.ended_at is not None:
                return row
            await asyncio.sleep(0.05)


@pytest.fixture
async def running(pbx: PbxSimulator, sessionmaker: Any) -> AsyncIterator[PbxListener]:
    listener = listener_for(pbx.port, sessionmaker)
    task = asyncio.create_task(listener.run())
    async with asyncio.timeout(5):
        while not listener.link.connected:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    yield listener
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_inbound_answered_call_is_stored_with_its_agent_leg(
    pbx: PbxSimulator, running: PbxListener, sessionmaker: Any
) -> None:
    linkedid = await pbx.inbound_call(caller="+79161234567", agent_answers=True)
    row = await stored(sessionmaker, linkedid)
    assert (row.direction, row.caller, row.callee, row.queue) == (
        "inbound",
        "+79161234567",
        "+74951234567",
        "sales",
    )
    assert row.outcome == "answered" and row.answered_at is not None
    assert any(leg.agent and leg.answered_at for leg in row.legs)
    async with sessionmaker() as session:
        kinds = list(
            await session.scalars(
                select(CallEventRow.kind)
                .where(CallEventRow.call_id == row.id)
                .order_by(CallEventRow.seq)
            )
        )
    assert kinds[0] == "started" and kinds[-1] == "ended" and "answered" in kinds


async def test_abandoned_call_leaves_one_callback_task(
    pbx: PbxSimulator, running: PbxListener, sessionmaker: Any
) -> None:
    linkedid = await pbx.inbound_call(caller="+79035550000", agent_answers=False, patience_s=8)
    row = await stored(sessionmaker, linkedid, within=10)
    assert row.outcome == "abandoned"
    async with sessionmaker() as session:
        [task] = list(await session.scalars(select(Task)))
    assert task.phone == "+79035550000" and task.call_id == row.id


async def test_calls_stored_live_are_ended_when_the_pbx_no_longer_has_them(
    pbx: PbxSimulator, sessionmaker: Any
) -> None:
    from datetime import UTC, datetime

    async with sessionmaker.begin() as session:
        session.add(
            CallRow(
                linkedid="ghost.1",
                direction="inbound",
                started_at=datetime.now(UTC),
                queued_at=datetime.now(UTC),
                pbx="default",
            )
        )
    listener = listener_for(pbx.port, sessionmaker)
    task = asyncio.create_task(listener.run())
    try:
        row = await stored(sessionmaker, "ghost.1")
        assert row.outcome == "abandoned"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
