"""Shared pieces of the dialer's tests over TCP: the simulator, a listener with the dialer,
campaigns and contacts inserted as rows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import time
from typing import Any

from sqlalchemy import select

from ami.dialer import DialerPlan
from ami.link import Backoff, PbxConfig
from ami.listener import PbxListener
from ami.tracker import CallTracker
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.floor.dialplan import DialPlan

PLAN = DialerPlan(DialPlan("Local/{extension}@agents", "outbound", "digits"), "dialer")


def dialer_listener(port: int, sessionmaker: Any) -> PbxListener:
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
    listener = PbxListener(config, sessionmaker, tracker=CallTracker(), dialer=PLAN)
    listener.dialer_every_s = 0.1
    return listener


async def started(listener: PbxListener) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(listener.run())
    await until(lambda: listener.link.connected and listener.floor.board.agents)
    yield task
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def until(check: Callable[[], Any], within: float = 10.0) -> None:
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def until_db(sessionmaker: Any, query: Callable[[Any], Any], within: float = 15.0) -> Any:
    async with asyncio.timeout(within):
        while True:
            async with sessionmaker() as session:
                found = await query(session)
            if found:
                return found
            await asyncio.sleep(0.05)


async def make_campaign(sessionmaker: Any, numbers: list[str], **fields: Any) -> int:
    values = {
        "name": "Spring offer",
        "mode": "progressive",
        "state": "running",
        "queue": "sales",
        "window_from": time(0, 0),
        "window_to": time(23, 59, 59),
        **fields,
    }
    async with sessionmaker.begin() as session:
        campaign = Campaign(**values)
        session.add(campaign)
        await session.flush()
        for number in numbers:
            session.add(CampaignContact(campaign_id=campaign.id, e164=number))
        return campaign.id


async def attempts(session: Any, campaign_id: int) -> list[CampaignAttempt]:
    return list(
        await session.scalars(
            select(CampaignAttempt)
            .where(CampaignAttempt.campaign_id == campaign_id)
            .order_by(CampaignAttempt.id)
        )
    )


async def contacts(session: Any, campaign_id: int) -> dict[str, CampaignContact]:
    rows = await session.scalars(
        select(CampaignContact).where(CampaignContact.campaign_id == campaign_id)
    )
    return {c.e164: c for c in rows}


def all_recorded(campaign_id: int, count: int) -> Callable[[Any], Any]:
    async def query(session: Any) -> list[CampaignAttempt] | None:
        rows = await attempts(session, campaign_id)
        done = [a for a in rows if a.outcome]
        return rows if len(done) >= count and len(done) == len(rows) else None

    return query
