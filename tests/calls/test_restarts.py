"""Restarts do not bend the figures, over real TCP and PostgreSQL: the CRM dies mid-call and a
new process takes over (the call goes on with its answer time, the visit completes), a call
ends while no CRM listens (its end bounded by what was last heard, marked uncertain), and
Asterisk itself dies and comes back (the lost call ends when it was last heard)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from ami.listener import PbxListener
from ami.simulator import PbxSimulator
from ami.simulator.config import QueueConfig
from ami.takeover import lead
from callcenter.calls.ghosts import end_ghost_calls
from callcenter.calls.models import CallEventRow, CallLegRow, CallRow, PbxStatus
from callcenter.floor.figures import QueueFigures, queue_figures
from callcenter.floor.models import StintRow
from tests.calls.test_listener import listener_for, pbx, sessionmaker, stored  # noqa: F401

TZ = "Europe/Moscow"


class Crm:
    """One CRM process's listener, leading from its start until it is killed."""

    def __init__(self, port: int, sessionmaker: Any) -> None:  # noqa: F811
        self.listener: PbxListener = listener_for(port, sessionmaker)
        self.task = asyncio.create_task(lead(self.listener))

    async def connected(self) -> None:
        await until(lambda: self.listener.link.connected)

    async def kill(self) -> datetime:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        return datetime.now(UTC)


@pytest.fixture
async def crms(sessionmaker: Any) -> AsyncIterator[list[Crm]]:  # noqa: F811
    started: list[Crm] = []
    yield started
    for crm in started:
        await crm.kill()


async def until(check: Callable[[], Any], within: float = 10.0) -> None:
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def row_of(sessionmaker: Any, linkedid: str, check: Callable[[Any], bool]) -> CallRow:  # noqa: F811
    async with asyncio.timeout(10):
        while True:
            async with sessionmaker() as session:
                row = await session.scalar(select(CallRow).where(CallRow.linkedid == linkedid))
            if row is not None and check(row):
                return row
            await asyncio.sleep(0.03)


async def visits(sessionmaker: Any, linkedid: str) -> list[StintRow]:  # noqa: F811
    async with sessionmaker() as session:
        return list(await session.scalars(select(StintRow).where(StintRow.linkedid == linkedid)))


async def sales(sessionmaker: Any) -> QueueFigures:  # noqa: F811
    async with sessionmaker() as session:
        [figures] = await queue_figures(session, now=datetime.now(UTC), timezone=TZ,
                                        queues=["sales"])  # fmt: skip
    return figures


def adds_up(f: QueueFigures) -> bool:
    parts = f.answered_today + f.abandoned_today + f.waiting + f.exited_today + f.lost_today
    return f.offered_today == parts


async def beaten(sessionmaker: Any, *, after: datetime) -> None:  # noqa: F811
    """Until the leader's heartbeat says it was connected and heard the PBX after ``after``."""
    async with asyncio.timeout(10):
        while True:
            async with sessionmaker() as session:
                beat = await session.scalar(select(PbxStatus))
            if beat and beat.state == "connected" and beat.updated_at > after:
                return
            await asyncio.sleep(0.05)


async def kinds(sessionmaker: Any, call_id: int) -> list[str]:  # noqa: F811
    async with sessionmaker() as session:
        return list(await session.scalars(select(CallEventRow.kind)
            .where(CallEventRow.call_id == call_id).order_by(CallEventRow.seq)))  # fmt: skip


async def test_crm_killed_mid_call_the_next_one_keeps_the_answer_and_the_visit_completes(
    pbx: PbxSimulator,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    crms: list[Crm],
) -> None:
    crms.append(first := Crm(pbx.port, sessionmaker))
    await first.connected()
    linkedid = await pbx.inbound_call(agent_answers=True, talk_s=250, patience_s=400)
    answered = await row_of(sessionmaker, linkedid, lambda r: r.answered_at is not None)
    await first.kill()  # as kill -9 leaves it: the call stored live, the visit connected

    crms.append(Crm(pbx.port, sessionmaker))
    row = await stored(sessionmaker, linkedid, within=15)

    assert row.outcome == "answered" and not row.end_uncertain
    assert row.answered_at == answered.answered_at  # adopted, not rebuilt: no "talk 0"
    assert row.talk_seconds == pytest.approx((row.ended_at - row.answered_at).total_seconds())
    assert row.talk_seconds > 1.5  # 250 simulated seconds at 0.01
    assert row.queue == "sales" and row.queued_at == answered.queued_at
    timeline = await kinds(sessionmaker, row.id)
    assert timeline.count("started") == 1 and timeline.count("ended") == 1
    assert "adopted" in timeline and "recovered" not in timeline
    await until_visit(sessionmaker, linkedid, "completed")
    [visit] = await visits(sessionmaker, linkedid)  # one visit, not a second one rebuilt
    assert visit.talk_seconds and visit.talk_seconds >= 200  # Asterisk's own TalkTime
    f = await sales(sessionmaker)
    assert adds_up(f) and (f.offered_today, f.answered_today, f.completed_today) == (1, 1, 1)


