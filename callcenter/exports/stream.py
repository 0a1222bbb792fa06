"""Streaming a list as XLSX or CSV: rows from a server-side cursor, bytes out per batch."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import BadRequest
from callcenter.exports.columns import ExportList
from callcenter.exports.csvfile import CsvWriter, delimiter_for
from callcenter.exports.xlsx import XlsxWriter
from callcenter.i18n import N_

LIST_NAMES = (N_("clients"), N_("calls"), N_("orders"), N_("tasks"))  # file and sheet names
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _lists() -> dict[str, ExportList]:
    from callcenter.exports.calls import CallsExport
    from callcenter.exports.clients import ClientsExport
    from callcenter.exports.orders import OrdersExport
    from callcenter.exports.tasks import TasksExport

    return {
        "clients": ClientsExport(),
        "calls": CallsExport(),
        "orders": OrdersExport(),
        "tasks": TasksExport(),
    }


def export_list(name: str) -> ExportList:
    return _lists()[name]


def check_format(value: str) -> str:
    if value not in FORMATS:
        raise BadRequest(N_("format is xlsx or csv"))
    return value


async def export_rows(
    session: AsyncSession,
    listing: ExportList,
    query: Any,
    *,
    file_format: str,
    actor: Any,
    region: str,
    language: str,
    timezone: str,
    gettext: Callable[[str], str],
    delimiter: str = "",
) -> AsyncIterator[bytes]:
    """The file's bytes, piece by piece; terms (directions, outcomes...) in the language."""
    # a label may double its % for the templates' gettext: a file shows it once
    headers = [gettext(c.label).replace("%%", "%") for c in listing.columns]
    writer: XlsxWriter | CsvWriter
    if file_format == "xlsx":
        widths, kinds = [c.width for c in listing.columns], [c.kind for c in listing.columns]
        writer = XlsxWriter(
            headers, widths, sheet=gettext(listing.name), timezone=timezone, kinds=kinds
        )
    else:
        writer = CsvWriter(
            headers,
            delimiter=delimiter_for(language, delimiter),
            timezone=timezone,
            decimal_comma=language == "ru",
        )
    terms = [i for i, c in enumerate(listing.columns) if c.kind == "term"]
    rows = listing.rows(session, query, actor=actor, region=region)
    first = await anext(rows, None)  # a refusal (Forbidden) comes before any byte is sent
    yield writer.start()
    batch = first
    while batch is not None:
        if terms:
            batch = [_translated(row, terms, gettext) for row in batch]
        yield writer.rows(batch)
        batch = await anext(rows, None)
    yield writer.finish()


def _translated(row: tuple[Any, ...], terms: list[int], gettext: Callable[[str], str]) -> tuple:
    values = list(row)
    for i in terms:
        if values[i]:
            values[i] = gettext(values[i])
    return tuple(values)
