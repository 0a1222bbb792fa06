"""Webhooks of tasks: ``task.created`` from every path that makes one (by hand, the wrap-up,
a missed call, a source's task, a referral) and ``task.due`` as reminders fire, each one
statement for any number of tasks, read from the rows as stored."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# the event's id is made once per task (the subquery with a volatile call is not flattened),
# so every endpoint gets the same
TASK_EVENTS = text(
    """
INSERT INTO webhook_deliveries (endpoint_id, event, event_id, entity, payload, next_attempt_at)
SELECT e.id, :event, t.event_id, 'task:' || t.id, t.payload,
       CASE WHEN e.paused_at IS NULL THEN now() ELSE 'infinity' END
FROM (
    SELECT id, gen_random_uuid() AS event_id, jsonb_build_object(
        'id', id, 'kind', kind, 'title', title, 'notes', notes, 'status', status,
        'due_at', due_at, 'assignee_id', assignee_id, 'queue', queue, 'client_id', client_id,
        'order_id', order_id, 'call_id', call_id, 'phone', phone) AS payload
    FROM tasks WHERE id = ANY(CAST(:ids AS int[]))
) t JOIN webhook_endpoints e ON e.active AND CAST(:event AS varchar) = ANY(e.events)
ORDER BY t.id, e.id
"""
)


async def tell_webhooks(session: AsyncSession, event: str, task_ids: Iterable[int]) -> None:
    """``task.created`` or ``task.due`` of these tasks to every subscribed endpoint."""
    ids = sorted(set(task_ids))
    if ids:
        await session.execute(TASK_EVENTS, {"event": event, "ids": ids})