async def until_visit(sessionmaker: Any, linkedid: str, outcome: str) -> None:  # noqa: F811
    for _ in range(300):
        if [v for v in await visits(sessionmaker, linkedid) if v.outcome == outcome]:
            return
        await asyncio.sleep(0.03)
    async with sessionmaker() as session:
        every = list(await session.scalars(select(StintRow)))
    found = [(v.key, v.linkedid, v.outcome, v.ended_by) for v in every]
    raise AssertionError(f"no {outcome} visit of {linkedid}: {found}")


@pytest.fixture
async def patient_queue() -> AsyncIterator[PbxSimulator]:
    """The simulator with agents rung up to 300 s before the queue tries again, and callers
    kept in the queue up to 600 s."""
    queues = (QueueConfig("sales", timeout=300), QueueConfig("support", strategy="linear"))
    simulator = PbxSimulator(speed=0.01, auth_failure_delay_s=0.0, queues=queues,
                             queue_max_wait_s=600)  # fmt: skip
    await simulator.start()
    yield simulator
    await simulator.stop()


async def test_crm_killed_while_the_call_rings_the_next_one_stores_it_answered(
    patient_queue: PbxSimulator,
    sessionmaker: Any,  # noqa: F811
    crms: list[Crm],
) -> None:
    crms.append(first := Crm(patient_queue.port, sessionmaker))
    await first.connected()
    linkedid = await patient_queue.inbound_call(agent_answers=True, ring_s=90, talk_s=30,
                                                patience_s=400)  # fmt: skip
    await row_of(sessionmaker, linkedid, lambda r: r.queued_at is not None)
    await asyncio.sleep(0.3)  # ringing at the agent
    killed = await first.kill()

    crms.append(Crm(patient_queue.port, sessionmaker))
    row = await stored(sessionmaker, linkedid, within=15)

    assert row.outcome == "answered"  # not abandoned
    assert row.answered_at is not None and row.answered_at > killed
    assert row.queue == "sales" and not row.end_uncertain
    await until_visit(sessionmaker, linkedid, "completed")
    assert len(await visits(sessionmaker, linkedid)) == 1
    assert adds_up(await sales(sessionmaker))


async def test_a_call_that_ends_while_no_crm_listens_ends_when_last_heard(
    pbx: PbxSimulator,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    crms: list[Crm],
) -> None:
    crms.append(first := Crm(pbx.port, sessionmaker))
    await first.connected()
    linkedid = await pbx.inbound_call(agent_answers=True, talk_s=250, patience_s=400)
    answered = await row_of(sessionmaker, linkedid, lambda r: r.answered_at is not None)
    await beaten(sessionmaker, after=answered.answered_at)  # type: ignore[arg-type]
    killed = await first.kill()
    await pbx.wait_idle()  # the call ends unheard
    ended_really = datetime.now(UTC)

    crms.append(second := Crm(pbx.port, sessionmaker))
    await second.connected()
    row = await row_of(sessionmaker, linkedid, lambda r: r.ended_at is not None)

    assert row.outcome == "answered" and row.end_uncertain
    assert answered.answered_at < row.ended_at <= killed  # type: ignore[operator]
    assert row.ended_latest_at is not None and row.ended_latest_at >= ended_really
    talk = (row.ended_at - row.answered_at).total_seconds()  # type: ignore[operator]
    assert row.talk_seconds == pytest.approx(talk) and talk > 0.1  # bounded, never 0 or 26 s
    async with sessionmaker() as session:
        open_legs = await session.scalar(select(func.count()).select_from(CallLegRow)
            .where(CallLegRow.call_id == row.id, CallLegRow.ended_at.is_(None)))  # fmt: skip
    assert open_legs == 0
    await until_visit(sessionmaker, linkedid, "lost")
    [visit] = await visits(sessionmaker, linkedid)
    assert visit.ended_by == "crm_restart" and visit.ended_at is not None
    assert visit.connected_at is not None and visit.ended_at <= killed
    f = await sales(sessionmaker)
    assert adds_up(f) and (f.offered_today, f.answered_today, f.lost_today) == (1, 1, 0)
    assert (f.completed_today, f.talking) == (0, 0)


