"""The demo's campaign dials at once at any hour, over real TCP: the demo's own simulator
configuration -> the listener with the dialer (its clock set to 23:00 Moscow time) ->
PostgreSQL, with the inbound agents busy."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ami.link import Backoff, PbxConfig
from ami.listener import PbxListener
from ami.simulator import PbxSimulator
from ami.simulator.config import demo_config
from ami.tracker import CallTracker
from callcenter.demo import CAMPAIGN_EXTENSION, CAMPAIGN_QUEUE, seed_demo
from callcenter.dialer.campaigns import change_state
from callcenter.dialer.idle import campaign_idle
from callcenter.dialer.models import Campaign, CampaignAttempt
from callcenter.floor.records import AgentStatus
from callcenter.users.models import User
from tests.calls.test_listener import sessionmaker  # noqa: F401
from tests.dialer.live_support import PLAN, until, until_db

MOSCOW = ZoneInfo("Europe/Moscow")
LATE = datetime(2026, 3, 2, 23, 0, tzinfo=MOSCOW)  # after every usual calling window
SPEED = 0.1  # simulated seconds run ten times faster


def late_clock() -> Any:
    """Unix time running at the real pace from 23:00 Moscow time."""
    offset = LATE.timestamp() - time.time()
    return lambda: time.time() + offset


def listener_at(port: int, sessionmaker: Any, clock: Any) -> PbxListener:  # noqa: F811
    config = PbxConfig(
        name="default",
        host="127.0.0.1",
        port=port,
        username="crm",
        secret="crmsecret",  # noqa: S106 - the simulator's
        backoff=Backoff(initial=0.05, maximum=0.2),
        ping_interval=1.0,
        ping_timeout=1.0,
    )
    tracker = CallTracker(clock=lambda: datetime.fromtimestamp(clock(), UTC))
    listener = PbxListener(config, sessionmaker, tracker=tracker, dialer=PLAN, clock=clock)
    listener.dialer_every_s = 0.1
    return listener


async def test_demo_campaign_dials_at_23_with_inbound_agents_busy(
    sessionmaker: Any,  # noqa: F811
) -> None:
    async with sessionmaker.begin() as session:
        await seed_demo(session, clients=40)
    simulator = PbxSimulator(demo_config(CAMPAIGN_QUEUE, CAMPAIGN_EXTENSION), speed=SPEED)
    await simulator.start()
    clock = late_clock()
    listener = listener_at(simulator.port, sessionmaker, clock)
    task = asyncio.create_task(listener.run())
    try:
        board = listener.floor.board
        await until(lambda: listener.link.connected and len(board.agents) == 3)
        for caller in ("+79160000001", "+79160000002"):  # both sales agents take a long call
            asyncio.create_task(simulator.inbound_call(caller, talk_s=900, patience_s=900))
        await until(
            lambda: sum(a.status is AgentStatus.ON_CALL for a in board.agents.values()) == 2
        )
        async with sessionmaker.begin() as session:
            manager = await session.scalar(select(User).where(User.login == "manager1"))
            campaign = await session.scalar(select(Campaign))
            await change_state(session, campaign_id=campaign.id, action="start", actor=manager)
        started = datetime.fromtimestamp(clock(), UTC)

        async def first_live_answer(session: Any) -> CampaignAttempt | None:
            return await session.scalar(
                select(CampaignAttempt)
                .where(CampaignAttempt.outcome.in_(("answered", "abandoned")))
                .order_by(CampaignAttempt.id)
                .limit(1)
            )

        first = await until_db(sessionmaker, first_live_answer, within=30)
        async with sessionmaker() as session:
            dialed = list(await session.scalars(select(CampaignAttempt.started_at)))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await simulator.stop()
    assert min(dialed).astimezone(MOSCOW).hour == 23  # it dialed at 23:00, by its clock
    assert min(dialed) - started < timedelta(minutes=1)
    assert first.outcome == "answered"  # the reserved agent took it within the grace time
    assert first.agent_interface == CAMPAIGN_EXTENSION
    assert first.connected_at - first.answered_at <= timedelta(seconds=2)


async def test_demo_campaign_is_never_outside_its_window(sessionmaker: Any) -> None:  # noqa: F811
    async with sessionmaker.begin() as session:
        await seed_demo(session, clients=16)
        campaign = await session.scalar(select(Campaign))
        campaign.state = "running"
        for hour in range(24):  # every hour of a day, in every zone a mobile number may be in
            moment = datetime(2026, 3, 2, hour, 30, tzinfo=MOSCOW)
            idle = await campaign_idle(
                session, campaign=campaign, now=moment, default_zone="Europe/Moscow"
            )
            assert idle is not None and idle.reason == "no_agent", hour  # not the window
