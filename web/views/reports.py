"""Report pages: the index at /reports, each report at /reports/<name> with its filters in
the URL, and its tables as XLSX/CSV files."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.db import utcnow
from callcenter.errors import Invalid
from callcenter.reports.filters import default_filters
from callcenter.reports.registry import reports_for
from callcenter.users.roles import Permission
from web import i18n
from web.auth import current_user, requires
from web.reporting import report_filters, report_page_response, report_spec_for


@requires(Permission.REPORTS_VIEW)
@aiohttp_jinja2.template("reports/index.html")
async def report_index(request: web.Request) -> dict[str, Any]:
    return {"reports": reports_for(current_user(request))}


@requires(Permission.REPORTS_VIEW)
async def report_page(request: web.Request) -> web.StreamResponse:
    """The report with the filters asked; bad filters are shown by their fields over the
    default period's figures, with what was typed kept in the form."""
    spec = report_spec_for(request)
    errors: dict[str, str] = {}
    try:
        filters = report_filters(request, spec)
    except Invalid as exc:
        errors = exc.fields
        filters = default_filters(timezone=i18n.TIMEZONE.get(), now=utcnow())
    return await report_page_response(
        request,
        spec,
        filters,
        typed=dict(request.query) if errors else filters.values(),
        errors=errors,
        status=422 if errors else 200,
    )
