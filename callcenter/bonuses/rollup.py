"""The ``manager_hours`` rollup: what each user did per UTC hour, for the bonus split.

- Fulfilled orders and their revenue: orders now in a final status, in the hour they
  entered it (``status_changed_at``), credited to the order's manager.
- Calls handled and talk time: the user's answered legs, in the hour the call started.
- Tasks due and done on time: tasks assigned to the user and not cancelled, in the hour they
  are due; on time when done no later than due. A due time outside 2000..2100 (a row from
  before due times were checked) is in no hour: it would stop every refresh.

Changes are found by indexed stamps: ``calls.updated_at``, ``orders.updated_at`` (with every
hour the order entered a final status, so leaving it takes its revenue back from the hour it
counted in) and ``tasks.updated_at`` (with the hour the task was last counted in, from
``report_task_hours``, so moving a due time rebuilds both hours); deleted rows by the moments
they counted at (``deletions.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.reports.rollups.deletions import deleted_buckets
from callcenter.reports.rollups.hours import CUSTOM_PLANS, HOUR_OF, IN_RANGE, WITHIN, runs
from callcenter.reports.rollups.refresh import Rollup

_ALL_HOURS = f"""
    SELECT date_trunc('hour', o.status_changed_at, 'UTC') FROM orders o
        JOIN order_statuses s ON s.id = o.status_id AND s.kind = 'final'
    UNION SELECT date_trunc('hour', started_at, 'UTC') FROM calls
    UNION SELECT date_trunc('hour', due_at, 'UTC') FROM tasks WHERE assignee_id IS NOT NULL
        AND {IN_RANGE.format("due_at")}
"""
_TOUCHED_HOURS = f"""
WITH orders_changed AS (SELECT id, status_changed_at FROM orders WHERE updated_at > :since),
tasks_changed AS (SELECT id, due_at FROM tasks WHERE updated_at > :since)
SELECT date_trunc('hour', started_at, 'UTC') FROM calls WHERE updated_at > :since
UNION SELECT date_trunc('hour', status_changed_at, 'UTC') FROM orders_changed
UNION SELECT date_trunc('hour', h.at, 'UTC') FROM order_status_changes h
    JOIN order_statuses s ON s.id = h.to_status_id AND s.kind = 'final'
    WHERE h.order_id IN (SELECT id FROM orders_changed)
UNION SELECT date_trunc('hour', due_at, 'UTC') FROM tasks_changed
    WHERE {IN_RANGE.format("due_at")}
UNION SELECT hour FROM report_task_hours WHERE task_id IN (SELECT id FROM tasks_changed)
UNION {deleted_buckets("hour")}
"""


async def touched_hours(session: AsyncSession, since: datetime | None) -> Iterable[datetime]:
    if since is None:
        return await session.scalars(text(_ALL_HOURS))
    return await session.scalars(text(_TOUCHED_HOURS), {"since": since})


_FACTS = f"""
WITH facts AS (
    SELECT {HOUR_OF.format("o.status_changed_at")} AS hour, o.manager_id AS user_id,
        1 AS orders, o.total AS revenue, 0 AS calls, 0.0::float AS talk, 0 AS due, 0 AS on_time
    FROM orders o JOIN order_statuses s ON s.id = o.status_id AND s.kind = 'final'
    WHERE {WITHIN.format("o.status_changed_at")} AND o.manager_id IS NOT NULL
    UNION ALL
    SELECT {HOUR_OF.format("c.started_at")}, l.user_id, 0, 0, 1, l.talk_seconds, 0, 0
    FROM calls c JOIN call_legs l ON l.call_id = c.id
    WHERE {WITHIN.format("c.started_at")} AND l.user_id IS NOT NULL
        AND l.answered_at IS NOT NULL
    UNION ALL
    SELECT {HOUR_OF.format("t.due_at")}, t.assignee_id, 0, 0, 0, 0, 1,
        (t.status = 'done' AND t.done_at <= t.due_at)::int
    FROM tasks t
    WHERE {WITHIN.format("t.due_at")} AND t.assignee_id IS NOT NULL
        AND t.status <> 'cancelled'
)
INSERT INTO manager_hours (hour, user_id, orders, revenue, calls, talk_seconds, tasks_due,
    tasks_on_time)
SELECT hour, user_id, sum(orders), sum(revenue), sum(calls), sum(talk), sum(due), sum(on_time)
FROM facts GROUP BY hour, user_id
"""
_TASK_HOURS = f"""
INSERT INTO report_task_hours (task_id, hour)
SELECT t.id, {HOUR_OF.format("t.due_at")} FROM tasks t WHERE {WITHIN.format("t.due_at")}
ON CONFLICT (task_id) DO UPDATE SET hour = excluded.hour
"""


async def rebuild_hours(session: AsyncSession, hours: list[datetime]) -> None:
    await session.execute(text(CUSTOM_PLANS))
    await session.execute(
        text("DELETE FROM manager_hours WHERE hour = ANY(:hours)"), {"hours": hours}
    )
    for run in runs(hours):
        await session.execute(text(_FACTS), run)
        await session.execute(text(_TASK_HOURS), run)


ROLLUPS = (Rollup("manager_hours", touched_hours, rebuild_hours, chunk=24 * 7),)
