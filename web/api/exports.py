"""Lists as files: ``GET /api/v1/clients/export``, ``/api/v1/calls/export``,
``/api/v1/orders/export`` and ``/api/v1/tasks/export`` with ``format=xlsx|csv`` (and for
CSV ``delimiter=comma|semicolon|tab``, else ``;`` for Russian and ``,`` for English) and
the same filters as the lists themselves."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.db import utcnow
from callcenter.errors import BadRequest
from callcenter.exports.stream import check_format
from callcenter.i18n import N_
from callcenter.orders.statuses import list_statuses
from callcenter.users.roles import Permission
from web import i18n
from web.apidoc.describe import FILE_FORMAT, FILES, described
from web.auth import current_user, requires
from web.downloads import export_file, stream_file
from web.keys import SESSIONMAKER
from web.queries import call_query, client_query, order_query, task_api_query, task_query
from web.values import int_field


async def _export(request: web.Request, name: str, query: Any) -> web.StreamResponse:
    """The file is made by a back-office process (callcenter/exports/job.py), not here."""
    file_format = check_format(request.query.get("format", "xlsx"))
    chunks = export_file(request, name, query, file_format)
    filename = f"{i18n.gettext(name)}-{utcnow():%Y-%m-%d}.{file_format}"
    return await stream_file(request, chunks, filename=filename, file_format=file_format)


@requires(Permission.CLIENTS_VIEW, Permission.DATA_EXPORT)
@described(content=FILES, query=(FILE_FORMAT,))
async def clients(request: web.Request) -> web.StreamResponse:
    return await _export(request, "clients", client_query(request))


@requires(Permission.CALLS_VIEW, Permission.DATA_EXPORT)
@described(content=FILES, query=(FILE_FORMAT,))
async def calls(request: web.Request) -> web.StreamResponse:
    return await _export(request, "calls", call_query(request, live=False))


@requires(Permission.ORDERS_VIEW, Permission.DATA_EXPORT)
@described(content=FILES, query=(FILE_FORMAT,))
async def orders(request: web.Request) -> web.StreamResponse:
    """The order list's filters (``status`` as an id or, as in the API, a code)."""
    query = order_query(request)
    query.page, query.per_page = 1, 1
    raw_status = request.query.get("status", "")
    if raw_status and query.status_id is None:
        async with request.app[SESSIONMAKER]() as session:
            codes = {s.code: s.id for s in await list_statuses(session)}
        if raw_status not in codes:
            raise BadRequest(N_("No such status"))
        query.status_id = codes[raw_status]
    return await _export(request, "orders", query)


@requires(Permission.TASKS_VIEW, Permission.DATA_EXPORT)
@described(content=FILES, query=(FILE_FORMAT,))
async def tasks(request: web.Request) -> web.StreamResponse:
    """The task API's filters; the task page's ``from``/``to`` days are read as it reads them."""
    query = task_api_query(request)
    if query.client_id is None:  # the page names it ``client``
        query.client_id = int_field(request.query, "client")
    if "from" in request.query or "to" in request.query:
        days = task_query(request, current_user(request))
        query.due_from, query.due_until = days.due_from, days.due_until
    return await _export(request, "tasks", query)
