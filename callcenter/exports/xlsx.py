"""A streaming XLSX writer: the workbook is zipped as rows arrive, never held in memory.

An XLSX file is a zip of a few XML parts; the sheet is written row by row with inline
strings (no shared-string table to keep), through ``zipfile`` on an unseekable sink, so
each batch of rows comes out as compressed bytes ready to send.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = datetime(1899, 12, 30)
_OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels"'
    ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OOXML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOXML}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OOXML}.styles+xml"/>'
    "</Types>",
    "_rels/.rels": f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>",
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>",
    "xl/styles.xml": f'<styleSheet xmlns="{_NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>",
}


def _workbook(sheet_name: str) -> str:
    name = escape(re.sub(r"[\\/?*\[\]:]", " ", sheet_name)[:31] or "Sheet1", {'"': "&quot;"})
    return (
        f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


class _Sink(io.RawIOBase):
    """Where the zip is written: collects bytes until they are taken (not seekable)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


_MONEY = ' s="3"'  # #,##0.00


def _cell(value: Any, tz: ZoneInfo, style: str = "") -> str:
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, Decimal):
        return f"<c{style}><v>{value:f}</v></c>"
    if isinstance(value, int | float):
        return f"<c{style}><v>{value}</v></c>"
    if isinstance(value, datetime):
        local = value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value
        return f'<c s="1"><v>{(local - _EPOCH).total_seconds() / 86400:.8f}</v></c>'
    text = escape(_CONTROL.sub("", str(value)))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _row(row: tuple[Any, ...], tz: ZoneInfo, styles: list[str] | None) -> str:
    if styles is None:
        return "<row>" + "".join(_cell(v, tz) for v in row) + "</row>"
    return "<row>" + "".join(_cell(v, tz, s) for v, s in zip(row, styles, strict=True)) + "</row>"


class _Zip(zipfile.ZipFile):
    """A stream left unfinished (the client went away, an error midway) is dropped with its
    sheet still open; ``zipfile`` then raises from its finalizer, as an unraisable error in
    whatever runs next. Its bytes are of no use to anyone by then: it is dropped quietly."""

    def __del__(self) -> None:
        with contextlib.suppress(ValueError):
            super().__del__()


class XlsxWriter:
    """``start()``, then ``rows(batch)`` for each batch, then ``finish()``: each gives bytes."""

    def __init__(
        self,
        headers: list[str],
        widths: list[int],
        *,
        sheet: str,
        timezone: str,
        kinds: list[str] | None = None,
    ) -> None:
        """``kinds``: each column's kind (see ``Column``); money is shown as 1,234.50."""
        self.headers, self.widths, self.sheet = headers, widths, sheet
        self.styles = [_MONEY if kind == "money" else "" for kind in kinds or []]
        self.tz = ZoneInfo(timezone)
        self._sink = _Sink()
        self._zip = _Zip(self._sink, "w", compression=zipfile.ZIP_DEFLATED)
        self._part: Any = None

    def start(self) -> bytes:
        for name, xml in {**_PARTS, "xl/workbook.xml": _workbook(self.sheet)}.items():
            self._zip.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>\n' + xml)
        self._part = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(self.widths, start=1)
        )
        header = "".join(
            f'<c t="inlineStr" s="2"><is><t>{escape(h)}</t></is></c>' for h in self.headers
        )
        self._write(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{_NS}"><sheetViews>'
            '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2"'
            ' activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f"<cols>{cols}</cols><sheetData>"
            f"<row>{header}</row>"
        )
        return self._sink.take()

    def rows(self, batch: Iterable[tuple[Any, ...]]) -> bytes:
        tz, styles = self.tz, self.styles or None
        self._write("".join(_row(row, tz, styles) for row in batch))
        return self._sink.take()

    def finish(self) -> bytes:
        self._write("</sheetData></worksheet>")
        self._part.close()
        self._zip.close()
        return self._sink.take()

    def _write(self, xml: str) -> None:
        self._part.write(xml.encode())


def xlsx_bytes(
    headers: list[str], rows: Iterable[tuple[Any, ...]], *, sheet: str, timezone: str
) -> Iterator[bytes]:
    """A whole small workbook (a report), as the writer's pieces."""
    writer = XlsxWriter(
        headers, [max(12, min(60, len(h) + 4)) for h in headers], sheet=sheet, timezone=timezone
    )
    yield writer.start()
    yield writer.rows(rows)
    yield writer.finish()
