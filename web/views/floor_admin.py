"""Admin pages for the floor: queue settings and pause reasons."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import list_history
from callcenter.errors import BadRequest, Invalid
from callcenter.floor import admin
from callcenter.floor.admin import QueueSettingsInput
from callcenter.floor.alerts import COLUMNS as ALERT_COLUMNS
from callcenter.floor.alerts import THRESHOLDS
from callcenter.floor.models import QueueRow
from callcenter.floor.service import pause_reasons
from callcenter.i18n import N_
from callcenter.users.roles import Permission
from callcenter.users.service import list_users
from web.auth import current_user, requires
from web.forms import form_bool
from web.keys import SESSIONMAKER

# -- queues ----------------------------------------------------------------------------------


@requires(Permission.QUEUES_MANAGE)
@aiohttp_jinja2.template("admin/queues.html")
async def queue_list(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        queues = await admin.list_queues(session)
        users = {u.id: u for u in await list_users(session)}
    return {"queues": queues, "users": users, "saved": request.query.get("saved", "")}


async def _queue_context(
    session: AsyncSession,
    queue: QueueRow,
    form: QueueSettingsInput,
    errors: dict[str, str] | None = None,
    message: str = "",
) -> dict[str, Any]:
    return {
        "queue": queue,
        "form": form,
        "errors": errors or {},
        "message": message,
        "agents": await admin.queue_agent_choices(session, queue),
        "history": await list_history(session, entity="queue", entity_ids=[queue.id], limit=50),
        "ranges": {"service_level": admin.SERVICE_LEVEL_RANGE, "wrapup": admin.WRAPUP_RANGE},
        "thresholds": THRESHOLDS,
    }


@requires(Permission.QUEUES_MANAGE)
@aiohttp_jinja2.template("admin/queue_form.html")
async def queue_edit_page(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        queue = await admin.get_queue(session, int(request.match_info["id"]))
        return await _queue_context(session, queue, QueueSettingsInput.of(queue))


@requires(Permission.QUEUES_MANAGE)
async def queue_save(request: web.Request) -> web.StreamResponse:
    queue_id = int(request.match_info["id"])
    posted = await request.post()
    form = QueueSettingsInput(
        title=str(posted.get("title", "")),
        service_level_seconds=str(posted.get("service_level_seconds", "")),
        wrapup_seconds=str(posted.get("wrapup_seconds", "")),
        allowed_user_ids=[str(v) for v in posted.getall("allowed_user_ids", [])],
        alerts={c: str(posted.get(c, "")) for c in ALERT_COLUMNS},
    )
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            queue = await admin.update_queue_settings(
                session, queue_id=queue_id, data=form, actor=current_user(request)
            )
    except Invalid as exc:
        async with request.app[SESSIONMAKER]() as session:
            queue = await admin.get_queue(session, queue_id)
            context = await _queue_context(session, queue, form, exc.fields, exc.message)
        return aiohttp_jinja2.render_template("admin/queue_form.html", request, context, status=422)
    raise web.HTTPFound(f"/admin/queues?saved={queue.id}")


# -- pause reasons ---------------------------------------------------------------------------


async def _reasons_page(
    request: web.Request, *, failed: dict[str, Any] | None = None, status: int = 200
) -> web.StreamResponse:
    """The list; ``failed`` is the form that was refused: which reason (None = the new one),
    what was typed and the errors by field."""
    async with request.app[SESSIONMAKER]() as session:
        reasons = await pause_reasons(session, active_only=False)
    context = {"reasons": reasons, "failed": failed or {}}
    return aiohttp_jinja2.render_template(
        "admin/pause_reasons.html", request, context, status=status
    )


@requires(Permission.QUEUES_MANAGE)
async def reason_list(request: web.Request) -> web.StreamResponse:
    return await _reasons_page(request)


@requires(Permission.QUEUES_MANAGE)
async def reason_add(request: web.Request) -> web.StreamResponse:
    typed = str((await request.post()).get("name", ""))
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await admin.add_pause_reason(session, name=typed, actor=current_user(request))
    except Invalid as exc:
        failed = {"id": None, "name": typed, "errors": exc.fields}
        return await _reasons_page(request, failed=failed, status=422)
    raise web.HTTPFound("/admin/pause-reasons")


@requires(Permission.QUEUES_MANAGE)
async def reason_save(request: web.Request) -> web.StreamResponse:
    reason_id = int(request.match_info["id"])
    posted = await request.post()
    typed, active = str(posted.get("name", "")), form_bool(posted, "active")
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await admin.update_pause_reason(
                session,
                reason_id=reason_id,
                name=typed,
                active=active,
                actor=current_user(request),
            )
    except Invalid as exc:
        failed = {"id": reason_id, "name": typed, "active": active, "errors": exc.fields}
        return await _reasons_page(request, failed=failed, status=422)
    raise web.HTTPFound("/admin/pause-reasons")


@requires(Permission.QUEUES_MANAGE)
async def reason_move(request: web.Request) -> web.StreamResponse:
    step = {"up": -1, "down": 1}.get(str((await request.post()).get("direction")))
    if step is None:
        raise BadRequest(N_("Move up or down"))
    async with request.app[SESSIONMAKER].begin() as session:
        await admin.move_pause_reason(
            session,
            reason_id=int(request.match_info["id"]),
            step=step,
            actor=current_user(request),
        )
    raise web.HTTPFound("/admin/pause-reasons")
