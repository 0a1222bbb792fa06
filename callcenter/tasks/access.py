"""Who sees and handles which tasks, and which operators share a queue's pool.

Operators see and handle their own tasks (assigned to them or made by them) and the pool of
the queues they answer; managers their own and those of the clients they own; supervisors
see every task and change none; admins see and handle every task.

A queue's operators are, until queues are managed in the CRM, those whose phones the queue
rang in the last ``QUEUE_MEMORY`` (as the PBX reported it): the pool follows who works there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallLegRow, CallRow
from callcenter.clients.models import Client
from callcenter.tasks.models import Task
from callcenter.users.models import User
from callcenter.users.roles import Permission, Role

QUEUE_MEMORY = timedelta(days=30)


async def queues_of(session: AsyncSession, user: User) -> list[str]:
    """The queues whose calls rang at this operator lately."""
    if user.role != Role.OPERATOR:
        return []
    rows = await session.scalars(
        select(CallRow.queue)
        .join(CallLegRow, CallLegRow.call_id == CallRow.id)
        .where(
            CallLegRow.user_id == user.id,
            CallRow.queue != "",
            CallRow.started_at >= func.now() - QUEUE_MEMORY,
        )
        .distinct()
    )
    return sorted(rows)


async def queue_operators(session: AsyncSession, queues: Iterable[str]) -> dict[str, set[int]]:
    """For each queue, the active operators whose phones it rang lately.

    Asked per operator (EXISTS stops at their first such call), so the cost follows the
    number of operators, not the number of calls.
    """
    found: dict[str, set[int]] = {}
    for queue in sorted(set(queues) - {""}):
        rang = (
            select(CallLegRow.id)
            .join(CallRow, CallRow.id == CallLegRow.call_id)
            .where(
                CallLegRow.user_id == User.id,
                CallRow.queue == queue,
                CallRow.started_at >= func.now() - QUEUE_MEMORY,
            )
            .exists()
        )
        rows = await session.scalars(
            select(User.id).where(User.active.is_(True), User.role == Role.OPERATOR.value, rang)
        )
        found[queue] = set(rows)
    return found


async def known_queues(session: AsyncSession, user: User) -> list[str]:
    """Queues to offer for a task's pool: those of open tasks and the user's own."""
    rows = await session.scalars(
        select(Task.queue).where(Task.queue != "", Task.status == "open").distinct()
    )
    return sorted(set(rows) | set(await queues_of(session, user)))


def visible_tasks(actor: User, queues: list[str]) -> ColumnElement[bool]:
    """The tasks ``actor`` may see, as a condition on ``Task``."""
    if not actor.can(Permission.TASKS_VIEW):
        return false()
    if actor.role in (Role.SUPERVISOR, Role.ADMIN):
        return true()
    mine = [Task.assignee_id == actor.id, Task.created_by_id == actor.id]
    if queues:
        mine.append(and_(Task.assignee_id.is_(None), Task.queue.in_(queues)))
    if actor.role == Role.MANAGER:
        mine.append(Task.client_id.in_(select(Client.id).where(Client.owner_id == actor.id)))
    return or_(*mine)


def may_handle(actor: User) -> bool:
    """Whether the actor may change the tasks they see (supervisors only watch)."""
    return actor.can(Permission.TASKS_EDIT)
