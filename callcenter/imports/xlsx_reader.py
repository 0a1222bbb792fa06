"""Reading an XLSX sheet fast: its XML streamed with ElementTree's C parser.

openpyxl's read-only mode builds a cell object per value and reads ~45,000 cells/s here,
which is 15 s for a 100,000-row client list; this reads the same sheet in about a tenth of
that. It understands what spreadsheets put in cells: shared and inline strings, numbers,
booleans, formulas' cached values, and numbers formatted as dates.

The archive is checked before any part is parsed and every part is read through a guard
(see xlsx_archive.py); while the sheet streams, its cells are held to the upload's limits
(columns, rows, a cell's length, XFD1048576 at most), so no file costs more than they allow.
"""

from __future__ import annotations

import pyexpat
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from typing import IO, Any
from xml.etree.ElementTree import iterparse

from callcenter.i18n import N_
from callcenter.imports.exceptions import ImportInvalid
from callcenter.imports.limits import (
    NOT_A_WORKBOOK,
    XLSX_MAX_COLUMNS,
    XLSX_MAX_ROWS,
    ImportTooBig,
    UploadLimits,
    beyond_the_sheet,
    cell_too_long,
    column_letters,
    data_beyond_columns,
    too_many_rows,
)
from callcenter.imports.xlsx_archive import UNREADABLE, Budget, Part, open_part, open_workbook

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DATE_FORMAT_IDS = set(range(14, 23)) | {45, 46, 47}
_DATE_CODE = re.compile(r"[dmyhs]", re.I)
_EPOCH = datetime(1899, 12, 30)
_DIGITS = "0123456789"
_CELL_REF = re.compile(r"([A-Z]{1,7})([0-9]{1,7})")
# The XML of an upload is untrusted: every part is read through xlsx_archive's guard, which
# refuses a DTD; behind it ElementTree never fetches external entities, and the expat it runs
# on (2.4.1 and newer) stops "billion laughs" and quadratic blow-ups itself.
if pyexpat.version_info < (2, 4, 1):  # pragma: no cover - every supported Python has newer
    raise ImportError("the XLSX import needs expat 2.4.1 or newer")


def _parse(source: Part | IO[bytes], events: tuple[str, ...] = ("end",)) -> Iterator[Any]:
    """The standard parser, safe here for the reasons above."""
    return iterparse(source, events)  # type: ignore[arg-type]  # noqa: S314


def _first_sheet_path(archive: zipfile.ZipFile, budget: Budget) -> str:
    with open_part(archive, "xl/workbook.xml", budget) as workbook:
        sheet = next((el for _e, el in _parse(workbook) if el.tag == f"{_MAIN}sheet"), None)
    if sheet is None:
        raise ImportInvalid(NOT_A_WORKBOOK)
    rel_id = sheet.get(f"{_REL}id")
    with open_part(archive, "xl/_rels/workbook.xml.rels", budget) as rels:
        for _event, el in _parse(rels):
            if el.tag == f"{_PKG_REL}Relationship" and el.get("Id") == rel_id:
                target = el.get("Target", "").lstrip("/")
                return target if target.startswith("xl/") else "xl/" + target
    return "xl/worksheets/sheet1.xml"


def _shared_strings(archive: zipfile.ZipFile, budget: Budget) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    cap = budget.limits.max_shared_strings
    # each string read is taken out of the table: the elements of two million strings kept
    # till the end would be 150 MB more, and objects every garbage-collector pass walks
    table = None
    with open_part(archive, "xl/sharedStrings.xml", budget) as part:
        for event, el in _parse(part, ("start", "end")):
            if event == "start":
                table = el if table is None else table
            elif el.tag == f"{_MAIN}si":
                if len(strings) >= cap:
                    raise ImportTooBig(
                        N_("The workbook has more than %(limit)s different texts"),
                        params={"limit": str(cap)},
                    )
                # rich text keeps its runs in <r><t>; phonetic hints (<rPh>) are not the text
                hints = _phonetic(el)
                strings.append(
                    "".join(t.text or "" for t in el.iter(f"{_MAIN}t") if t not in hints)
                )
                table.clear()  # type: ignore[union-attr]
    return strings


def _phonetic(si: object) -> set[object]:
    return {t for rph in si.iter(f"{_MAIN}rPh") for t in rph.iter(f"{_MAIN}t")}  # type: ignore[attr-defined]


