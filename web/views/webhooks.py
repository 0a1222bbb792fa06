"""Admin pages of webhooks out: endpoints (list, create, edit, pause, resume, rotate the
secret) and each endpoint's deliveries with their answers and a resend button. A secret is
shown once: on the page right after it is made or rotated, never again."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.db import utcnow
from callcenter.users.roles import Permission
from callcenter.webhooks.events import EVENTS
from callcenter.webhooks.service import (
    EndpointInput,
    WebhookInvalid,
    create_endpoint,
    get_endpoint,
    list_deliveries,
    list_endpoints,
    pause_endpoint,
    resend_delivery,
    resume_endpoint,
    rotate_secret,
    update_endpoint,
)
from web.auth import current_user, requires
from web.forms import form_bool
from web.keys import SESSIONMAKER, SETTINGS

FORM = "admin/webhook_form.html"


def _endpoint_id(request: web.Request) -> int | None:
    raw = request.match_info.get("id")
    return int(raw) if raw else None


def _form_context(
    form: EndpointInput, endpoint_id: int | None, errors: dict[str, str], message: str = ""
) -> dict[str, Any]:
    return {
        "form": form,
        "endpoint_id": endpoint_id,
        "errors": errors,
        "message": message,
        "events": EVENTS,
    }


@requires(Permission.WEBHOOKS_MANAGE)
@aiohttp_jinja2.template("admin/webhooks.html")
async def endpoint_list(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        return {"endpoints": await list_endpoints(session), "events": EVENTS}


@requires(Permission.WEBHOOKS_MANAGE)
async def form_page(request: web.Request) -> web.StreamResponse:
    endpoint_id, form = _endpoint_id(request), EndpointInput(events=[])
    if endpoint_id is not None:
        async with request.app[SESSIONMAKER]() as session:
            endpoint = await get_endpoint(session, endpoint_id)
        form = EndpointInput(
            url=endpoint.url,
            description=endpoint.description,
            events=list(endpoint.events),
            active=endpoint.active,
        )
    return aiohttp_jinja2.render_template(FORM, request, _form_context(form, endpoint_id, {}))


@requires(Permission.WEBHOOKS_MANAGE)
async def save(request: web.Request) -> web.StreamResponse:
    endpoint_id, posted = _endpoint_id(request), await request.post()
    data = EndpointInput(
        url=str(posted.get("url", "")),
        description=str(posted.get("description", "")),
        events=[str(value) for value in posted.getall("events", [])],
        active=form_bool(posted, "active"),
    )
    actor, secret = current_user(request), ""
    allow_private = request.app[SETTINGS].webhook_allow_private
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            if endpoint_id is None:
                endpoint, secret = await create_endpoint(
                    session, data=data, actor=actor, allow_private=allow_private
                )
                endpoint_id = endpoint.id
            else:
                await update_endpoint(
                    session,
                    endpoint_id=endpoint_id,
                    data=data,
                    actor=actor,
                    allow_private=allow_private,
                )
    except WebhookInvalid as exc:
        context = _form_context(data, endpoint_id, exc.fields, exc.message)
        return aiohttp_jinja2.render_template(FORM, request, context, status=422)
    if secret:
        return await _show_endpoint(request, endpoint_id, secret=secret)
    raise web.HTTPFound(f"/admin/webhooks/{endpoint_id}")


async def _show_endpoint(
    request: web.Request, endpoint_id: int, *, secret: str = ""
) -> web.StreamResponse:
    state = request.query.get("state", "")
    before = request.query.get("before", "")
    async with request.app[SESSIONMAKER]() as session:
        endpoint = await get_endpoint(session, endpoint_id)
        deliveries = await list_deliveries(
            session,
            endpoint_id=endpoint_id,
            state=state,
            before_id=int(before) if before.isdigit() and len(before) < 19 else None,
        )
    old_until = endpoint.previous_secret_until
    context = {
        "endpoint": endpoint,
        "old_secret_until": old_until if old_until and old_until > utcnow() else None,
        "deliveries": deliveries,
        "state": state,
        "secret": secret,
        "events": EVENTS,
    }
    response = aiohttp_jinja2.render_template("admin/webhook.html", request, context)
    if secret:
        response.headers["Cache-Control"] = "no-store"  # the secret stays off any cache
    return response


@requires(Permission.WEBHOOKS_MANAGE)
async def show(request: web.Request) -> web.StreamResponse:
    return await _show_endpoint(request, int(request.match_info["id"]))


@requires(Permission.WEBHOOKS_MANAGE)
async def move(request: web.Request) -> web.StreamResponse:
    """pause, resume or rotate (the new secret shown this once)."""
    endpoint_id, action = int(request.match_info["id"]), request.match_info["action"]
    posted, actor = await request.post(), current_user(request)
    async with request.app[SESSIONMAKER].begin() as session:
        if action == "pause":
            reason = str(posted.get("reason", ""))
            await pause_endpoint(session, endpoint_id=endpoint_id, actor=actor, reason=reason)
        elif action == "resume":
            await resume_endpoint(session, endpoint_id=endpoint_id, actor=actor)
        else:
            secret = await rotate_secret(session, endpoint_id=endpoint_id, actor=actor)
    if action == "rotate":
        return await _show_endpoint(request, endpoint_id, secret=secret)
    raise web.HTTPFound(f"/admin/webhooks/{endpoint_id}")


@requires(Permission.WEBHOOKS_MANAGE)
async def resend(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER].begin() as session:
        again = await resend_delivery(
            session, delivery_id=int(request.match_info["id"]), actor=current_user(request)
        )
    raise web.HTTPFound(f"/admin/webhooks/{again.endpoint_id}")
