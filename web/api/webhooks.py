"""JSON API of webhooks out (admins only): ``/api/v1/webhooks`` endpoints and deliveries.
A secret is in the answer that made or rotated it, and in no other."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.users.roles import Permission
from callcenter.webhooks.models import Delivery, Endpoint
from callcenter.webhooks.service import (
    EndpointInput,
    create_endpoint,
    get_endpoint,
    list_deliveries,
    list_endpoints,
    resend_delivery,
    rotate_secret,
    update_endpoint,
)
from web.apidoc.describe import (
    BOOL,
    COUNT,
    ID,
    MOMENT,
    NO_BODY,
    STATE,
    TEXT,
    Schema,
    array,
    described,
    items,
    nullable,
    obj,
    param,
)
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.values import read_json_object

ENDPOINT_BODY = obj(url=TEXT, description=TEXT, events=array(TEXT), active=BOOL)
ENDPOINT: Schema = obj(
    ("id", "url", "events", "active", "paused"),
    id=ID,
    url=TEXT,
    description=TEXT,
    events=array(TEXT),
    active=BOOL,
    paused=BOOL,
    paused_at=nullable(MOMENT),
    paused_by=nullable(TEXT),
    paused_reason=nullable(TEXT),
    failures_in_row=COUNT,
)
BIG_ID: Schema = {"type": "integer", "minimum": 1}  # deliveries are numbered in a bigint
DELIVERY: Schema = obj(
    ("id", "event", "event_id", "state", "attempts", "created_at"),
    id=BIG_ID,
    event=TEXT,
    event_id=TEXT,
    entity=nullable(TEXT),
    state=TEXT,
    attempts=COUNT,
    created_at=MOMENT,
    next_attempt_at=nullable(MOMENT),
    sent_at=nullable(MOMENT),
    response_status=nullable({"type": "integer"}),
    response_excerpt=nullable(TEXT),
    error=nullable(TEXT),
    resent_from=nullable(BIG_ID),
)
SECRET = obj(("secret",), secret={**TEXT, "description": "shown this once"})


def endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "active": endpoint.active,
        "paused": endpoint.paused_at is not None,
        "paused_at": endpoint.paused_at.isoformat() if endpoint.paused_at else None,
        "paused_by": endpoint.paused_by or None,
        "paused_reason": endpoint.paused_reason,
        "failures_in_row": endpoint.failures_in_row,
    }


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    held = delivery.next_attempt_at.year >= 9999
    return {
        "id": delivery.id,
        "event": delivery.event,
        "event_id": str(delivery.event_id),
        "entity": delivery.entity,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "created_at": delivery.created_at.isoformat(),
        "next_attempt_at": None if held else delivery.next_attempt_at.isoformat(),
        "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
        "response_status": delivery.response_status,
        "response_excerpt": delivery.response_excerpt,
        "error": delivery.error,
        "resent_from": delivery.resent_from,
    }


def _input(body: dict[str, Any], base: EndpointInput) -> EndpointInput:
    events = body.get("events", base.events)
    active = body.get("active", base.active)
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise BadRequest(N_("events must be a list of event names"))
    if not isinstance(active, bool):
        raise BadRequest(N_("active must be true or false"))
    texts = {name: body.get(name, getattr(base, name)) for name in ("url", "description")}
    if not all(isinstance(value, str) for value in texts.values()):
        raise BadRequest(N_("url and description must be text"))
    return EndpointInput(events=events, active=active, **texts)


@requires(Permission.WEBHOOKS_MANAGE)
@described(response=items(obj(**ENDPOINT["properties"], deliveries=obj())))
async def list_all(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        rows = await list_endpoints(session)
    items = [endpoint_json(endpoint) | {"deliveries": counts} for endpoint, counts in rows]
    return web.json_response({"items": items})


@requires(Permission.WEBHOOKS_MANAGE)
@described(
    ok=201,
    body=ENDPOINT_BODY,
    body_required=False,
    response=obj(
        (*ENDPOINT["required"], "secret"), **ENDPOINT["properties"], **SECRET["properties"]
    ),
)
async def create(request: web.Request) -> web.Response:
    data = _input(await read_json_object(request), EndpointInput())
    async with request.app[SESSIONMAKER].begin() as session:
        endpoint, secret = await create_endpoint(
            session,
            data=data,
            actor=current_user(request),
            allow_private=request.app[SETTINGS].webhook_allow_private,
        )
    return web.json_response(endpoint_json(endpoint) | {"secret": secret}, status=201)


@requires(Permission.WEBHOOKS_MANAGE)
@described(response=ENDPOINT)
async def get_one(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        endpoint = await get_endpoint(session, int(request.match_info["id"]))
    return web.json_response(endpoint_json(endpoint))


@requires(Permission.WEBHOOKS_MANAGE)
@described(body=ENDPOINT_BODY, body_required=False, response=ENDPOINT)
async def update(request: web.Request) -> web.Response:
    endpoint_id, body = int(request.match_info["id"]), await read_json_object(request)
    async with request.app[SESSIONMAKER].begin() as session:
        endpoint = await get_endpoint(session, endpoint_id)
        base = EndpointInput(endpoint.url, endpoint.description, list(endpoint.events))
        base.active = endpoint.active
        endpoint = await update_endpoint(
            session,
            endpoint_id=endpoint_id,
            data=_input(body, base),
            actor=current_user(request),
            allow_private=request.app[SETTINGS].webhook_allow_private,
        )
    return web.json_response(endpoint_json(endpoint))


@requires(Permission.WEBHOOKS_MANAGE)
@described(body=NO_BODY, response=obj(("id", "secret"), id=ID, **SECRET["properties"]))
async def rotate(request: web.Request) -> web.Response:
    endpoint_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        secret = await rotate_secret(session, endpoint_id=endpoint_id, actor=current_user(request))
    return web.json_response({"id": endpoint_id, "secret": secret})


@requires(Permission.WEBHOOKS_MANAGE)
@described(
    response=items(DELIVERY),
    query=(STATE, param("before", {**ID, "description": "older than this delivery"})),
)
async def deliveries(request: web.Request) -> web.Response:
    before = request.query.get("before", "")
    async with request.app[SESSIONMAKER]() as session:
        endpoint = await get_endpoint(session, int(request.match_info["id"]))
        rows = await list_deliveries(
            session,
            endpoint_id=endpoint.id,
            state=request.query.get("state", ""),
            before_id=int(before) if before.isdigit() and len(before) < 19 else None,
        )
    return web.json_response({"items": [delivery_json(d) for d in rows]})


@requires(Permission.WEBHOOKS_MANAGE)
@described(ok=201, body=NO_BODY, response=DELIVERY)
async def resend(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER].begin() as session:
        again = await resend_delivery(
            session, delivery_id=int(request.match_info["id"]), actor=current_user(request)
        )
    return web.json_response(delivery_json(again), status=201)
