"""The do-not-call list: supervisors read it; managers and admins add and remove numbers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from callcenter.errors import Invalid
from callcenter.floor.dnc import AlreadyOnList, add_to_dnc, get_dnc, remove_from_dnc, search_dnc
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.values import page_field


async def _list_page(
    request: web.Request,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    existing: Any = None,
    status: int = 200,
) -> web.StreamResponse:
    """The list for the query in the URL; ``typed``/``errors`` refill a refused add form."""
    q = request.query.get("q", "")
    async with request.app[SESSIONMAKER]() as session:
        page = await search_dnc(
            session,
            q=q,
            region=request.app[SETTINGS].default_region,
            page=page_field(request.query),
        )
    context = {
        "q": q,
        "page": page,
        "args": {"q": q} if q else {},
        "typed": typed or {"number": "", "reason": ""},
        "errors": errors or {},
        "existing": existing,
        "added": request.query.get("added") == "1",
        "removed": request.query.get("removed") == "1",
    }
    return aiohttp_jinja2.render_template("dnc/list.html", request, context, status=status)


@requires(Permission.DNC_VIEW)
async def dnc_list(request: web.Request) -> web.StreamResponse:
    return await _list_page(request)


@requires(Permission.DNC_MANAGE)
async def dnc_add(request: web.Request) -> web.StreamResponse:
    posted = await request.post()
    typed = {"number": str(posted.get("number", "")), "reason": str(posted.get("reason", ""))}
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            entry = await add_to_dnc(
                session,
                number=typed["number"],
                reason=typed["reason"],
                actor=current_user(request),
                region=request.app[SETTINGS].default_region,
            )
    except AlreadyOnList as exc:
        return await _list_page(
            request, typed=typed, errors=exc.fields, existing=exc.existing, status=409
        )
    except Invalid as exc:
        return await _list_page(request, typed=typed, errors=exc.fields, status=422)
    raise web.HTTPFound("/dnc?" + urlencode({"q": entry.e164, "added": "1"}))


@requires(Permission.DNC_MANAGE)
@aiohttp_jinja2.template("dnc/remove.html")
async def dnc_remove_page(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        entry, added_by = await get_dnc(session, int(request.match_info["id"]))
    return {"entry": entry, "added_by": added_by}


@requires(Permission.DNC_MANAGE)
async def dnc_remove(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER].begin() as session:
        await remove_from_dnc(
            session, entry_id=int(request.match_info["id"]), actor=current_user(request)
        )
    raise web.HTTPFound("/dnc?removed=1")
