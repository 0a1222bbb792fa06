"""Old deliveries are purged in batches: sent and failed ones made more than the kept days
ago go, pending ones stay whatever their age, young ones stay; two purges at once delete
each row once; the app's scheduler runs the purge where it runs the sender."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text

from callcenter.db import utcnow
from callcenter.settings import Settings
from callcenter.webhooks.models import Delivery
from callcenter.webhooks.purge import purge_deliveries
from callcenter.webhooks.service import EndpointInput, create_endpoint, enqueue
from web.app import create_app
from web.keys import SCHEDULER

KEEP = timedelta(days=30)


async def _deliveries(sessionmaker: Any, plan: list[tuple[str, int]]) -> None:
    """One delivery per (state, age in days) of ``plan``, in that order."""
    async with sessionmaker.begin() as session:
        await create_endpoint(
            session,
            data=EndpointInput(url="https://hooks.example.invalid/h", events=["task.due"]),
            actor=None,
            allow_private=False,
        )
        for n, _ in enumerate(plan):
            await enqueue(session, "task.due", f"task:{n}", {"id": n})
        for n, (state, days) in enumerate(plan, start=1):
            await session.execute(
                text(
                    "UPDATE webhook_deliveries SET state = :state, "
                    "created_at = now() - make_interval(days => :days) WHERE id = :id"
                ),
                {"state": state, "days": days, "id": n},
            )


async def _left(sessionmaker: Any) -> list[int]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Delivery.id).order_by(Delivery.id)))


PLAN = [("sent", 45), ("failed", 31), ("pending", 90), ("sent", 29), ("sent", 31)] * 7


async def test_sent_and_failed_deliveries_older_than_kept_go_in_batches(
    sessionmaker: Any,
) -> None:
    await _deliveries(sessionmaker, PLAN)
    assert await purge_deliveries(sessionmaker, keep=KEEP, batch=4) == 21
    kept = [n for n, (state, days) in enumerate(PLAN, start=1) if state == "pending" or days < 30]
    assert await _left(sessionmaker) == kept
    assert await purge_deliveries(sessionmaker, keep=KEEP, batch=4) == 0
    later = utcnow() + timedelta(days=2)  # the 29-day-old ones are old enough now
    assert await purge_deliveries(sessionmaker, keep=KEEP, now=later) == 7


async def test_two_purges_at_once_delete_each_delivery_once(sessionmaker: Any) -> None:
    await _deliveries(sessionmaker, [("sent", 40)] * 60 + [("pending", 40)] * 5)
    purged = await asyncio.gather(
        *(purge_deliveries(sessionmaker, keep=KEEP, batch=7) for _ in range(3))
    )
    assert sum(purged) == 60 and len(await _left(sessionmaker)) == 5


async def test_the_scheduler_purges_where_it_sends(
    aiohttp_client: Any, settings: Settings, sessionmaker: Any
) -> None:
    await _deliveries(sessionmaker, [("sent", 40), ("sent", 1)])
    app = create_app(replace(settings, webhook_check_seconds=60))
    await aiohttp_client(app)
    assert app[SCHEDULER].apscheduler.get_job("webhook-purge") is not None
    async with asyncio.timeout(10):
        while len(await _left(sessionmaker)) != 1:  # its first run is at the start
            await asyncio.sleep(0.05)
    quiet = create_app(replace(settings, webhook_check_seconds=0))
    await aiohttp_client(quiet)
    assert quiet[SCHEDULER].apscheduler.get_job("webhook-purge") is None
