"""Reading tasks: one with its access check, a filtered page of them, a client's open ones."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from callcenter.errors import Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.limits import id_in
from callcenter.tasks.access import queues_of, visible_tasks
from callcenter.tasks.models import Task
from callcenter.users.models import User
from callcenter.users.roles import Permission


@dataclass
class TaskQuery:
    assignee: str = "me"  # "me", "pool" (my queues' pool), "" (every task I see), or a user id
    kind: str = ""
    status: str = "open"  # "" for any
    overdue: bool = False
    due_from: datetime | None = None
    due_until: datetime | None = None
    client_id: int | None = None
    order_id: int | None = None
    page: int = 1
    per_page: int = 50


@dataclass
class TaskPage:
    items: list[Task]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def task_loading() -> list[Any]:
    return [selectinload(Task.assignee), selectinload(Task.client), selectinload(Task.order)]


async def get_task(session: AsyncSession, task_id: int, *, actor: User) -> Task:
    if not actor.can(Permission.TASKS_VIEW):
        raise Forbidden(N_("You may not see tasks"))
    task = await session.scalar(select(Task).where(Task.id == task_id).options(*task_loading()))
    if task is None:
        raise NotFound(N_("No such task"))
    visible = visible_tasks(actor, await queues_of(session, actor))
    if not await session.scalar(select(visible).select_from(Task).where(Task.id == task_id)):
        raise Forbidden(N_("This task is someone else's"))
    return task


def _conditions(query: TaskQuery, actor: User) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if query.assignee == "me":
        conds.append(Task.assignee_id == actor.id)
    elif query.assignee == "pool":
        conds.append(Task.assignee_id.is_(None))
    elif (assignee_id := id_in(query.assignee, "assignee")) is not None:
        conds.append(Task.assignee_id == assignee_id)
    if query.kind:
        conds.append(Task.kind == query.kind)
    if query.status:
        conds.append(Task.status == query.status)
    if query.overdue:
        conds += [Task.status == "open", Task.due_at < func.now()]
    if query.due_from is not None:
        conds.append(Task.due_at >= query.due_from)
    if query.due_until is not None:
        conds.append(Task.due_at < query.due_until)
    if query.client_id is not None:
        conds.append(Task.client_id == query.client_id)
    if query.order_id is not None:
        conds.append(Task.order_id == query.order_id)
    return conds


async def list_tasks(session: AsyncSession, query: TaskQuery, *, actor: User) -> TaskPage:
    """A page of the tasks the actor sees: open ones soonest due first, others latest first."""
    if not actor.can(Permission.TASKS_VIEW):
        raise Forbidden(N_("You may not see tasks"))
    conds = [visible_tasks(actor, await queues_of(session, actor)), *_conditions(query, actor)]
    total = await session.scalar(select(func.count()).select_from(Task).where(*conds)) or 0
    per_page = min(max(query.per_page, 1), 200)
    page = max(query.page, 1)
    order = (
        (Task.due_at.asc(), Task.id.asc())
        if query.status == "open"
        else (Task.due_at.desc(), Task.id.desc())
    )
    rows = await session.scalars(
        select(Task)
        .where(*conds)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(*task_loading())
    )
    return TaskPage(list(rows), total, page, per_page)


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


async def due_counts(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, int]:
    """How many open tasks each user has that are due now (the nav's badge)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(Task.assignee_id, func.count())
        .where(Task.assignee_id.in_(ids), Task.status == "open", Task.due_at <= func.now())
        .group_by(Task.assignee_id)
    )
    counts = {user_id: 0 for user_id in ids}
    counts.update({user_id: count for user_id, count in rows.all() if user_id is not None})
    return counts
