"""Reading tasks (issue 6 adds creating, assigning and completing them by hand)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.tasks.models import Task


async def open_tasks(
    session: AsyncSession, *, client_ids: Iterable[int], limit: int = 20
) -> list[Task]:
    """A client's open tasks, soonest due first (the card and the screen-pop show them)."""
    ids = list(client_ids)
    if not ids:
        return []
    rows = await session.scalars(
        select(Task)
        .where(Task.client_id.in_(ids), Task.status == "open")
        .order_by(Task.due_at)
        .limit(limit)
    )
    return list(rows)