async def test_asterisk_killed_mid_call_and_back_the_call_ends_when_last_heard(
    sessionmaker: Any,  # noqa: F811
    crms: list[Crm],
) -> None:
    first = PbxSimulator(speed=0.01, auth_failure_delay_s=0.0)
    port = await first.start()
    crms.append(crm := Crm(port, sessionmaker))
    await crm.connected()
    linkedid = await first.inbound_call(agent_answers=True, talk_s=300, patience_s=400)
    answered = await row_of(sessionmaker, linkedid, lambda r: r.answered_at is not None)
    await asyncio.sleep(0.3)
    died = datetime.now(UTC)
    await first.stop()  # Asterisk dies with its calls: no Hangup ever comes
    await asyncio.sleep(0.5)
    second = PbxSimulator(speed=0.01, auth_failure_delay_s=0.0)
    back = datetime.now(UTC)
    await second.start(port=port)
    try:
        row = await row_of(sessionmaker, linkedid, lambda r: r.ended_at is not None)
        assert row.end_uncertain and row.outcome == "answered"
        assert answered.answered_at <= row.ended_at <= died  # type: ignore[operator]
        assert row.ended_latest_at is not None and row.ended_latest_at >= back
        assert row.talk_seconds <= (died - answered.answered_at).total_seconds()  # type: ignore[operator]
        await until_visit(sessionmaker, linkedid, "lost")
        [visit] = await visits(sessionmaker, linkedid)
        assert visit.ended_by == "link_lost" and visit.ended_at <= died + timedelta(seconds=1)  # type: ignore[operator]
        assert adds_up(await sales(sessionmaker))
    finally:
        await second.stop()


async def test_ghost_calls_end_when_the_previous_leader_last_heard_never_before_their_own_events(
    db_session: Any,
) -> None:
    now = datetime.now(UTC)
    heard = now - timedelta(seconds=30)
    db_session.add(PbxStatus(pbx="default", state="connected", updated_at=now,
                             previous_heard_at=heard))  # fmt: skip
    ago = lambda seconds: now - timedelta(seconds=seconds)  # noqa: E731
    talked = CallRow(linkedid="g.1", direction="inbound", pbx="default", started_at=ago(60),
                     answered_at=ago(50))  # fmt: skip
    late = CallRow(linkedid="g.2", direction="inbound", pbx="default", started_at=ago(20),
                   queued_at=ago(19))  # fmt: skip
    live = CallRow(linkedid="g.3", direction="inbound", pbx="default", started_at=now)
    db_session.add_all([talked, late, live])
    await db_session.flush()
    db_session.add(CallLegRow(call_id=talked.id, uniqueid="g.1a", channel="PJSIP/101-1",
                              agent="101", started_at=talked.started_at,
                              answered_at=talked.answered_at))  # fmt: skip
    db_session.add(CallEventRow(call_id=talked.id, seq=0, at=talked.started_at, kind="started"))
    await db_session.flush()

    gone = await end_ghost_calls(db_session, pbx="default", live_linkedids={"g.3"}, at=now)
    assert gone == ["g.1", "g.2"]
    for row in (talked, late, live):
        await db_session.refresh(row)
    assert (talked.ended_at, talked.outcome, talked.end_uncertain) == (heard, "answered", True)
    assert talked.talk_seconds == pytest.approx(20.0) and talked.ended_latest_at == now
    assert late.ended_at == late.queued_at and late.outcome == "abandoned"  # its own last moment
    assert live.ended_at is None and not live.end_uncertain
    leg = await db_session.scalar(select(CallLegRow).where(CallLegRow.uniqueid == "g.1a"))
    assert leg.ended_at == heard and leg.talk_seconds == pytest.approx(20.0)
    kinds_of_talked = await kinds_in(db_session, talked.id)
    assert kinds_of_talked == ["started", "lost_during_disconnect", "ended"]
    assert await end_ghost_calls(db_session, pbx="default", live_linkedids={"g.3"}, at=now) == []


async def kinds_in(session: Any, call_id: int) -> list[str]:
    return list(await session.scalars(select(CallEventRow.kind)
        .where(CallEventRow.call_id == call_id).order_by(CallEventRow.seq)))  # fmt: skip
