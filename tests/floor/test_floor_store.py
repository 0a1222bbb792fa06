"""Storing the floor: one statement per table whatever the batch, and what comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from callcenter.floor.models import AgentRow, AgentStateRow, StintRow
from callcenter.floor.records import (
    AgentChange,
    AgentSnapshot,
    AgentStatus,
    Stint,
    StintOutcome,
)
from callcenter.floor.store import save_agents, save_stints

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def change(queues: tuple[str, ...], paused: tuple[str, ...], at: datetime) -> AgentChange:
    agent = AgentSnapshot(
        interface="Local/101@agents",
        extension="101",
        name="Anna, sales",
        status=AgentStatus.PAUSED if paused else AgentStatus.AVAILABLE,
        since=at,
        reason="Lunch" if paused else "",
        queues=queues,
        paused_queues=paused,
    )
    return AgentChange(agent, AgentStatus.LOGGED_OUT, at - timedelta(minutes=5), "", at)


async def test_an_agents_queues_come_back_as_lists_and_the_latest_change_wins(
    db_session: Any,
) -> None:
    await save_agents(
        db_session,
        pbx="default",
        changes=[
            change(("sales", "support"), (), T0),
            change(("sales", "support", "vip"), ("support",), T0 + timedelta(seconds=30)),
        ],
    )
    agent = await db_session.scalar(select(AgentRow))
    assert (agent.queues, agent.paused_queues) == (["sales", "support", "vip"], ["support"])
    assert (agent.status, agent.reason, agent.name) == ("paused", "Lunch", "Anna, sales")
    stretches = list(await db_session.scalars(select(AgentStateRow)))
    assert [(s.status, s.ended_at) for s in stretches] == [
        ("logged_out", T0),
        ("logged_out", T0 + timedelta(seconds=30)),
    ]

    await save_agents(db_session, pbx="default", changes=[change((), (), T0 + timedelta(1))])
    await db_session.refresh(agent)
    assert (agent.queues, agent.paused_queues) == ([], [])


async def test_a_visit_stored_twice_in_one_batch_keeps_its_last_state(db_session: Any) -> None:
    waiting = Stint("u1/sales/1", "sales", "l1", "u1", "+79161234567", T0, StintOutcome.WAITING)
    connected = Stint(
        "u1/sales/1",
        "sales",
        "l1",
        "u1",
        "+79161234567",
        T0,
        StintOutcome.CONNECTED,
        connected_at=T0 + timedelta(seconds=12),
        wait_seconds=12,
        agent="Local/101@agents",
    )
    await save_stints(db_session, pbx="default", stints=[waiting])
    stint = await db_session.scalar(select(StintRow))
    assert (stint.outcome, stint.wait_seconds, stint.agent) == ("waiting", None, "")
    await save_stints(db_session, pbx="default", stints=[waiting, connected])
    await db_session.refresh(stint)
    assert (stint.outcome, stint.wait_seconds, stint.agent) == ("connected", 12, "Local/101@agents")


async def test_a_change_of_the_paused_queues_alone_finishes_no_stretch(db_session: Any) -> None:
    talking = AgentSnapshot(
        interface="Local/101@agents",
        extension="101",
        name="Anna",
        status=AgentStatus.ON_CALL,
        since=T0,
        queues=("sales",),
        paused_queues=("sales",),
    )
    quiet = AgentChange(talking, AgentStatus.ON_CALL, T0, "", T0 + timedelta(seconds=20))
    await save_agents(db_session, pbx="default", changes=[quiet])
    agent = await db_session.scalar(select(AgentRow))
    assert (agent.status, agent.paused_queues, agent.since) == ("on_call", ["sales"], T0)
    assert list(await db_session.scalars(select(AgentStateRow))) == []
