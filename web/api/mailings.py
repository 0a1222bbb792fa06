"""JSON API for mailings: ``/api/v1/mailings`` (list, create), ``/{id}`` (with its figures),
``/{id}/schedule|pause|resume|cancel``, ``/{id}/figures`` (the states, and what it did and
sold: opens, clicks per link, replies by call, attributed orders and revenue) and
``/{id}/recipients`` (each recipient's state, paged, by state)."""

from __future__ import annotations

from aiohttp import web

from callcenter.errors import DomainError
from callcenter.mailings.audience import count_audience
from callcenter.mailings.results import mailing_results
from callcenter.mailings.service import (
    create_mailing,
    get_mailing,
    list_mailings,
    list_recipients,
    mailing_figures,
)
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web.apidoc.describe import (
    COUNT,
    ID,
    NO_BODY,
    PAGING,
    STATE,
    TEXT,
    array,
    described,
    items,
    obj,
)
from web.auth import current_user, requires
from web.errors import error_body
from web.i18n import TIMEZONE
from web.keys import SESSIONMAKER, SETTINGS
from web.mailing_forms import (
    MAILING,
    MAILING_BODY,
    RECIPIENT,
    RESULTS,
    STATE_COUNTS,
    mailing_from_json,
    mailing_json,
    move_mailing,
    rate_cap,
    recipient_json,
    template_errors,
)
from web.values import page_field, per_page_field, read_json_object

WITH_RESULTS = obj((*MAILING["required"], "results"), **MAILING["properties"], results=RESULTS)
AUDIENCE_COUNT = obj(
    ("total", "reached", "left_out"),
    total=COUNT,
    reached=COUNT,
    left_out={"type": "object", "additionalProperties": COUNT},
)


def _refused(exc: DomainError) -> web.Response:
    body = error_body(exc.id, exc.message)
    body["fields"] = template_errors(exc, exc.fields)
    return web.json_response(body, status=exc.status)


async def _answer(request: web.Request, mailing_id: int, status: int = 200) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        mailing = await get_mailing(session, mailing_id, actor=current_user(request))
        figures = (await mailing_figures(session, [mailing.id]))[mailing.id]
        results = await mailing_results(session, mailing)
    body = mailing_json(mailing, figures)
    body["results"] = results.as_dict()
    return web.json_response(body, status=status)


@requires(Permission.MAILINGS_VIEW)
@described(response=items(MAILING), query=(STATE,))
async def list_all(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        mailings = await list_mailings(
            session, actor=current_user(request), state=request.query.get("state", "")[:20]
        )
        figures = await mailing_figures(session, [m.id for m in mailings])
    return web.json_response({"items": [mailing_json(m, figures[m.id]) for m in mailings]})


@requires(Permission.MAILINGS_VIEW)
@described(response=WITH_RESULTS)
async def get_one(request: web.Request) -> web.Response:
    return await _answer(request, int(request.match_info["id"]))


@requires(Permission.MAILINGS_MANAGE)
@described(
    ok=201,
    body=MAILING_BODY,
    body_required=False,
    response=obj(MAILING["required"], **{**MAILING["properties"], "audience": AUDIENCE_COUNT}),
)
async def create(request: web.Request) -> web.Response:
    """A draft mailing; the answer tells its audience and who is left out, by reason."""
    actor, body = current_user(request), await read_json_object(request)
    settings = request.app[SETTINGS]
    try:
        data = mailing_from_json(body)
        async with request.app[SESSIONMAKER].begin() as session:
            mailing = await create_mailing(
                session, data=data, actor=actor, timezone=TIMEZONE.get(),
                rate_cap=rate_cap(settings, data.channel),
            )  # fmt: skip
            audience = await count_audience(
                session, mailing, author=actor, region=settings.default_region
            )
            answer = mailing_json(mailing)
    except DomainError as exc:
        return _refused(exc)
    answer["audience"] = {"total": audience.total, "reached": audience.reached,
                          "left_out": audience.left_out}  # fmt: skip
    return web.json_response(answer, status=201)


@requires(Permission.MAILINGS_MANAGE)
@described(body=NO_BODY, response=WITH_RESULTS)
async def schedule(request: web.Request) -> web.Response:
    mailing_id = int(request.match_info["id"])
    await move_mailing(request, mailing_id, "schedule")  # twice is once
    return await _answer(request, mailing_id)


@requires(Permission.MAILINGS_MANAGE)
@described(body=NO_BODY, response=WITH_RESULTS)
async def move(request: web.Request) -> web.Response:
    mailing_id = int(request.match_info["id"])
    await move_mailing(request, mailing_id, request.match_info["action"])
    return await _answer(request, mailing_id)


@requires(Permission.MAILINGS_VIEW)
@described(
    response=obj(
        ("id", "state", "total", "results"),
        id=ID,
        state=TEXT,
        **STATE_COUNTS["properties"],
        results=RESULTS,
    )
)
async def figures(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        mailing = await get_mailing(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
        found = (await mailing_figures(session, [mailing.id]))[mailing.id]
        results = await mailing_results(session, mailing)
    body = {"id": mailing.id, "state": mailing.state, **found.as_dict()}
    return web.json_response({**body, "results": results.as_dict()})


@requires(Permission.MAILINGS_VIEW)
@described(
    response=obj(
        ("items", "page", "per_page"),
        items=array(RECIPIENT),
        page={"type": "integer", "minimum": 1},
        per_page={"type": "integer", "minimum": 1},
    ),
    query=(STATE, *PAGING),
)
async def recipients(request: web.Request) -> web.Response:
    actor: User = current_user(request)
    page, per_page = page_field(request.query), per_page_field(request.query, most=500)
    async with request.app[SESSIONMAKER]() as session:
        mailing = await get_mailing(session, int(request.match_info["id"]), actor=actor)
        rows = await list_recipients(
            session, mailing, state=request.query.get("state", "")[:20], limit=per_page,
            offset=(page - 1) * per_page,
        )  # fmt: skip
    return web.json_response(
        {"items": [recipient_json(r) for r in rows], "page": page, "per_page": per_page}
    )
