"""Old deliveries go: a scheduled job deletes those sent or failed more than
``CALLCENTER_WEBHOOK_KEEP_DAYS`` days ago, a batch per transaction so no lock is held long
and the sender's inserts and claims go on meanwhile. Pending deliveries stay whatever their
age (an endpoint paused for weeks still owes them); two processes purging at once skip
each other's rows."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db import utcnow

log = logging.getLogger(__name__)
BATCH = 5000

PURGE = text(
    """
DELETE FROM webhook_deliveries WHERE id IN (
    SELECT id FROM webhook_deliveries
    WHERE created_at < :before AND state <> 'pending'
    ORDER BY created_at
    LIMIT :batch
    FOR UPDATE SKIP LOCKED)
"""
)


async def purge_deliveries(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    keep: timedelta,
    batch: int = BATCH,
    now: datetime | None = None,
) -> int:
    """Delete the sent and failed deliveries made before ``now - keep``; how many."""
    before, purged = (now or utcnow()) - keep, 0
    while True:
        async with sessionmaker.begin() as session:
            result = await session.execute(PURGE, {"before": before, "batch": batch})
        done = int(result.rowcount)  # type: ignore[attr-defined]
        purged += done
        if done < batch:
            break
    if purged:
        log.info("purged %d webhook deliveries made before %s", purged, before.isoformat())
    return purged
