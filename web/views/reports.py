"""Report pages: the index at /reports, each report at /reports/<name> with its filters in
the URL, and its tables as XLSX/CSV files."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.db import utcnow
from callcenter.errors import Forbidden, Invalid, NotFound
from callcenter.exports.csvfile import CsvWriter, delimiter_for
from callcenter.exports.stream import check_format
from callcenter.exports.xlsx import XlsxWriter
from callcenter.i18n import N_
from callcenter.reports.filters import PRESETS, ReportFilters, default_filters, parse_filters
from callcenter.reports.options import filter_options
from callcenter.reports.registry import ReportSpec, report_spec, reports_for
from callcenter.reports.rollups.refresh import rollup_marks
from callcenter.reports.tables import Report, Table
from callcenter.users.roles import Permission
from web import charts, i18n
from web.auth import current_user, requires
from web.downloads import pieces, stream_file
from web.keys import SESSIONMAKER


def _spec_for(request: web.Request) -> ReportSpec:
    spec = report_spec(request.match_info["name"])
    if not current_user(request).can(spec.permission):
        raise Forbidden(N_("Your role does not allow this"))
    return spec


def filters_of(request: web.Request, spec: ReportSpec) -> ReportFilters:
    return parse_filters(
        request.query, timezone=i18n.TIMEZONE.get(), now=utcnow(), supported=spec.filters
    )


async def build(request: web.Request, spec: ReportSpec, filters: ReportFilters) -> Report:
    async with request.app[SESSIONMAKER]() as session:
        return await spec.run(session, filters=filters, user=current_user(request))


@requires(Permission.REPORTS_VIEW)
@aiohttp_jinja2.template("reports/index.html")
async def report_index(request: web.Request) -> dict[str, Any]:
    return {"reports": reports_for(current_user(request))}


@requires(Permission.REPORTS_VIEW)
async def report_page(request: web.Request) -> web.StreamResponse:
    """The report with the filters asked; bad filters are shown by their fields over the
    default period's figures, with what was typed kept in the form."""
    spec = _spec_for(request)
    user = current_user(request)
    errors: dict[str, str] = {}
    try:
        filters = filters_of(request, spec)
    except Invalid as exc:
        errors = exc.fields
        filters = default_filters(timezone=i18n.TIMEZONE.get(), now=utcnow())
    report = await build(request, spec, filters)
    async with request.app[SESSIONMAKER]() as session:
        options = await filter_options(session, user=user, wanted=spec.filters)
        fresh = await rollup_marks(session)
    context = {
        "spec": spec,
        "report": report,
        "filters": filters,
        "typed": dict(request.query) if errors else filters.values(),
        "errors": errors,
        "options": options,
        "presets": PRESETS,
        "charts": charts,
        "refreshed_at": min(fresh.values()) if fresh else None,
    }
    return aiohttp_jinja2.render_template(
        spec.template, request, context, status=422 if errors else 200
    )


def find_table(report: Report, name: str) -> Table:
    tables = report.tables()
    for table in tables:
        if table.name == (name or tables[0].name):
            return table
    raise NotFound(N_("No such table in this report"))


async def export_table(
    request: web.Request, spec: ReportSpec, report: Report, filters: ReportFilters
) -> web.StreamResponse:
    """One of the report's tables as XLSX or CSV (``table=``, the first by default)."""
    file_format = check_format(request.query.get("format", "xlsx"))
    table = find_table(report, request.query.get("table", ""))
    columns = [c.export_column() for c in table.columns]
    headers = [i18n.gettext(c.label).replace("%%", "%") for c in columns]
    rows = [_translated(row, table) for row in table.export_rows()]
    writer: XlsxWriter | CsvWriter
    if file_format == "xlsx":
        writer = XlsxWriter(
            headers,
            [c.width for c in columns],
            sheet=i18n.gettext(table.title),
            timezone=filters.timezone,
            kinds=[c.kind for c in columns],
        )
    else:
        language = i18n.LANGUAGE.get()
        writer = CsvWriter(
            headers,
            delimiter=delimiter_for(language, request.query.get("delimiter", "")),
            timezone=filters.timezone,
            decimal_comma=language == "ru",
        )
    parts = [writer.start(), writer.rows(rows), writer.finish()]
    filename = (
        f"{i18n.gettext(spec.title)} - {i18n.gettext(table.title)} "
        f"{filters.first_day}..{filters.last_day}.{file_format}"
    )
    return await stream_file(request, pieces(parts), filename=filename, file_format=file_format)


def _translated(row: tuple[Any, ...], table: Table) -> tuple[Any, ...]:
    return tuple(
        i18n.gettext(v) if c.kind == "term" and isinstance(v, str) and v else v
        for c, v in zip(table.columns, row, strict=True)
    )
