"""Task pages: the list with its filters, a task, new/edit forms, complete, cancel, claim."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.names import audit_names
from callcenter.audit.service import list_history
from callcenter.calls.models import CallRow
from callcenter.clients.models import Client
from callcenter.errors import Conflict
from callcenter.i18n import N_
from callcenter.orders.links import linkable_order
from callcenter.orders.models import Order
from callcenter.tasks.access import known_queues, queues_of
from callcenter.tasks.changes import (
    assignable_users,
    claim_task,
    close_task,
    create_task,
    update_task,
)
from callcenter.tasks.input import TaskInput, TaskInvalid
from callcenter.tasks.models import TASK_KINDS, TASK_STATUSES, Task
from callcenter.tasks.service import get_task, list_tasks
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.queries import task_query
from web.values import int_field
from web.views.task_forms import (
    TaskForm,
    as_local,
    default_due,
    order_of_form,
    task_form,
    with_due,
)


@requires(Permission.TASKS_VIEW)
@aiohttp_jinja2.template("tasks/list.html")
async def task_list(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    query = task_query(request, actor)
    async with request.app[SESSIONMAKER]() as session:
        page = await list_tasks(session, query, actor=actor)
        people = await assignable_users(session)
        client = await session.get(Client, query.client_id) if query.client_id else None
        order = await session.get(Order, query.order_id) if query.order_id else None
    args = {k: v for k, v in request.query.items() if k != "page"}
    return {
        "page": page,
        "query": query,
        "args": args,
        "people": people,
        "kinds": TASK_KINDS,
        "statuses": TASK_STATUSES,
        "filter_client": client,
        "filter_order": order,
        "filters": request.query,
    }


async def _form_context(
    request: web.Request,
    form: TaskForm,
    *,
    task: Task | None,
    errors: dict[str, str] | None = None,
    message: str = "",
) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        people = await assignable_users(session)
        queues = await known_queues(session, current_user(request))
        data = form.data
        client = await session.get(Client, data.client_id) if data.client_id else None
        call = await session.get(CallRow, data.call_id) if data.call_id else None
    return {
        "form": data,
        "due_text": form.due_text,
        "order_text": form.order_text,
        "task": task,
        "errors": errors or {},
        "message": message,
        "people": people,
        "queues": queues,
        "kinds": TASK_KINDS,
        "form_client": client,
        "form_call": call,
    }


def _render_form(request: web.Request, context: dict[str, Any], status: int = 200) -> web.Response:
    return aiohttp_jinja2.render_template("tasks/form.html", request, context, status=status)


@requires(Permission.TASKS_EDIT)
async def new_page(request: web.Request) -> web.StreamResponse:
    """A blank task for me, or one prefilled from a client card or one of its calls."""
    actor, q = current_user(request), request.query
    data = TaskInput(
        kind=q.get("kind", "call"),
        assignee_id=actor.id,
        client_id=int_field(q, "client"),
        call_id=int_field(q, "call"),
        phone=q.get("phone", ""),
    )
    order_text = ""
    async with request.app[SESSIONMAKER]() as session:
        if data.call_id is not None:
            call = await session.get(CallRow, data.call_id)
            data.client_id = data.client_id or (call.client_id if call else None)
        order = await linkable_order(session, int_field(q, "order"), actor)
        if order is not None:
            data.order_id, order_text = order.id, order.number
            data.client_id = data.client_id or order.client_id
    form = TaskForm(data, default_due(actor.timezone), order_text)
    return _render_form(request, await _form_context(request, form, task=None))


async def _save(request: web.Request, task_id: int | None) -> web.StreamResponse:
    actor = current_user(request)
    form = task_form(await request.post())
    region = request.app[SETTINGS].default_region
    try:
        data = with_due(form, actor.timezone)
        async with request.app[SESSIONMAKER].begin() as session:
            data.order_id = await order_of_form(session, form.order_text)
            if task_id is None:
                task = await create_task(session, data=data, actor=actor, region=region)
            else:
                task = await update_task(
                    session, task_id=task_id, data=data, actor=actor, region=region
                )
    except TaskInvalid as exc:
        context = await _form_context(
            request,
            form,
            task=await _task_or_none(request, task_id, actor),
            errors=exc.fields,
            message=exc.message,
        )
        return _render_form(request, context, status=422)
    raise web.HTTPFound(f"/tasks/{task.id}")


async def _task_or_none(request: web.Request, task_id: int | None, actor: User) -> Task | None:
    if task_id is None:
        return None
    async with request.app[SESSIONMAKER]() as session:
        return await get_task(session, task_id, actor=actor)


@requires(Permission.TASKS_EDIT)
async def create(request: web.Request) -> web.StreamResponse:
    return await _save(request, None)


@requires(Permission.TASKS_VIEW)
@aiohttp_jinja2.template("tasks/detail.html")
async def detail(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        task = await get_task(session, int(request.match_info["id"]), actor=actor)
        history = await list_history(session, entity="task", entity_ids=[task.id])
        history_names = await audit_names(session, history)
        call = await session.get(CallRow, task.call_id) if task.call_id else None
        names = await _names(session, [task.created_by_id, task.closed_by_id])
        claimable = (
            task.is_open
            and task.assignee_id is None
            and task.queue in await queues_of(session, actor)
        )
    return {
        "task": task,
        "history": history,
        "audit_names": history_names,
        "call": call,
        "names": names,
        "claimable": claimable and actor.can(Permission.TASKS_EDIT),
        "may_change": actor.can(Permission.TASKS_EDIT) and task.is_open,
    }


async def _names(session: AsyncSession, ids: list[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.scalars(select(User).where(User.id.in_(wanted)))
    return {u.id: u.display_name for u in rows}


@requires(Permission.TASKS_EDIT)
async def edit_page(request: web.Request) -> web.StreamResponse:
    actor = current_user(request)
    task = await _task_or_none(request, int(request.match_info["id"]), actor)
    assert task is not None
    if not task.is_open:
        raise Conflict(N_("This task is already closed"))
    data = TaskInput(
        kind=task.kind,
        title=task.title,
        notes=task.notes,
        due_at=task.due_at,
        assignee_id=task.assignee_id,
        queue=task.queue,
        client_id=task.client_id,
        call_id=task.call_id,
        order_id=task.order_id,
        phone=task.phone,
    )
    order_text = task.order.number if task.order else ""
    form = TaskForm(data, as_local(task.due_at, actor.timezone), order_text)
    return _render_form(request, await _form_context(request, form, task=task))


@requires(Permission.TASKS_EDIT)
async def update(request: web.Request) -> web.StreamResponse:
    return await _save(request, int(request.match_info["id"]))


async def _close(request: web.Request, *, done: bool) -> web.StreamResponse:
    form = await request.post()
    task_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        await close_task(
            session,
            task_id=task_id,
            actor=current_user(request),
            done=done,
            note=str(form.get("note", "")),
        )
    back = str(form.get("next", ""))
    raise web.HTTPFound(back if back.startswith("/tasks") else f"/tasks/{task_id}")


@requires(Permission.TASKS_EDIT)
async def complete(request: web.Request) -> web.StreamResponse:
    return await _close(request, done=True)


@requires(Permission.TASKS_EDIT)
async def cancel(request: web.Request) -> web.StreamResponse:
    return await _close(request, done=False)


@requires(Permission.TASKS_EDIT)
async def claim(request: web.Request) -> web.StreamResponse:
    task_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        await claim_task(session, task_id=task_id, actor=current_user(request))
    raise web.HTTPFound(f"/tasks/{task_id}")
