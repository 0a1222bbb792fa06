"""The task list as a file: the list's own filters, order and visibility (an operator their
own tasks and their queues' pool, a manager also their clients' tasks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from callcenter.clients.models import Client
from callcenter.errors import Forbidden
from callcenter.exports.columns import BATCH, Column, Rows
from callcenter.i18n import N_
from callcenter.tasks.access import queues_of, visible_tasks
from callcenter.tasks.models import Task
from callcenter.tasks.service import TaskQuery
from callcenter.tasks.service import _conditions as task_conditions
from callcenter.users.models import User
from callcenter.users.roles import Permission


class TasksExport:
    name: str = "tasks"
    permissions: tuple[Permission, ...] = (Permission.TASKS_VIEW, Permission.DATA_EXPORT)
    columns: tuple[Column, ...] = (
        Column(N_("Task no."), "number", 9),
        Column(N_("Due"), "datetime", 18),
        Column(N_("Kind"), "term", 10),
        Column(N_("Task"), width=36),
        Column(N_("Status"), "term", 10),
        Column(N_("Overdue"), "term", 10),
        Column(N_("Client"), width=30),
        Column(N_("Phone"), width=16),
        Column(N_("Assignee"), width=18),
        Column(N_("Queue"), width=12),
        Column(N_("Notes"), width=40),
        Column(N_("Created by"), width=18),
        Column(N_("Created"), "datetime", 18),
        Column(N_("Closed"), "datetime", 18),
    )

    async def rows(
        self, session: AsyncSession, query: TaskQuery, *, actor: User, region: str
    ) -> Rows:
        if not all(actor.can(p) for p in self.permissions):
            raise Forbidden(N_("You may not export this list"))
        stmt = _statement(query, actor, await queues_of(session, actor))
        result = await session.stream(stmt.execution_options(yield_per=BATCH))
        async for batch in result.partitions(BATCH):
            yield [tuple(row) for row in batch]


def _name(user: Any) -> Any:
    """A person as lists show them: the full name, else the login."""
    return func.coalesce(func.nullif(user.full_name, ""), user.login)


def _statement(query: TaskQuery, actor: User, queues: list[str]) -> Select:
    """The same tasks, in the same order, as the task list shows."""
    assignee, author = aliased(User), aliased(User)
    order = (
        (Task.due_at.asc(), Task.id.asc())
        if query.status == "open"
        else (Task.due_at.desc(), Task.id.desc())
    )
    late = (Task.status == "open") & (Task.due_at < func.now())
    return (
        select(
            Task.id,
            Task.due_at,
            Task.kind,
            Task.title,
            Task.status,
            case((late, literal(N_("overdue"))), else_=literal("")),
            Client.name,
            Task.phone,
            _name(assignee),
            Task.queue,
            Task.notes,
            _name(author),
            Task.created_at,
            func.coalesce(Task.done_at, Task.cancelled_at),
        )
        .outerjoin(Client, Client.id == Task.client_id)
        .outerjoin(assignee, assignee.id == Task.assignee_id)
        .outerjoin(author, author.id == Task.created_by_id)
        .where(visible_tasks(actor, queues), *task_conditions(query, actor))
        .order_by(*order)
    )
