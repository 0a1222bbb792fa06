"""Tasks the system keeps for its own sources: one open task per source, following it.

A source is named by a key such as ``order:42:deadline``. ``keep_task`` makes its task or brings
the open one up to date (a moved deadline moves the task and lets it remind again);
``finish_task`` closes it when the source no longer needs it (the order shipped).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, case, func, literal_column, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.tasks.callbacks import OPEN_DEDUPE
from callcenter.tasks.changes import tell_counts
from callcenter.tasks.models import Task
from callcenter.tasks.webhooks import tell_webhooks


async def keep_task(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    title: str,
    due_at: datetime,
    assignee_id: int | None,
    queue: str = "",
    client_id: int | None = None,
    order_id: int | None = None,
    notes: str = "",
) -> int:
    """Make or update the open task of the source ``key``; returns its id."""
    values = {
        "kind": kind,
        "title": title[:300],
        "notes": notes,
        "due_at": due_at,
        "assignee_id": assignee_id,
        "queue": "" if assignee_id else queue,
        "client_id": client_id,
        "order_id": order_id,
        "dedupe_key": key,
    }
    stmt = insert(Task).values(**values)
    moved = (Task.due_at != stmt.excluded.due_at) | Task.assignee_id.is_distinct_from(
        stmt.excluded.assignee_id
    )
    upsert: Any = stmt.on_conflict_do_update(
        index_elements=[Task.dedupe_key],
        index_where=OPEN_DEDUPE,
        set_={
            "title": stmt.excluded.title,
            "due_at": stmt.excluded.due_at,
            "assignee_id": stmt.excluded.assignee_id,
            "queue": stmt.excluded.queue,
            "client_id": stmt.excluded.client_id,
            "order_id": stmt.excluded.order_id,
            "reminded_at": case((moved, None), else_=Task.reminded_at),
            "updated_at": func.now(),
        },
    ).returning(Task.id, literal_column("xmax = 0", Boolean).label("made"))  # made, not updated
    task_id, made = (await session.execute(upsert)).one()
    await tell_counts(session, {assignee_id})
    if made:
        await tell_webhooks(session, "task.created", [task_id])
    return int(task_id)


async def finish_task(session: AsyncSession, *, key: str, done: bool = True) -> int | None:
    """Close the open task of the source ``key`` (done, or cancelled); None when there is none."""
    now = func.now()
    row = (
        await session.execute(
            update(Task)
            .where(Task.dedupe_key == key, Task.status == "open")
            .values(
                status="done" if done else "cancelled",
                done_at=now if done else None,
                cancelled_at=None if done else now,
            )
            .returning(Task.id, Task.assignee_id)
        )
    ).one_or_none()
    if row is None:
        return None
    await tell_counts(session, {row.assignee_id})
    return int(row.id)