def _date_styles(archive: zipfile.ZipFile, budget: Budget) -> set[int]:
    """Indexes of the cell formats that show a number as a date or a time."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    with open_part(archive, "xl/styles.xml", budget) as part:
        in_cell_xfs = False
        for event, el in _parse(part, events=("start", "end")):
            if el.tag == f"{_MAIN}cellXfs":
                in_cell_xfs = event == "start"
            elif event == "end" and el.tag == f"{_MAIN}numFmt":
                custom[int(el.get("numFmtId", "0"))] = el.get("formatCode", "")
            elif event == "end" and el.tag == f"{_MAIN}xf" and in_cell_xfs:
                formats.append(int(el.get("numFmtId", "0")))
    dates = set()
    for index, fmt in enumerate(formats):
        code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", custom.get(fmt, ""))
        if fmt in _DATE_FORMAT_IDS or (fmt in custom and _DATE_CODE.search(code)):
            dates.add(index)
    return dates


@cache
def _columns() -> dict[str, int]:
    """Every column a sheet may have, by its letters: ``A`` is 0, ``AA`` 26, ``XFD`` 16383."""
    return {column_letters(index): index for index in range(XLSX_MAX_COLUMNS)}


def _number(text: str, is_date: bool) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    if is_date and 0 <= value < 2_958_466:  # Excel's dates end at 9999-12-31
        moment = _EPOCH + timedelta(days=value)
        if moment.hour == moment.minute == moment.second == 0:
            return moment.date().isoformat()
        return moment.replace(microsecond=0).isoformat(sep=" ")
    return str(int(value)) if value.is_integer() else text


def xlsx_rows(content: bytes, limits: UploadLimits) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) for every row of the first sheet that has any cell."""
    with open_workbook(content, limits) as archive:
        budget = Budget(limits)
        try:
            sheet_path = _first_sheet_path(archive, budget)
            strings, dates = _shared_strings(archive, budget), _date_styles(archive, budget)
            with open_part(archive, sheet_path, budget) as part:
                yield from _sheet_rows(part, strings, dates, limits)
        except UNREADABLE:
            raise ImportInvalid(NOT_A_WORKBOOK) from None


def _sheet_rows(
    part: Part, strings: list[str], dates: set[int], limits: UploadLimits
) -> Iterator[tuple[int, list[str]]]:
    row_tag, cell_tag, value_tag = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}v"
    inline_tag, dimension_tag = f"{_MAIN}is", f"{_MAIN}dimension"
    columns, max_columns, max_chars = _columns(), limits.max_columns, limits.max_cell_chars
    line = rows = 0
    column = -1
    cells: dict[int, str] = {}
    for _event, el in _parse(part):
        tag = el.tag
        if tag == cell_tag:
            ref = el.get("r")
            if ref:
                found = columns.get(ref.rstrip(_DIGITS))
                if found is None:
                    raise beyond_the_sheet(ref) if _CELL_REF.fullmatch(ref) else ValueError(ref)
                column = found
            else:
                column += 1  # a cell without a reference follows the one before it
            text = _cell_text(el, strings, dates, value_tag, inline_tag).strip()
            el.clear()
            if column >= max_columns or len(text) > max_chars:
                ref = ref or f"{column_letters(column)}{line + 1}"
                if column < max_columns:
                    raise cell_too_long(ref, limits)
                if text:
                    raise data_beyond_columns(ref, limits)
                continue  # an empty cell beyond the columns read: dropped
            cells[column] = text
        elif tag == row_tag:
            number = el.get("r")
            line = int(number) if number else line + 1
            rows += 1
            if line > XLSX_MAX_ROWS:
                raise beyond_the_sheet(f"A{line}")
            if rows > limits.max_rows + 1:  # the header and max_rows rows
                raise too_many_rows(limits)
            if cells:
                row = [""] * (max(cells) + 1)
                for index, text in cells.items():
                    row[index] = text
                yield line, row
            cells, column = {}, -1
            el.clear()
        elif tag == dimension_tag:
            _check_dimension(el.get("ref", ""), limits)


def _cell_text(
    el: Any, strings: list[str], dates: set[int], value_tag: str, inline_tag: str
) -> str:
    kind = el.get("t")
    if kind == "inlineStr":
        inline = el.find(inline_tag)
        return "".join(inline.itertext()) if inline is not None else ""
    value = el.findtext(value_tag)
    if not value or kind == "e":
        return ""
    if kind == "s":
        return strings[int(value)]
    if kind == "b":
        return "1" if value == "1" else "0"
    if kind in ("str", "d"):
        return value
    return _number(value, int(el.get("s", "0")) in dates)


def _check_dimension(ref: str, limits: UploadLimits) -> None:
    """The used range the sheet states: refused beyond XFD1048576 or the rows read."""
    corners = [_CELL_REF.fullmatch(corner) for corner in ref.split(":")[:2]]
    if not all(corners):
        return  # a damaged range is only a hint: the cells are checked as they come
    for corner in corners:
        if corner[1] not in _columns() or int(corner[2]) > XLSX_MAX_ROWS:  # type: ignore[index]
            raise beyond_the_sheet(corner[0])  # type: ignore[index]
    first, last = int(corners[0][2]), int(corners[-1][2])  # type: ignore[index]
    if last - first > limits.max_rows:
        raise too_many_rows(limits)
