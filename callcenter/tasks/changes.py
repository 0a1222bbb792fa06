"""Making and changing tasks: by hand, by the system (one open task per source), closing them.

Every change that moves a task in or out of someone's due list tells their pages the new count
(``task_count``, delivered at commit). Changing who does a task, or when, lets it remind again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import diff, record_change
from callcenter.calls.models import CallRow
from callcenter.calls.store import customer_number_of_row
from callcenter.clients.service import get_client
from callcenter.db import utcnow
from callcenter.errors import Conflict, Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.live import LiveKind, notify_many
from callcenter.orders.links import check_order_link
from callcenter.tasks.access import queues_of
from callcenter.tasks.input import TaskInput, TaskInvalid, validate_task
from callcenter.tasks.models import Task
from callcenter.tasks.service import due_counts, get_task, task_loading
from callcenter.tasks.webhooks import tell_webhooks
from callcenter.users.models import User
from callcenter.users.roles import Permission, Role

ASSIGNABLE_ROLES = (Role.OPERATOR.value, Role.MANAGER.value, Role.ADMIN.value)
FIELDS = (
    "kind",
    "title",
    "notes",
    "due_at",
    "assignee_id",
    "queue",
    "client_id",
    "call_id",
    "order_id",
)


def _may_change(actor: User) -> None:
    if not actor.can(Permission.TASKS_EDIT):
        raise Forbidden(N_("Your role does not allow changing tasks"))


async def assignable_users(session: AsyncSession) -> list[User]:
    """Who a task can be given to: active operators, managers and admins."""
    rows = await session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_(ASSIGNABLE_ROLES))
        .order_by(User.full_name, User.login)
    )
    return list(rows)


async def _check_links(
    session: AsyncSession,
    clean: TaskInput,
    actor: User,
    *,
    kept_client: int | None = None,
    kept_order: int | None = None,
) -> None:
    """The assignee, client, call and order must exist, and a newly linked client be one the
    actor sees (a task keeps its client even when someone who cannot open that card handles
    it)."""
    errors: dict[str, str] = {}
    if clean.assignee_id is not None:
        assignee = await session.get(User, clean.assignee_id)
        if assignee is None or not assignee.active or assignee.role not in ASSIGNABLE_ROLES:
            errors["assignee_id"] = N_("No such user to give the task to")
    if clean.call_id is not None:
        call = await session.get(CallRow, clean.call_id)
        if call is None:
            errors["call_id"] = N_("No such call")
        else:
            clean.client_id = clean.client_id or call.client_id
            clean.phone = clean.phone or customer_number_of_row(call)
    link = await check_order_link(
        session, order_id=clean.order_id, client_id=clean.client_id, actor=actor,
        kept_order=kept_order,
    )  # fmt: skip
    clean.client_id = link.client_id
    if link.error:
        errors["order_id"] = link.error
    if clean.client_id is not None and clean.client_id != kept_client:
        try:
            await get_client(session, clean.client_id, actor=actor)
        except NotFound:
            errors["client_id"] = N_("No such client")
    if errors:
        raise TaskInvalid(N_("Please correct the marked fields"), fields=errors)


def _snapshot(task: Task) -> dict[str, Any]:
    values = {name: getattr(task, name) for name in (*FIELDS, "phone", "status")}
    values["due_at"] = task.due_at.isoformat() if task.due_at else None
    return values


async def tell_counts(session: AsyncSession, user_ids: set[int | None]) -> None:
    """Send each user's new count of due tasks to their pages (at commit)."""
    counts = await due_counts(session, {u for u in user_ids if u is not None})
    await notify_many(
        session, [(LiveKind.TASK_COUNT, {"user_id": u, "due_count": n}) for u, n in counts.items()]
    )


async def create_task(session: AsyncSession, *, data: TaskInput, actor: User, region: str) -> Task:
    _may_change(actor)
    clean = validate_task(data, region=region)
    await _check_links(session, clean, actor)
    task = Task(
        **{name: getattr(clean, name) for name in FIELDS},
        phone=clean.phone,
        created_by_id=actor.id,
    )
    session.add(task)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="task",
        entity_id=task.id,
        action="created",
        changes=diff({}, {k: v for k, v in _snapshot(task).items() if v not in (None, "")}),
    )
    await tell_counts(session, {task.assignee_id})
    await tell_webhooks(session, "task.created", [task.id])
    return await _reload(session, task.id)


