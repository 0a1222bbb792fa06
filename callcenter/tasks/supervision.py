"""Per person: tasks done on time, done late, open and overdue, open and on time, in a period.

The period is on the tasks' due times: a task due in March counts in March's figures whenever
it was done. Cancelled tasks count nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.tasks.models import Task
from callcenter.users.models import User
from callcenter.users.roles import Permission


@dataclass(frozen=True)
class PersonCounts:
    user_id: int | None  # None: the queues' pool, taken by nobody yet
    login: str
    name: str
    role: str
    done_on_time: int
    done_late: int
    open_overdue: int
    open_on_time: int

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def on_time_share(self) -> float | None:
        """Of the tasks done or overdue, the share done on time (None when there are none)."""
        judged = self.done + self.open_overdue
        return self.done_on_time / judged if judged else None


async def task_counts(
    session: AsyncSession, *, since: datetime, until: datetime, actor: User
) -> list[PersonCounts]:
    if not actor.can(Permission.TASKS_SUPERVISE):
        raise Forbidden(N_("Only supervisors see these figures"))
    now = func.now()
    done, open_ = Task.status == "done", Task.status == "open"
    counts = (
        select(
            Task.assignee_id,
            func.count().filter(done, Task.done_at <= Task.due_at).label("done_on_time"),
            func.count().filter(done, Task.done_at > Task.due_at).label("done_late"),
            func.count().filter(open_, Task.due_at < now).label("open_overdue"),
            func.count().filter(open_, Task.due_at >= now).label("open_on_time"),
        )
        .where(Task.due_at >= since, Task.due_at < until, Task.status != "cancelled")
        .group_by(Task.assignee_id)
        .subquery()
    )
    rows = await session.execute(
        select(counts, User.login, User.full_name, User.role)
        .outerjoin(User, User.id == counts.c.assignee_id)
        .order_by(User.full_name.nulls_last(), User.login.nulls_last())
    )
    return [
        PersonCounts(
            user_id=r.assignee_id,
            login=r.login or "",
            name=(r.full_name or r.login or ""),
            role=r.role or "",
            done_on_time=r.done_on_time,
            done_late=r.done_late,
            open_overdue=r.open_overdue,
            open_on_time=r.open_on_time,
        )
        for r in rows
    ]
