"""Reminders of due tasks, fired exactly once across restarts and processes.

One job run claims the due tasks nobody was reminded of, marks them and sends their live
notifications in ONE transaction: ``UPDATE ... SET reminded_at = now() ... FOR UPDATE SKIP
LOCKED ... RETURNING``, then ``pg_notify``. PostgreSQL delivers a NOTIFY only at commit, so a
crash before the commit leaves the tasks unmarked (the next run reminds of them) and nothing was
heard; after the commit they are marked and never fire again. Another process running the job
at the same moment skips the rows this one holds, so no reminder goes out twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.live import LiveKind, Note, notify_many
from callcenter.tasks.access import queue_operators
from callcenter.tasks.service import due_counts
from callcenter.tasks.webhooks import tell_webhooks

log = logging.getLogger(__name__)
BATCH = 200  # reminders per transaction; a backlog is worked off batch by batch
RECIPIENTS_PER_NOTE = 100  # a big queue's pool is told in several notifications (< 8 kB each)
POOL_TOASTS = 3  # more of one queue's pool tasks due in one run: one toast tells them all

CLAIM = text(
    """
    WITH due AS (
        SELECT id FROM tasks
        WHERE status = 'open' AND reminded_at IS NULL AND due_at <= now() + :ahead
        ORDER BY due_at
        LIMIT :batch
        FOR UPDATE SKIP LOCKED
    )
    UPDATE tasks SET reminded_at = now()
    FROM due WHERE tasks.id = due.id
    RETURNING tasks.id, tasks.kind, tasks.title, tasks.due_at, tasks.assignee_id, tasks.queue,
              (SELECT name FROM clients WHERE clients.id = tasks.client_id) AS client_name
    """
)


@dataclass(frozen=True)
class Reminder:
    task_id: int
    kind: str
    title: str
    due_at: datetime
    client_name: str
    user_ids: tuple[int, ...]  # the assignee, or the operators of the task's queue
    pool: str = ""  # the queue whose pool the task waits in ("" when it has an assignee)


async def claim_reminders(
    session: AsyncSession, *, ahead: timedelta = timedelta(0), batch: int = BATCH
) -> list[Reminder]:
    """Mark the due tasks as reminded and queue their notifications, in the caller's
    transaction (which must commit for either to take effect)."""
    rows = (await session.execute(CLAIM, {"ahead": ahead, "batch": batch})).all()
    if not rows:
        return []
    pools = await queue_operators(session, [r.queue for r in rows if r.assignee_id is None])
    reminders = [
        Reminder(
            task_id=r.id,
            kind=r.kind,
            title=r.title,
            due_at=r.due_at,
            client_name=r.client_name or "",
            user_ids=(r.assignee_id,)
            if r.assignee_id is not None
            else tuple(sorted(pools.get(r.queue, ()))),
            pool=r.queue if r.assignee_id is None else "",
        )
        for r in sorted(rows, key=lambda r: (r.due_at, r.id))
    ]
    counts = await due_counts(session, {u for r in reminders for u in r.user_ids})
    await notify_many(session, _all_notes(reminders, counts))
    await tell_webhooks(session, "task.due", [r.task_id for r in reminders])
    return reminders


def _all_notes(reminders: list[Reminder], counts: dict[int, int]) -> list[Note]:
    """A toast per task, except for a queue with many pool tasks due at once (a burst of
    missed calls): its operators get one toast saying how many, not a toast per call."""
    by_queue: dict[str, list[Reminder]] = {}
    for reminder in reminders:
        if reminder.pool:
            by_queue.setdefault(reminder.pool, []).append(reminder)
    summed = {queue for queue, tasks in by_queue.items() if len(tasks) > POOL_TOASTS}
    notes: list[Note] = []
    for r in reminders:
        if r.pool not in summed:
            fields = {
                "task_id": r.task_id,
                "task_kind": r.kind,
                "title": r.title,
                "due_at": r.due_at.isoformat(),
                "client_name": r.client_name,
            }
            notes += _to_recipients(LiveKind.TASK_DUE, fields, r.user_ids, counts)
    for queue in sorted(summed):
        tasks = by_queue[queue]
        titles = [r.title for r in tasks[:POOL_TOASTS]]
        fields = {"queue": queue, "count": len(tasks), "titles": titles}
        notes += _to_recipients(LiveKind.TASK_POOL_DUE, fields, tasks[0].user_ids, counts)
    return notes


def _to_recipients(
    kind: LiveKind, fields: dict[str, Any], ids: tuple[int, ...], counts: dict[int, int]
) -> list[Note]:
    """One notification per chunk of recipients, each with their due counts (the badge)."""
    notes: list[Note] = []
    for start in range(0, len(ids), RECIPIENTS_PER_NOTE):
        chunk = ids[start : start + RECIPIENTS_PER_NOTE]
        due = {str(u): counts.get(u, 0) for u in chunk}
        notes.append((kind, {**fields, "user_ids": list(chunk), "due_counts": due}))
    return notes


async def fire_due_reminders(
    sessionmaker: async_sessionmaker[AsyncSession], *, ahead: timedelta = timedelta(0)
) -> list[Reminder]:
    """The scheduled job: remind of every due task once, a batch per transaction."""
    fired: list[Reminder] = []
    while True:
        async with sessionmaker.begin() as session:
            batch = await claim_reminders(session, ahead=ahead)
        fired += batch
        if len(batch) < BATCH:
            break
    if fired:
        log.info("reminded of %d due tasks", len(fired))
    return fired
