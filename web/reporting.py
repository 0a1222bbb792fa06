"""A report as a request asks for it: which one (if the user may read it), with what filters
from the query string, and its figures. The report pages and the JSON API both read it so."""

from __future__ import annotations

from aiohttp import web

from callcenter.db import utcnow
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.reports.filters import ReportFilters, parse_filters
from callcenter.reports.registry import ReportSpec, report_spec
from callcenter.reports.tables import Report
from web import i18n
from web.auth import current_user
from web.keys import SESSIONMAKER


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
    async with request.app[SESSIONMAKER]() as session:
        return await spec.run(session, filters=filters, user=current_user(request))
