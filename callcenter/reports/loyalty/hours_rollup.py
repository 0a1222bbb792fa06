"""The ``loyalty_hours`` rollup: the loyalty figures of each UTC hour, for all clients and per
owner, channel and segment of the client.

A change to one of a client's rows rebuilds every hour holding one of the client's orders,
calls or feedback (a cancelled first order makes the next one the first); the stamps that
find them are listed with ``client_loyalty`` (``rollups.py``), the runs of hours
that find an hour's rows are in ``rollups/hours.py``. Nothing here runs on the PBX listener's
path: it reads what the listener stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.reports.loyalty.models import CUBE_DIMENSIONS
from callcenter.reports.loyalty.rules import REPEAT_CALL_DAYS
from callcenter.reports.rollups.deletions import deleted_buckets
from callcenter.reports.rollups.hours import CUSTOM_PLANS, HOUR_OF, run_params, runs, within_runs
from callcenter.reports.rollups.refresh import Rollup

_ALL_HOURS = """
    SELECT date_trunc('hour', created_at, 'UTC') FROM orders
    UNION SELECT date_trunc('hour', started_at, 'UTC') FROM calls
        WHERE client_id IS NOT NULL AND direction = 'inbound'
    UNION SELECT date_trunc('hour', created_at, 'UTC') FROM feedback
"""
# A changed order can make a later order of the client first or repeat (and change its gap):
# its hour and the hours of the client's later orders (an order's time of taking does not
# change; a deleted one is logged with it). A client whose own row changed (owner, channel,
# segment) moves everything of theirs. A call or a feedback changes only its own hour. Hours
# touched by orders only have their order figures rebuilt ("orders"), the rest everything.
_ORDER_HOURS = """
WITH ordering AS (
    SELECT client_id, min(created_at) AS first_at FROM orders WHERE updated_at > :since
        GROUP BY client_id
    UNION ALL SELECT id, '-infinity' FROM clients WHERE updated_at > :since
    UNION ALL SELECT client_id, min(at) FROM report_deletions
        WHERE deleted_at > :since AND client_id IS NOT NULL GROUP BY client_id
)
SELECT DISTINCT date_trunc('hour', o.created_at, 'UTC') FROM ordering c
    JOIN orders o ON o.client_id = c.client_id AND o.created_at >= c.first_at
"""
_OTHER_HOURS = f"""
WITH moved AS (SELECT id FROM clients WHERE updated_at > :since)
SELECT date_trunc('hour', started_at, 'UTC') FROM calls
    WHERE client_id IN (SELECT id FROM moved)
UNION SELECT date_trunc('hour', started_at, 'UTC') FROM calls WHERE updated_at > :since
UNION SELECT date_trunc('hour', created_at, 'UTC') FROM feedback
    WHERE client_id IN (SELECT id FROM moved)
UNION SELECT date_trunc('hour', created_at, 'UTC') FROM feedback WHERE updated_at > :since
UNION {deleted_buckets("hour")}
"""


async def touched_hours(session: AsyncSession, since: datetime | None) -> Iterable[Any]:
    """(hour, "all" | "orders"): the hours to rebuild and how much of them."""
    if since is None:
        return [(hour, "all") for hour in await session.scalars(text(_ALL_HOURS))]
    params = {"since": since}
    found = [(hour, "all") for hour in await session.scalars(text(_OTHER_HOURS), params)]
    return found + [(h, "orders") for h in await session.scalars(text(_ORDER_HOURS), params)]


def _facts(runs_count: int, *, orders_only: bool = False) -> str:
    """WITH ... facts: one row per fact (an order, an inbound call of a known client, a
    feedback; only orders when ``orders_only``) in the hours of ``runs_count`` runs."""
    others = (
        ""
        if orders_only
        else f"""
    UNION ALL
    SELECT {HOUR_OF.format("c.started_at")}, c.client_id, 0, 0, 0, 0, 0, NULL, 1,
        EXISTS (SELECT 1 FROM calls p WHERE p.client_id = c.client_id
            AND p.direction = 'inbound' AND p.started_at < c.started_at
            AND p.started_at >= c.started_at - interval '{REPEAT_CALL_DAYS} days')::int,
        0, 0, NULL, NULL
    FROM calls c
    WHERE {within_runs("c.started_at", runs_count)} AND c.client_id IS NOT NULL
        AND c.direction = 'inbound'
    UNION ALL
    SELECT {HOUR_OF.format("f.created_at")}, f.client_id, 0, 0, 0, 0, 0, NULL, 0, 0, 1,
        (f.kind = 'complaint')::int, f.score_scale, f.score
    FROM feedback f WHERE {within_runs("f.created_at", runs_count)}"""
    )
    return f"""
