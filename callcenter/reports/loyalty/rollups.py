"""The loyalty rollups: ``client_loyalty`` (per client) here and ``loyalty_hours`` (per hour)
in ``hours_rollup.py``.

Both find what changed by indexed stamps: ``clients.updated_at`` (owner, channel, segment,
merges), ``orders.updated_at``, ``calls.updated_at`` and ``feedback.updated_at``. A change
to one of a client's rows rebuilds the client's row and every hour holding one of the
client's orders, calls or feedback (a cancelled first order makes the next one the first).
Deleted rows are found in ``report_deletions`` (``deletions.py``) by their client and moments.
Nothing here runs on the PBX listener's path: it reads what the listener stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.reports.loyalty.rules import (
    CHURN_DAYS,
    CHURN_FACTOR,
    CHURN_FLOOR_DAYS,
    frequency_sql_text,
    monetary_sql_text,
)
from callcenter.reports.rollups.deletions import DELETED_CLIENTS
from callcenter.reports.rollups.refresh import Rollup

_TOUCHED_CLIENTS = f"""
    SELECT id FROM clients WHERE updated_at > :since
    UNION SELECT client_id FROM orders WHERE updated_at > :since
    UNION SELECT client_id FROM calls WHERE updated_at > :since AND client_id IS NOT NULL
    UNION SELECT client_id FROM feedback WHERE updated_at > :since
    UNION {DELETED_CLIENTS}
"""


async def touched_clients(session: AsyncSession, since: datetime | None) -> Iterable[int]:
    """Clients whose own row, orders, calls or feedback changed after ``since``."""
    if since is None:
        return await session.scalars(text("SELECT id FROM clients WHERE merged_into_id IS NULL"))
    return await session.scalars(text(_TOUCHED_CLIENTS), {"since": since})


_CLIENT_ROWS = f"""
INSERT INTO client_loyalty (client_id, owner_id, channel_id, segment_id, orders, fulfilled,
    revenue, frequency, monetary, first_order_at, last_order_at, rhythm_seconds, calls,
    last_call_at, nps_last, complaints, open_complaints, churn_at)
SELECT c.id, c.owner_id, c.channel_id, c.segment_id, coalesce(o.orders, 0),
    coalesce(o.fulfilled, 0), coalesce(o.revenue, 0),
    CASE WHEN o.orders > 0 THEN {frequency_sql_text("o.orders")} ELSE 0 END,
    CASE WHEN o.orders > 0 THEN {monetary_sql_text("coalesce(o.revenue, 0)")} ELSE 0 END,
    o.first_at, o.last_at, r.rhythm,
    coalesce(k.calls, 0), k.last_at, f.nps_last, coalesce(f.complaints, 0),
    coalesce(f.open_complaints, 0),
    CASE WHEN coalesce(o.orders, 0) > 0 THEN
        greatest(o.last_at, k.last_at) + CASE WHEN r.rhythm IS NULL
            THEN interval '{CHURN_DAYS} days'
            ELSE greatest(make_interval(secs => {CHURN_FACTOR} * r.rhythm),
                          interval '{CHURN_FLOOR_DAYS} days') END
    END
FROM clients c
LEFT JOIN (
    SELECT o.client_id, count(*) FILTER (WHERE s.kind <> 'cancel') AS orders,
        count(*) FILTER (WHERE s.kind = 'final') AS fulfilled,
        sum(o.total) FILTER (WHERE s.kind = 'final') AS revenue,
        min(o.created_at) FILTER (WHERE s.kind <> 'cancel') AS first_at,
        max(o.created_at) FILTER (WHERE s.kind <> 'cancel') AS last_at
    FROM orders o JOIN order_statuses s ON s.id = o.status_id
    WHERE o.client_id = ANY(:ids) GROUP BY o.client_id
) o ON o.client_id = c.id
LEFT JOIN (
    SELECT client_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS rhythm
    FROM (
        SELECT o.client_id, extract(epoch FROM o.created_at - lag(o.created_at)
            OVER (PARTITION BY o.client_id ORDER BY o.created_at, o.id)) AS gap
        FROM orders o JOIN order_statuses s ON s.id = o.status_id
        WHERE o.client_id = ANY(:ids) AND s.kind = 'final'
    ) gaps WHERE gap IS NOT NULL GROUP BY client_id
) r ON r.client_id = c.id
LEFT JOIN (
    SELECT client_id, count(*) AS calls, max(started_at) AS last_at
    FROM calls WHERE client_id = ANY(:ids) GROUP BY client_id
) k ON k.client_id = c.id
LEFT JOIN (
    SELECT client_id, count(*) FILTER (WHERE kind = 'complaint') AS complaints,
        count(*) FILTER (WHERE kind = 'complaint' AND status <> 'resolved') AS open_complaints,
        (array_agg(score ORDER BY created_at DESC, id DESC)
            FILTER (WHERE score_scale = 'nps'))[1] AS nps_last
    FROM feedback WHERE client_id = ANY(:ids) GROUP BY client_id
) f ON f.client_id = c.id
WHERE c.id = ANY(:ids) AND c.merged_into_id IS NULL
"""


async def rebuild_clients(session: AsyncSession, client_ids: list[int]) -> None:
    ids = {"ids": client_ids}
    await session.execute(text("DELETE FROM client_loyalty WHERE client_id = ANY(:ids)"), ids)
    await session.execute(text(_CLIENT_ROWS), ids)


ROLLUPS = (Rollup("client_loyalty", touched_clients, rebuild_clients, chunk=5000),)