async def _reload(session: AsyncSession, task_id: int) -> Task:
    task = await session.scalar(
        select(Task)
        .where(Task.id == task_id)
        .options(*task_loading())
        .execution_options(populate_existing=True)
    )
    assert task is not None
    return task


async def _open_task(session: AsyncSession, task_id: int, actor: User) -> Task:
    """The task, locked until the caller's transaction ends, and open: a double click on
    Complete (or an edit racing a close) waits for the first and finds it closed."""
    _may_change(actor)
    await session.execute(select(Task.id).where(Task.id == task_id).with_for_update())
    task = await get_task(session, task_id, actor=actor)
    if not task.is_open:
        raise Conflict(N_("This task is already closed"))
    return task


async def update_task(
    session: AsyncSession, *, task_id: int, data: TaskInput, actor: User, region: str
) -> Task:
    """Edit or reassign an open task; a new time or a new assignee reminds again."""
    task = await _open_task(session, task_id, actor)
    clean = validate_task(data, region=region)
    await _check_links(session, clean, actor, kept_client=task.client_id, kept_order=task.order_id)
    before = _snapshot(task)
    old_assignee = task.assignee_id
    rescheduled = clean.due_at != task.due_at or clean.assignee_id != task.assignee_id
    for name in FIELDS:
        setattr(task, name, getattr(clean, name))
    task.phone = clean.phone
    if rescheduled:
        task.reminded_at = None
    await session.flush()
    if changes := diff(before, _snapshot(task)):
        await record_change(
            session, actor=actor, entity="task", entity_id=task.id, action="updated",
            changes=changes,
        )  # fmt: skip
    await tell_counts(session, {old_assignee, task.assignee_id})
    return await _reload(session, task_id)  # the actor may have handed it out of their sight


async def close_task(
    session: AsyncSession, *, task_id: int, actor: User, done: bool, note: str = ""
) -> Task:
    """Complete (``done``) or cancel an open task, with an optional closing note."""
    task = await _open_task(session, task_id, actor)
    if len(note) > 2000:
        raise TaskInvalid(
            N_("Please correct the marked fields"), fields={"note": N_("The note is too long")}
        )
    now = utcnow()
    task.status = "done" if done else "cancelled"
    if done:
        task.done_at = now
    else:
        task.cancelled_at = now
    task.closed_by_id = actor.id
    if note.strip():
        task.notes = f"{task.notes}\n\n{note.strip()}".strip()
    await session.flush()
    await record_change(
        session, actor=actor, entity="task", entity_id=task.id,
        action="completed" if done else "cancelled",
        changes={"note": [None, note.strip()]} if note.strip() else {},
    )  # fmt: skip
    await tell_counts(session, {task.assignee_id})
    return task


async def claim_task(session: AsyncSession, *, task_id: int, actor: User) -> Task:
    """An operator takes a task from the pool of a queue they answer."""
    task = await _open_task(session, task_id, actor)
    if task.assignee_id is not None:
        raise Conflict(N_("Someone has already taken this task"))
    if task.queue not in await queues_of(session, actor) and actor.role != Role.ADMIN:
        raise Forbidden(N_("Only the queue's operators take its tasks"))
    claimed = await session.scalar(
        update(Task)
        .where(Task.id == task_id, Task.assignee_id.is_(None), Task.status == "open")
        .values(assignee_id=actor.id)
        .returning(Task.id)
    )
    if claimed is None:  # another operator was faster, between our read and this update
        raise Conflict(N_("Someone has already taken this task"))
    await record_change(
        session, actor=actor, entity="task", entity_id=task_id, action="claimed",
        changes={"assignee_id": [None, actor.id]},
    )  # fmt: skip
    await tell_counts(session, {actor.id})
    return await _reload(session, task_id)
