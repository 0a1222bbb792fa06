"""The windows of a listener's death and its heir's resync, each made to happen on purpose,
over real TCP (the simulator) and PostgreSQL: whatever the moment, every call ends, once.

- a Hangup (or a new call) read in the same breath as the channel list: the list is applied
  where the PBX answered it, so the call is neither brought back for ever nor ended as lost;
- stored live calls whose channels are gone at the resync (a queue call that left the queue
  and hung up while nobody listened, a call stored with no live leg): ended, bounded by what
  was last heard, marked uncertain;
- a resync stored after later batches were tracked: a call ended since is not a ghost.

The simulator is the PBX; a test only chooses when its caller hangs up or a call comes in
(right after it answers CoreShowChannels, as a real caller could), by wrapping the
simulator's own CoreShowChannels answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ami.call_writer import CallWriter, Resync
from ami.simulator import PbxSimulator
from ami.simulator import actions as pbx_actions
from ami.simulator.request import Request
from ami.tracker import CallTracker
from callcenter.calls.models import CallLegRow, CallRow, PbxStatus
from callcenter.calls.records import Call, CallEvent, Direction, Leg
from callcenter.calls.store import save_calls
from tests.calls.test_listener import pbx, sessionmaker, stored  # noqa: F401
from tests.calls.test_restarts import Crm, crms, kinds, row_of, until  # noqa: F401

AfterList = Callable[[PbxSimulator], Awaitable[None]]


def after_channel_list(monkeypatch: pytest.MonkeyPatch, simulator: PbxSimulator,
                       crm: Callable[[], Crm], then: AfterList) -> None:  # fmt: skip
    """The next CoreShowChannels is answered as ever, and ``then`` happens on the PBX right
    after it, while the CRM is too busy to read (its reading paused, as under load): the
    end of the list and what ``then`` made the PBX say reach it in one read."""
    answer = pbx_actions.ACTIONS["coreshowchannels"]
    done = False

    async def answer_then(request: Request) -> None:
        nonlocal done
        if done:
            await answer(request)
            return
        done = True
        link = crm().listener.link
        link.pause_reading(True)
        try:
            await answer(request)
            await then(simulator)
        finally:
            link.pause_reading(False)

    monkeypatch.setitem(pbx_actions.ACTIONS, "coreshowchannels", answer_then)


def caller_of(simulator: PbxSimulator, linkedid: str) -> str:
    return next(c.name for c in simulator.pbx.channels.values()
                if c.uniqueid == linkedid)  # fmt: skip


async def test_a_hangup_read_with_the_channel_list_ends_the_adopted_call_for_good(
    pbx: PbxSimulator,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    crms: list[Crm],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crms.append(first := Crm(pbx.port, sessionmaker))
    await first.connected()
    linkedid = await pbx.inbound_call(agent_answers=True, talk_s=400, patience_s=500)
    await row_of(sessionmaker, linkedid, lambda r: r.answered_at is not None)
    await first.kill()  # kill -9: the call stored live

    async def hang_up(simulator: PbxSimulator) -> None:
        assert simulator.hangup(caller_of(simulator, linkedid))
        await simulator.wait_idle()  # its Hangups are written

    after_channel_list(monkeypatch, pbx, lambda: heir, hang_up)
    crms.append(heir := Crm(pbx.port, sessionmaker))
    row = await stored(sessionmaker, linkedid, within=10)
    await pbx.wait_idle()
    await asyncio.sleep(0.3)  # anything after the end has been heard

    assert row.outcome == "answered" and not row.end_uncertain  # its Hangup was heard
    timeline = await kinds(sessionmaker, row.id)
    assert timeline.count("ended") == 1 and "recovered" not in timeline, timeline
    assert heir.listener.tracker.live_linkedids() == set()  # not brought back, for ever
    again = await stored(sessionmaker, linkedid)
    assert (again.ended_at, again.updated_at) == (row.ended_at, row.updated_at)


async def test_a_call_that_comes_in_with_the_channel_list_is_not_ended_as_lost(
    pbx: PbxSimulator,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    crms: list[Crm],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[str] = []

    async def call_in(simulator: PbxSimulator) -> None:
        made.append(await simulator.inbound_call(agent_answers=True, talk_s=60, patience_s=200))
        await asyncio.sleep(0.05)  # it rings at an agent

    after_channel_list(monkeypatch, pbx, lambda: crm, call_in)
    crms.append(crm := Crm(pbx.port, sessionmaker))
    await until(lambda: made)
    row = await stored(sessionmaker, made[0], within=10)

    assert row.outcome == "answered" and not row.end_uncertain
    assert 0.3 < row.talk_seconds < 1.5  # 60 simulated seconds at 0.01
    timeline = await kinds(sessionmaker, row.id)
    assert "lost_during_disconnect" not in timeline and timeline.count("ended") == 1, timeline
    assert crm.listener.tracker.live_linkedids() == set()


async def test_a_queue_call_that_left_the_queue_while_nobody_listened_is_ended(
    pbx: PbxSimulator,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    crms: list[Crm],  # noqa: F811
) -> None:
    crms.append(first := Crm(pbx.port, sessionmaker))
    await first.connected()
    # nobody answers: Queue() gives up after 120 s (1.2 s here), the caller leaves and is
    # hung up by the dialplan
    linkedid = await pbx.inbound_call(agent_answers=False, patience_s=500)
    queued = await row_of(sessionmaker, linkedid, lambda r: r.queued_at is not None)
    killed = await first.kill()
    await pbx.wait_idle()
    gone = datetime.now(UTC)

    crms.append(Crm(pbx.port, sessionmaker))
    row = await stored(sessionmaker, linkedid, within=10)

    assert row.outcome == "abandoned" and row.end_uncertain
    assert queued.queued_at <= row.ended_at <= killed  # type: ignore[operator]
    assert row.ended_latest_at is not None and row.ended_latest_at >= gone
    assert all(leg.ended_at is not None for leg in row.legs)
    timeline = await kinds(sessionmaker, row.id)
    assert timeline.count("ended") == 1 and timeline[-1] == "ended", timeline
    assert timeline.index("adopted") < timeline.index("lost_during_disconnect")


def stored_live(linkedid: str, at: datetime, *, legs_ended: bool) -> Call:
    """A queue call a dead leader stored live: its timeline ends with ``left_queue``; its
    legs are still up, or (``legs_ended``) all hung up while the call was not ended."""
    end = at + timedelta(seconds=3) if legs_ended else None
    legs = {
        uid: Leg(uniqueid=uid, channel=f"Local/74951234567@from-pstn-0000dead;{half}",
                 started_at=at, ended_at=end, hangup_cause=16 if end else None)
        for half, uid in ((1, linkedid), (2, f"{linkedid}1"))
    }  # fmt: skip
    timeline = [
        CallEvent(at, "started", linkedid),
        CallEvent(at + timedelta(seconds=1), "queued", f"{linkedid}1", {"queue": "sales"}),
        CallEvent(at + timedelta(seconds=2), "left_queue", f"{linkedid}1", {"queue": "sales"}),
    ]
    return Call(linkedid=linkedid, direction=Direction.INBOUND, started_at=at,
                caller="+79161234567", queue="sales", queued_at=timeline[1].at, legs=legs,
                timeline=timeline)  # fmt: skip


@pytest.mark.parametrize("legs_ended", [False, True])
async def test_stored_live_calls_whose_channels_are_gone_end_at_the_takeover(
    pbx: PbxSimulator,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    crms: list[Crm],  # noqa: F811
    legs_ended: bool,
) -> None:
    began = datetime.now(UTC) - timedelta(seconds=60)
    heard = began + timedelta(seconds=30)
    async with sessionmaker.begin() as session:
        await save_calls(session, [stored_live("1700000000.1", began, legs_ended=legs_ended)])
        session.add(PbxStatus(pbx="default", state="connected", leader="dead:1",
                              updated_at=heard, last_event_at=heard))  # fmt: skip

    crms.append(Crm(pbx.port, sessionmaker))
    row = await stored(sessionmaker, "1700000000.1", within=10)

    assert row.outcome == "abandoned" and row.end_uncertain
    assert row.ended_at == heard  # still live when the dead leader last heard the PBX
    assert row.wait_seconds == pytest.approx(1.0)  # queued to left_queue
    assert all(leg.ended_at is not None for leg in row.legs)
    timeline = await kinds(sessionmaker, row.id)
    assert timeline[2:] == ["left_queue", "adopted", "lost_during_disconnect", "ended"]


async def test_a_resync_stored_late_takes_no_call_ended_since_for_a_ghost(
    sessionmaker: Any,  # noqa: F811
) -> None:
    """Resync applied, then the next batch tracked (a call ended) before the resync's batch
    is stored: that call's row is still live, and not the ghost's to end."""
    now = datetime.now(UTC)
    ghost = stored_live("1700000000.2", now - timedelta(seconds=60), legs_ended=False)
    ended_since = stored_live("1700000000.3", now - timedelta(seconds=10), legs_ended=False)
    async with sessionmaker.begin() as session:
        await save_calls(session, [ghost, ended_since])
    writer = CallWriter(sessionmaker, "default", CallTracker())  # its tracker holds neither
    resync = Resync([], now, keep={ended_since.linkedid})

    await writer.store([], [resync])

    async with sessionmaker() as session:
        rows = {r.linkedid: r for r in await session.scalars(select(CallRow))}
        open_legs = await session.scalars(select(CallLegRow.uniqueid)
                                          .where(CallLegRow.ended_at.is_(None)))  # fmt: skip
        assert sorted(open_legs) == sorted(ended_since.legs)
    assert rows[ghost.linkedid].ended_at is not None and rows[ghost.linkedid].end_uncertain
    assert rows[ended_since.linkedid].ended_at is None  # its own end is on its way
    assert resync.swept
