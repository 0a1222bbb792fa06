"""Rollups: report tables of additive counts and sums per time bucket, kept fresh.

A rollup names the buckets (hours or days, as aware datetimes) whose raw rows changed since
a moment, and rebuilds given buckets from the raw rows (DELETE + INSERT ... SELECT: doing it
twice gives the same rows). ``refresh_rollups`` runs every rollup in ONE process at a time (a
PostgreSQL advisory lock; the others skip the run): it takes the database's time, finds the
buckets touched since the last mark (less a margin, for transactions that started before the
mark and committed after it), rebuilds them a chunk per transaction and moves the mark. The
first run, with no mark, builds every bucket there is. Nothing is added to the path that
writes calls: the rollups read what the PBX listener stored, by indexed timestamps.

A module of rollups defines ``ROLLUPS: tuple[Rollup, ...]`` and is listed in
``ROLLUP_MODULES``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.leadership import NAMESPACE
from callcenter.limits import sane_day
from callcenter.reports.rollups.models import RollupMark

log = logging.getLogger(__name__)

ROLLUP_MODULES: tuple[str, ...] = (
    "callcenter.reports.calls.rollups",
    "callcenter.reports.sales.order_rollups",
    "callcenter.reports.sales.client_rollups",
    "callcenter.reports.refusals.rollups",
    "callcenter.reports.loyalty.rollups",
    "callcenter.reports.loyalty.hours_rollup",
    "callcenter.bonuses.rollup",
)
LOCK_FAMILY = "report-rollups"
MARGIN = timedelta(minutes=2)  # longer than any transaction that writes calls or orders

# a bucket is an hour or a day (an aware datetime), or a key such as a client's id for a
# rollup kept per client
Touched = Callable[[AsyncSession, datetime | None], Awaitable[Iterable[Any]]]
Rebuild = Callable[[AsyncSession, list[Any]], Awaitable[None]]


@dataclass(frozen=True)
class Rollup:
    name: str
    touched: Touched  # buckets whose rows changed since the moment (None: every bucket)
    rebuild: Rebuild  # recompute these buckets from the raw rows
    chunk: int = 24 * 7  # buckets per transaction


@cache
def all_rollups() -> tuple[Rollup, ...]:
    found: list[Rollup] = []
    for module_name in ROLLUP_MODULES:
        found += importlib.import_module(module_name).ROLLUPS
    return tuple(found)


async def refresh_rollups(
    sessionmaker: async_sessionmaker[AsyncSession], rollups: Iterable[Rollup] | None = None
) -> dict[str, int] | None:
    """Bring every rollup up to date; buckets rebuilt by name, or None when another process
    is doing it right now. A rollup that fails is logged and left out; the others go on."""
    engine: AsyncEngine = sessionmaker.kw["bind"]
    async with engine.connect() as lock:
        lock = await lock.execution_options(isolation_level="AUTOCOMMIT")
        key = {"ns": NAMESPACE, "family": LOCK_FAMILY}
        taken = await lock.scalar(text("SELECT pg_try_advisory_lock(:ns, hashtext(:family))"), key)
        if not taken:
            return None
        try:
            done = {}
            for rollup in all_rollups() if rollups is None else rollups:
                try:
                    done[rollup.name] = await refresh_one(sessionmaker, rollup)
                except Exception:  # one rollup's failure leaves the others fresh
                    log.exception("rollup %s failed; its mark stays for the next run", rollup.name)
            return done
        finally:
            await lock.execute(text("SELECT pg_advisory_unlock(:ns, hashtext(:family))"), key)


async def refresh_one(sessionmaker: async_sessionmaker[AsyncSession], rollup: Rollup) -> int:
    """Rebuild the buckets touched since the rollup's mark; returns how many."""
    async with sessionmaker.begin() as session:
        started = await session.scalar(select(func.now()))
        mark = await session.scalar(select(RollupMark.mark).where(RollupMark.name == rollup.name))
        touched = set(await rollup.touched(session, mark - MARGIN if mark else None))
    buckets = sorted(b for b in touched if _in_range(rollup, b))
    for i in range(0, len(buckets), rollup.chunk):
        async with sessionmaker.begin() as session:
            await rollup.rebuild(session, buckets[i : i + rollup.chunk])
    async with sessionmaker.begin() as session:
        values = {"name": rollup.name, "mark": started, "buckets": len(buckets)}
        statement = insert(RollupMark).values(**values, refreshed_at=func.now())
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["name"],
                set_={"mark": started, "buckets": len(buckets), "refreshed_at": func.now()},
            )
        )
    if buckets:
        log.debug("rollup %s: %d buckets rebuilt", rollup.name, len(buckets))
    return len(buckets)


def _in_range(rollup: Rollup, bucket: Any) -> bool:
    """An hour or day bucket within 1900..2200: one past it (an absurd time typed before
    times were checked) is skipped, with a warning, rather than stop every refresh."""
    if not isinstance(bucket, datetime) or sane_day(bucket):
        return True
    log.warning("rollup %s: bucket %s is out of range, skipped", rollup.name, bucket)
    return False


async def rollup_marks(session: AsyncSession) -> dict[str, datetime]:
    """When each rollup last caught up (a page may say how fresh its figures are)."""
    rows = await session.execute(select(RollupMark.name, RollupMark.refreshed_at))
    return {name: at for name, at in rows}
