"""Reports in the JSON API: ``GET /api/v1/reports/<name>`` with the pages' filters gives the
figures the page shows; ``GET /api/v1/reports/<name>/export?table=&format=xlsx|csv`` one of
its tables as a file."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.errors import NotFound
from callcenter.exports.csvfile import CsvWriter, delimiter_for
from callcenter.exports.stream import check_format
from callcenter.exports.xlsx import XlsxWriter
from callcenter.i18n import N_
from callcenter.reports.filters import FILTER_NAMES, ReportFilters
from callcenter.reports.registry import ReportSpec, all_reports
from callcenter.reports.tables import Report, Table
from callcenter.users.roles import Permission
from web import i18n
from web.apidoc.describe import (
    DAY,
    FILE_FORMAT,
    FILES,
    MOMENT,
    TEXT,
    Schema,
    array,
    described,
    items,
    nullable,
    obj,
    param,
)
from web.auth import current_user, requires
from web.downloads import pieces, stream_file
from web.reporting import report_answer, report_filters, report_spec_for, run_report

# ``ReportFilters.as_dict``: what every report echoes of the filters it was run with
FILTERS: Schema = obj(
    ("since", "until", "first_day", "last_day", "timezone"),
    period=nullable(TEXT),
    since=MOMENT,
    until=MOMENT,
    first_day=DAY,
    last_day=DAY,
    timezone=TEXT,
    **{name: {"type": ["string", "integer", "null"]} for name in FILTER_NAMES},
)
QUERY = (
    param("period", TEXT, "a preset: today, this_week, this_month..."),
    param("since", DAY),
    param("until", DAY),
    *(param(name, TEXT, "only reports filtered by it take it") for name in FILTER_NAMES),
)
REPORT = obj(("filters",), filters=FILTERS)  # and its tables, by name, each a list of rows
LISTED = obj(
    ("name", "title", "filters", "url"), name=TEXT, title=TEXT, filters=array(TEXT), url=TEXT
)


@requires(Permission.REPORTS_VIEW)
@described(response=items(LISTED))
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
@described(response=REPORT, query=QUERY)
async def report_json(request: web.Request) -> web.Response:
    spec = report_spec_for(request)
    filters = report_filters(request, spec)
    return await report_answer(request, await run_report(request, spec, filters))


@requires(Permission.REPORTS_VIEW, Permission.DATA_EXPORT)
@described(content=FILES, query=(FILE_FORMAT, param("table", TEXT), *QUERY))
async def report_export(request: web.Request) -> web.StreamResponse:
    spec = report_spec_for(request)
    filters = report_filters(request, spec)
    return await export_table(request, spec, await run_report(request, spec, filters), filters)


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


def find_table(report: Report, name: str) -> Table:
    tables = report.tables()
    for table in tables:
        if table.name == (name or tables[0].name):
            return table
    raise NotFound(N_("No such table in this report"))


def _translated(row: tuple[Any, ...], table: Table) -> tuple[Any, ...]:
    return tuple(
        i18n.gettext(v) if c.kind == "term" and isinstance(v, str) and v else v
        for c, v in zip(table.columns, row, strict=True)
    )
