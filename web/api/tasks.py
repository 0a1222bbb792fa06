"""JSON API for tasks: ``/api/v1/tasks`` (list with filters, get, create, update, close, claim)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from callcenter.tasks.changes import claim_task, close_task, create_task, update_task
from callcenter.tasks.input import TaskInput
from callcenter.tasks.models import Task
from callcenter.tasks.service import get_task, list_tasks
from callcenter.users.roles import Permission
from web.api.lists import list_response
from web.apidoc.describe import (
    BOOL,
    ID,
    MOMENT,
    NO_BODY,
    PAGING,
    TEXT,
    Schema,
    described,
    fields,
    listing,
    nullable,
    obj,
    param,
)
from web.apidoc.describe import (
    ref as link,
)
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.queries import task_api_query
from web.values import moment, read_json_object, ref

TEXT_FIELDS = ("kind", "title", "notes", "queue", "phone")
REF_FIELDS = ("assignee_id", "client_id", "call_id", "order_id")
TASK_BODY = fields(TEXT_FIELDS, REF_FIELDS, due_at=nullable(MOMENT))
CLOSE_BODY = obj(note=nullable(TEXT))
_WHEN = nullable(MOMENT)
TASK: Schema = obj(
    ("id", "kind", "title", "status", "due_at", "overdue", "assignee", "client", "order"),
    id=ID,
    kind=TEXT,
    title=TEXT,
    notes=TEXT,
    status=TEXT,
    due_at=_WHEN,
    overdue=BOOL,
    assignee=link("login"),
    queue=nullable(TEXT),
    client=link(),
    call_id=nullable(ID),
    order=link("number"),
    phone=nullable(TEXT),
    created_by_id=nullable(ID),
    created_at=_WHEN,
    updated_at=_WHEN,
    reminded_at=_WHEN,
    done_at=_WHEN,
    cancelled_at=_WHEN,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def task_json(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "kind": task.kind,
        "title": task.title,
        "notes": task.notes,
        "status": task.status,
        "due_at": _iso(task.due_at),
        "overdue": task.is_open and task.due_at < datetime.now(UTC),
        "assignee": {"id": task.assignee.id, "login": task.assignee.login}
        if task.assignee
        else None,
        "queue": task.queue or None,
        "client": {"id": task.client.id, "name": task.client.name} if task.client else None,
        "call_id": task.call_id,
        "order": {"id": task.order.id, "number": task.order.number} if task.order else None,
        "phone": task.phone or None,
        "repeats": task.repeats,
        "created_by_id": task.created_by_id,
        "created_at": _iso(task.created_at),
        "updated_at": _iso(task.updated_at),
        "reminded_at": _iso(task.reminded_at),
        "done_at": _iso(task.done_at),
        "cancelled_at": _iso(task.cancelled_at),
    }


def task_input(body: dict[str, Any], base: TaskInput | None = None) -> TaskInput:
    """A JSON task into an input; absent keys keep ``base``'s values (PATCH)."""
    data = base or TaskInput()
    for name in TEXT_FIELDS:
        if name in body:
            setattr(data, name, "" if body[name] is None else str(body[name]))
    for name in REF_FIELDS:
        short = name.removesuffix("_id")
        if name in body or short in body:
            setattr(data, name, ref(body.get(name, body.get(short)), name))
    if "due_at" in body:
        data.due_at = moment(body["due_at"], "due_at", due=True)
    return data


@requires(Permission.TASKS_VIEW)
@described(
    response=listing(TASK),
    query=(
        *PAGING,
        param("status", TEXT),
        param("kind", TEXT),
        param("assignee", TEXT, "a user id, me, or a queue's pool"),
        param("overdue", TEXT, "1: only overdue ones"),
        param("due_from", MOMENT),
        param("due_until", MOMENT),
        param("client_id", ID),
        param("order_id", ID),
    ),
)
async def list_all(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        page = await list_tasks(session, task_api_query(request), actor=current_user(request))
    return list_response([task_json(t) for t in page.items], page)


@requires(Permission.TASKS_VIEW)
@described(response=TASK)
async def get_one(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        task = await get_task(session, int(request.match_info["id"]), actor=current_user(request))
    return web.json_response(task_json(task))


@requires(Permission.TASKS_EDIT)
@described(ok=201, body=TASK_BODY, body_required=False, response=TASK)
async def create(request: web.Request) -> web.Response:
    actor, body = current_user(request), await read_json_object(request)
    data = task_input(body, TaskInput(assignee_id=actor.id))
    async with request.app[SESSIONMAKER].begin() as session:
        task = await create_task(
            session, data=data, actor=actor, region=request.app[SETTINGS].default_region
        )
    return web.json_response(
        task_json(task), status=201, headers={"Location": f"/api/v1/tasks/{task.id}"}
    )


@requires(Permission.TASKS_EDIT)
@described(body=TASK_BODY, body_required=False, response=TASK)
async def update(request: web.Request) -> web.Response:
    """PUT replaces the task's fields; PATCH changes only the keys given."""
    actor, body = current_user(request), await read_json_object(request)
    task_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        base = None
        if request.method == "PATCH":
            current = await get_task(session, task_id, actor=actor)
            base = TaskInput(
                **{name: getattr(current, name) for name in (*TEXT_FIELDS, *REF_FIELDS)},
                due_at=current.due_at,
            )
        task = await update_task(
            session,
            task_id=task_id,
            data=task_input(body, base),
            actor=actor,
            region=request.app[SETTINGS].default_region,
        )
    return web.json_response(task_json(task))


async def _close(request: web.Request, *, done: bool) -> web.Response:
    body = await read_json_object(request)
    async with request.app[SESSIONMAKER].begin() as session:
        task = await close_task(
            session,
            task_id=int(request.match_info["id"]),
            actor=current_user(request),
            done=done,
            note=str(body.get("note") or ""),
        )
        task = await get_task(session, task.id, actor=current_user(request))
    return web.json_response(task_json(task))


@requires(Permission.TASKS_EDIT)
@described(body=CLOSE_BODY, body_required=False, response=TASK)
async def complete(request: web.Request) -> web.Response:
    return await _close(request, done=True)


@requires(Permission.TASKS_EDIT)
@described(body=CLOSE_BODY, body_required=False, response=TASK)
async def cancel(request: web.Request) -> web.Response:
    return await _close(request, done=False)


@requires(Permission.TASKS_EDIT)
@described(body=NO_BODY, response=TASK)
async def claim(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER].begin() as session:
        task = await claim_task(
            session, task_id=int(request.match_info["id"]), actor=current_user(request)
        )
    return web.json_response(task_json(task))
