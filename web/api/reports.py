"""Reports in the JSON API: ``GET /api/v1/reports/<name>`` with the pages' filters gives the
figures the page shows; ``GET /api/v1/reports/<name>/export?table=&format=xlsx|csv`` one of
its tables as a file."""

from __future__ import annotations

from aiohttp import web

from callcenter.reports.registry import all_reports
from callcenter.reports.tables import jsonable
from callcenter.users.roles import Permission
from web import i18n
from web.auth import current_user, requires
from web.views.reports import _spec_for, build, export_table, filters_of


@requires(Permission.REPORTS_VIEW)
async def report_list(request: web.Request) -> web.Response:
    user = current_user(request)
    return web.json_response(
        {
            "items": [
                {
                    "name": spec.name,
                    "title": i18n.gettext(spec.title),
                    "filters": list(spec.filters),
                    "url": f"/api/v1/reports/{spec.name}",
                }
                for spec in all_reports()
                if user.can(spec.permission)
            ]
        }
    )


@requires(Permission.REPORTS_VIEW)
async def report_json(request: web.Request) -> web.Response:
    spec = _spec_for(request)
    filters = filters_of(request, spec)
    report = await build(request, spec, filters)
    return web.json_response(jsonable(report.as_dict()))


@requires(Permission.REPORTS_VIEW, Permission.DATA_EXPORT)
async def report_export(request: web.Request) -> web.StreamResponse:
    spec = _spec_for(request)
    filters = filters_of(request, spec)
    return await export_table(request, spec, await build(request, spec, filters), filters)