WITH live AS (SELECT id FROM order_statuses WHERE kind <> 'cancel'),
orders_in AS (
    SELECT {HOUR_OF.format("o.created_at")} AS hour, o.client_id, o.created_at, o.total,
        s.kind = 'final' AS fulfilled, prev.at AS prev_at
    FROM orders o
    JOIN order_statuses s ON s.id = o.status_id AND s.kind <> 'cancel'
    LEFT JOIN LATERAL (
        SELECT max(p.created_at) AS at FROM orders p
        WHERE p.client_id = o.client_id AND p.status_id IN (SELECT id FROM live)
          AND (p.created_at, p.id) < (o.created_at, o.id)
    ) prev ON true
    WHERE {within_runs("o.created_at", runs_count)}
),
facts AS (
    SELECT hour, client_id, 1 AS orders, (prev_at IS NULL)::int AS first_orders,
        (prev_at IS NOT NULL)::int AS repeat_orders,
        CASE WHEN fulfilled THEN total ELSE 0 END AS revenue,
        CASE WHEN fulfilled AND prev_at IS NOT NULL THEN total ELSE 0 END AS repeat_revenue,
        extract(epoch FROM created_at - prev_at) AS gap, 0 AS client_calls, 0 AS repeat_calls,
        0 AS feedback, 0 AS complaints, NULL::text AS scale, NULL::int AS score
    FROM orders_in{others}
)"""


_COLUMNS = """hour, dimension, member, orders, first_orders, repeat_orders, revenue,
    repeat_revenue, gap_seconds, gaps_30, gaps_90, gaps_180, gaps_365, gaps_longer,
    client_calls, repeat_calls, feedback, complaints, nps_answers, promoters, detractors,
    ratings, rating_total"""
_FIGURES = """
    sum(orders), sum(first_orders), sum(repeat_orders), sum(revenue), sum(repeat_revenue),
    coalesce(sum(gap), 0),
    count(*) FILTER (WHERE gap <= 30 * 86400),
    count(*) FILTER (WHERE gap > 30 * 86400 AND gap <= 90 * 86400),
    count(*) FILTER (WHERE gap > 90 * 86400 AND gap <= 180 * 86400),
    count(*) FILTER (WHERE gap > 180 * 86400 AND gap <= 365 * 86400),
    count(*) FILTER (WHERE gap > 365 * 86400),
    sum(client_calls), sum(repeat_calls), sum(feedback), sum(complaints),
    count(*) FILTER (WHERE scale = 'nps'), count(*) FILTER (WHERE scale = 'nps' AND score >= 9),
    count(*) FILTER (WHERE scale = 'nps' AND score <= 6),
    count(*) FILTER (WHERE scale = 'rating'),
    coalesce(sum(score) FILTER (WHERE scale = 'rating'), 0)
FROM facts JOIN LATERAL (  -- each fact's client by its key (OFFSET 0: never a hash of
    -- every client, which a chunk's thousands of facts would cost as a scan of the table)
    SELECT coalesce(c.owner_id, 0) AS owner, coalesce(c.channel_id, 0) AS channel,
        coalesce(c.segment_id, 0) AS segment
    FROM clients c WHERE c.id = facts.client_id OFFSET 0
) f ON true"""
# the facts with the client's owner, channel and segment, summed once for all and once per
# dimension: the rows of loyalty_hours (_COLUMNS)
_SUMS = f"""
SELECT hour,
    CASE grouping(owner, channel, segment) WHEN 7 THEN 'all' WHEN 3 THEN 'manager'
        WHEN 5 THEN 'channel' ELSE 'segment' END,
    coalesce(owner, channel, segment, 0),{_FIGURES}
