"""A report as a request asks for it: which one (if the user may read it), with what filters
from the query string, and its figures. The report pages and the JSON API both read it so,
on the reports' own thread (``web.report_thread``), and render it there too."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.db import utcnow
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.reports.filters import PRESETS, ReportFilters, parse_filters
from callcenter.reports.options import filter_options
from callcenter.reports.registry import ReportSpec, report_spec
from callcenter.reports.rollups.refresh import rollup_marks
from callcenter.reports.tables import Report, jsonable
from web import charts, i18n
from web.auth import current_user
from web.keys import REPORTS


def report_spec_for(request: web.Request) -> ReportSpec:
    spec = report_spec(request.match_info["name"])
    if not current_user(request).can(spec.permission):
        raise Forbidden(N_("Your role does not allow this"))
    return spec


def report_filters(request: web.Request, spec: ReportSpec) -> ReportFilters:
    return parse_filters(
        request.query, timezone=i18n.TIMEZONE.get(), now=utcnow(), supported=spec.filters
    )


async def run_report(request: web.Request, spec: ReportSpec, filters: ReportFilters) -> Report:
    user = current_user(request)

    async def read(sessions: Any) -> Report:
        async with sessions() as session:
            return await spec.run(session, filters=filters, user=user)

    return await request.app[REPORTS].read(read)


async def read_report_page(
    request: web.Request, spec: ReportSpec, filters: ReportFilters
) -> tuple[Report, Any, Any]:
    """The report, its filters' choices and when its rollups were refreshed."""
    user = current_user(request)

    async def read(sessions: Any) -> tuple[Report, Any, Any]:
        async with sessions() as session:
            report = await spec.run(session, filters=filters, user=user)
            options = await filter_options(session, user=user, wanted=spec.filters)
            return report, options, await rollup_marks(session)

    return await request.app[REPORTS].read(read)


async def report_page_response(
    request: web.Request,
    spec: ReportSpec,
    filters: ReportFilters,
    *,
    typed: Mapping[str, Any],
    errors: Mapping[str, str],
    status: int = 200,
    **more: Any,
) -> web.Response:
    """The report's page: its figures under the filters' form (``typed`` as shown in it,
    ``errors`` by field), with ``more`` for the template."""
    report, options, fresh = await read_report_page(request, spec, filters)
    context = {
        "spec": spec,
        "report": report,
        "filters": filters,
        "typed": typed,
        "errors": errors,
        "options": options,
        "presets": PRESETS,
        "charts": charts,
        "refreshed_at": min(fresh.values()) if fresh else None,
        **more,
    }
    return await render_report_page(request, spec.template, context, status=status)


async def render_report_page(
    request: web.Request, template_name: str, context: Mapping[str, Any], *, status: int = 200
) -> web.Response:
    """``aiohttp_jinja2.render_template``, rendered on the reports' thread."""
    template = aiohttp_jinja2.get_env(request.app).get_template(template_name)
    merged = {**request.get(aiohttp_jinja2.REQUEST_CONTEXT_KEY, {}), **context}
    text = await request.app[REPORTS].call(template.render, merged)
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


async def report_answer(request: web.Request, report: Report) -> web.Response:
    """The report as the API answers it, encoded on the reports' thread."""
    text = await request.app[REPORTS].call(lambda: json.dumps(jsonable(report.as_dict())))
    return web.Response(text=text, content_type="application/json")
