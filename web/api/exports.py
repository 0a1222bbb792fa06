"""Lists as files: ``GET /api/v1/clients/export`` and ``/api/v1/calls/export``
with ``format=xlsx|csv`` (and for CSV ``delimiter=comma|semicolon|tab``, else ``;`` for
Russian and ``,`` for English) and the same filters as the lists themselves."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.db import utcnow
from callcenter.exports.stream import check_format, export_list, export_rows
from callcenter.users.roles import Permission
from web import i18n
from web.api.calls import _query as calls_query
from web.auth import current_user, requires
from web.downloads import stream_file
from web.keys import SESSIONMAKER, SETTINGS
from web.views.clients import query_from_request


async def _export(request: web.Request, name: str, query: Any) -> web.StreamResponse:
    file_format = check_format(request.query.get("format", "xlsx"))
    listing = export_list(name)
    async with request.app[SESSIONMAKER]() as session:
        chunks = export_rows(
            session,
            listing,
            query,
            file_format=file_format,
            actor=current_user(request),
            region=request.app[SETTINGS].default_region,
            language=i18n.LANGUAGE.get(),
            timezone=i18n.TIMEZONE.get(),
            gettext=i18n.gettext,
            delimiter=request.query.get("delimiter", ""),
        )
        filename = f"{i18n.gettext(name)}-{utcnow():%Y-%m-%d}.{file_format}"
        return await stream_file(request, chunks, filename=filename, file_format=file_format)


@requires(Permission.CLIENTS_VIEW, Permission.DATA_EXPORT)
async def clients(request: web.Request) -> web.StreamResponse:
    return await _export(request, "clients", query_from_request(request))


@requires(Permission.CALLS_VIEW, Permission.DATA_EXPORT)
async def calls(request: web.Request) -> web.StreamResponse:
    return await _export(request, "calls", calls_query(request, live=False))