GROUP BY GROUPING SETS ((hour), (hour, owner), (hour, channel), (hour, segment))
"""
# and by the three together: the rows of loyalty_cube_hours
_CUBE_COLUMNS = "hour, owner_id, channel_id, segment_id, " + _COLUMNS.split(", ", 3)[3]
_CUBE_SUMS = f"""
SELECT hour, owner, channel, segment,{_FIGURES}
GROUP BY hour, owner, channel, segment
"""


def _all_figures(runs_count: int) -> str:
    """Every figure of the hours of ``runs_count`` runs (deleted first), in both tables."""
    return (
        f"{_facts(runs_count)},\ncube AS (INSERT INTO loyalty_cube_hours ({_CUBE_COLUMNS})"
        f"{_CUBE_SUMS})\nINSERT INTO loyalty_hours ({_COLUMNS}){_SUMS}"
    )


_ORDER_COLUMNS = [
    "orders",
    "first_orders",
    "repeat_orders",
    "revenue",
    "repeat_revenue",
    "gap_seconds",
    "gaps_30",
    "gaps_90",
    "gaps_180",
    "gaps_365",
    "gaps_longer",
]


def _orders_of(row: str) -> str:
    return "(" + ", ".join(f"{row}.{c}" for c in _ORDER_COLUMNS) + ")"


def _order_updates(table: str, columns: str, sums: str, keys: tuple[str, ...]) -> str:
    """CTEs bringing ``table``'s order figures of the hours ``:hours`` to the ``facts`` (its
    calls and feedback kept): a row whose figures did not change is not written (a changed
    order moves the few rows of its client's owner, channel and segment); a row left with no
    orders, calls or feedback is deleted, as a build from scratch would not make it."""
    fresh = f"SELECT FROM fresh_{table} f WHERE " + " AND ".join(f"f.{k} = l.{k}" for k in keys)
    return f"""
fresh_{table} ({columns}) AS ({sums}),
emptied_{table} AS (
    DELETE FROM {table} l WHERE l.hour = ANY(:hours) AND l.client_calls = 0
        AND l.feedback = 0 AND NOT EXISTS ({fresh})
),
zeroed_{table} AS (
    UPDATE {table} l SET {", ".join(f"{c} = 0" for c in _ORDER_COLUMNS)}
    WHERE l.hour = ANY(:hours) AND l.orders <> 0 AND (l.client_calls <> 0 OR l.feedback <> 0)
        AND NOT EXISTS ({fresh})
),
upserted_{table} AS (
    INSERT INTO {table} ({columns}) SELECT * FROM fresh_{table}
    ON CONFLICT ({", ".join(keys)}) DO UPDATE SET
        {", ".join(f"{c} = excluded.{c}" for c in _ORDER_COLUMNS)}
    WHERE {_orders_of(table)} IS DISTINCT FROM {_orders_of("excluded")}
)"""


def _order_figures(runs_count: int) -> str:
    """The order figures of the hours of ``runs_count`` runs (``:hours``) in both tables,
    from one reading of the hours' orders."""
    hours = _order_updates("loyalty_hours", _COLUMNS, _SUMS, ("hour", "dimension", "member"))
    cube = _order_updates(
        "loyalty_cube_hours", _CUBE_COLUMNS, _CUBE_SUMS, ("hour", *CUBE_DIMENSIONS)
    )
    return f"{_facts(runs_count, orders_only=True)},{hours},{cube}\nSELECT 1"


async def rebuild_hours(session: AsyncSession, buckets: list[Any]) -> None:
    """Rebuild the hours of the chunk: a fixed number of statements, however scattered."""
    await session.execute(text(CUSTOM_PLANS))
    hours = sorted({hour for hour, how in buckets if how == "all"})
    order_hours = sorted({hour for hour, how in buckets if how == "orders"} - set(hours))
    if hours:
        for table in ("loyalty_hours", "loyalty_cube_hours"):
            await session.execute(
                text(f"DELETE FROM {table} WHERE hour = ANY(:hours)"), {"hours": hours}
            )
        found = runs(hours)
        await session.execute(text(_all_figures(len(found))), run_params(found))
    if order_hours:
        found = runs(order_hours)
        params = {"hours": order_hours, **run_params(found)}
        await session.execute(text(_order_figures(len(found))), params)


ROLLUPS = (Rollup("loyalty_hours", touched_hours, rebuild_hours, chunk=24 * 7),)
