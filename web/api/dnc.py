"""JSON API for the do-not-call list: ``/api/v1/dnc``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.errors import BadRequest
from callcenter.floor.dnc import (
    AlreadyOnList,
    add_to_dnc,
    get_dnc,
    remove_from_dnc,
    search_dnc,
)
from callcenter.floor.models import DoNotCall
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web.api.lists import list_response
from web.apidoc.describe import (
    ID,
    MOMENT,
    PAGING,
    SEARCH,
    TEXT,
    described,
    listing,
    nullable,
    obj,
)
from web.auth import current_user, requires
from web.errors import error_body
from web.keys import SESSIONMAKER, SETTINGS
from web.values import int_field, page_field, read_json

MAX_PER_PAGE = 500
ENTRY = obj(
    ("id", "number", "reason", "added_by", "created_at"),
    id=ID,
    number=TEXT,
    reason=TEXT,
    added_by=nullable(obj(("id", "login"), id=ID, login=TEXT)),
    created_at=MOMENT,
)
NEW_ENTRY = obj(("number",), number=TEXT, reason=TEXT)


def dnc_json(entry: DoNotCall, added_by: User | None) -> dict[str, Any]:
    return {
        "id": entry.id,
        "number": entry.e164,
        "reason": entry.reason,
        "added_by": {"id": added_by.id, "login": added_by.login} if added_by else None,
        "created_at": entry.created_at.isoformat(),
    }


@requires(Permission.DNC_VIEW)
@described(response=listing(ENTRY), query=(SEARCH, *PAGING))
async def list_dnc(request: web.Request) -> web.Response:
    """``?q=`` a number in any format (or some of its digits, or words of the reason)."""
    per_page = min(int_field(request.query, "per_page") or 50, MAX_PER_PAGE)
    async with request.app[SESSIONMAKER]() as session:
        page = await search_dnc(
            session,
            q=request.query.get("q", ""),
            region=request.app[SETTINGS].default_region,
            page=page_field(request.query),
            per_page=max(1, per_page),
        )
    return list_response([dnc_json(entry, who) for entry, who in page.entries], page)


@requires(Permission.DNC_VIEW)
@described(response=ENTRY)
async def get_dnc_entry(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        entry, added_by = await get_dnc(session, int(request.match_info["id"]))
    return web.json_response(dnc_json(entry, added_by))


async def _body(request: web.Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadRequest(N_("The body must be a JSON object"))
    if not isinstance(body.get("number"), str) or not isinstance(body.get("reason", ""), str):
        raise BadRequest(N_("number and reason are strings"))
    return body


@requires(Permission.DNC_MANAGE)
@described(ok=201, errors=(409,), body=NEW_ENTRY, response=ENTRY)
async def add_dnc(request: web.Request) -> web.Response:
    """``{number, reason}``: 201 with the entry; 409 with ``existing`` when already listed."""
    body = await _body(request)
    actor = current_user(request)
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            entry = await add_to_dnc(
                session,
                number=body["number"],
                reason=body.get("reason", ""),
                actor=actor,
                region=request.app[SETTINGS].default_region,
            )
    except AlreadyOnList as exc:
        error = error_body(exc.id, exc.message, exc.fields)
        error["existing"] = {"id": exc.existing.id, "number": exc.existing.e164}
        return web.json_response(error, status=exc.status)
    return web.json_response(
        dnc_json(entry, actor), status=201, headers={"Location": f"/api/v1/dnc/{entry.id}"}
    )


@requires(Permission.DNC_MANAGE)
@described(ok=204)
async def delete_dnc(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER].begin() as session:
        await remove_from_dnc(
            session, entry_id=int(request.match_info["id"]), actor=current_user(request)
        )
    return web.Response(status=204)
