"""JSON API for feedback: ``/api/v1/feedback`` (list with filters, get, create, update)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from callcenter.errors import BadRequest
from callcenter.feedback.input import FeedbackInput
from callcenter.feedback.models import Feedback
from callcenter.feedback.service import (
    create_feedback,
    get_feedback,
    list_feedback,
    to_input,
    update_feedback,
)
from callcenter.i18n import N_
from callcenter.users.roles import Permission
from web.api.lists import list_response
from web.apidoc.describe import (
    ID,
    MOMENT,
    PAGING,
    TEXT,
    Schema,
    described,
    fields,
    listing,
    nullable,
    obj,
)
from web.apidoc.describe import (
    ref as link,
)
from web.auth import current_user, requires
from web.keys import SESSIONMAKER
from web.queries import feedback_query
from web.values import read_json_object, ref

TEXT_FIELDS = ("kind", "text", "status", "resolution", "score_scale")
REF_FIELDS = ("client_id", "call_id", "order_id", "owner_id")
SCORE: Schema = {"type": ["integer", "string", "null"], "description": "a whole number"}
FEEDBACK_BODY = fields(TEXT_FIELDS, REF_FIELDS, score=SCORE)
_WHEN = nullable(MOMENT)
FEEDBACK: Schema = obj(
    ("id", "kind", "status", "client", "order", "owner", "text", "score"),
    id=ID,
    kind=TEXT,
    status=TEXT,
    client=link(),
    call_id=nullable(ID),
    order=link("number"),
    owner=link("login"),
    text=TEXT,
    resolution=TEXT,
    score_scale=TEXT,
    score=nullable({"type": "integer"}),
    created_by_id=nullable(ID),
    created_at=_WHEN,
    updated_at=_WHEN,
    resolved_at=_WHEN,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def feedback_json(item: Feedback) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "status": item.status,
        "client": {"id": item.client.id, "name": item.client.name},
        "call_id": item.call_id,
        "order": {"id": item.order.id, "number": item.order.number} if item.order else None,
        "owner": {"id": item.owner.id, "login": item.owner.login} if item.owner else None,
        "text": item.text,
        "resolution": item.resolution,
        "score_scale": item.score_scale,
        "score": item.score,
        "created_by_id": item.created_by_id,
        "created_at": _iso(item.created_at),
        "updated_at": _iso(item.updated_at),
        "resolved_at": _iso(item.resolved_at),
    }


def feedback_input(body: dict[str, Any], base: FeedbackInput | None = None) -> FeedbackInput:
    """A JSON body into an input; absent keys keep ``base``'s values (PATCH)."""
    data = base or FeedbackInput()
    for name in TEXT_FIELDS:
        if name in body:
            setattr(data, name, "" if body[name] is None else str(body[name]))
    for name in REF_FIELDS:
        short = name.removesuffix("_id")
        if name in body or short in body:
            setattr(data, name, ref(body.get(name, body.get(short)), name))
    if "score" in body:
        value = body["score"]
        if isinstance(value, bool) or not isinstance(value, int | str | None):
            raise BadRequest(N_("A score is a whole number"))
        data.score = "" if value is None else str(value)
    return data


@requires(Permission.FEEDBACK_VIEW)
@described(response=listing(FEEDBACK), query=PAGING)
async def list_all(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        page = await list_feedback(session, feedback_query(request), actor=current_user(request))
    return list_response([feedback_json(f) for f in page.items], page)


@requires(Permission.FEEDBACK_VIEW)
@described(response=FEEDBACK)
async def get_one(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        item = await get_feedback(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
    return web.json_response(feedback_json(item))


@requires(Permission.FEEDBACK_EDIT)
@described(ok=201, body=FEEDBACK_BODY, body_required=False, response=FEEDBACK)
async def create(request: web.Request) -> web.Response:
    data = feedback_input(await read_json_object(request))
    async with request.app[SESSIONMAKER].begin() as session:
        item = await create_feedback(session, data=data, actor=current_user(request))
    return web.json_response(
        feedback_json(item), status=201, headers={"Location": f"/api/v1/feedback/{item.id}"}
    )


@requires(Permission.FEEDBACK_EDIT)
@described(body=FEEDBACK_BODY, body_required=False, response=FEEDBACK)
async def update(request: web.Request) -> web.Response:
    """PUT replaces the feedback's fields; PATCH changes only the keys given."""
    actor, body = current_user(request), await read_json_object(request)
    feedback_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        base = None
        if request.method == "PATCH":
            base = to_input(await get_feedback(session, feedback_id, actor=actor))
        item = await update_feedback(
            session, feedback_id=feedback_id, data=feedback_input(body, base), actor=actor
        )
        item = await get_feedback(session, item.id, actor=actor)
    return web.json_response(feedback_json(item))
