"""Hostile upload files, built part by part with zipfile, big parts streamed as they are packed.

A workbook here is the smallest one Excel opens: content types, relationships, a workbook
with one sheet, the sheet, and optionally shared strings; any part can be replaced or added.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Clients" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.openxmlformats'
    '.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)
SHEET = "xl/worksheets/sheet1.xml"
SHARED = "xl/sharedStrings.xml"

Part = str | bytes | Iterable[bytes]  # an iterable is streamed into the archive piece by piece


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(rows: str, *, dimension: str = "", prolog: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'{prolog}<worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData></worksheet>'


def header_sheet(*extra_cells: str, dimension: str = "") -> str:
    """A header «Name», «Phone» and one client row; ``extra_cells`` join the header row."""
    header = cell("A1", "Name") + cell("B1", "Phone") + "".join(extra_cells)
    client = cell("A2", "Анна") + cell("B2", "+79161234567")
    return sheet_xml(f'<row r="1">{header}</row><row r="2">{client}</row>', dimension=dimension)


def workbook(sheet: Part, **parts: Part) -> bytes:
    """A workbook with this sheet; ``parts`` (by path, ``/`` written ``__``) add or replace."""
    named = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        SHEET: sheet,
    }
    named.update({path.replace("__", "/"): part for path, part in parts.items()})
    return archive(named)


def archive(parts: dict[str, Part]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, part in parts.items():
            if isinstance(part, str | bytes):
                zipped.writestr(name, part)
                continue
            with zipped.open(name, "w", force_zip64=True) as target:
                for piece in part:
                    target.write(piece)
    return buffer.getvalue()


def repeated(piece: bytes, total: int, *, head: bytes = b"", tail: bytes = b"") -> Iterable[bytes]:
    """``head``, then ``piece`` again and again to about ``total`` bytes, then ``tail``."""
    yield head
    block = piece * max(1, (1024 * 1024) // len(piece))
    for _ in range(max(1, total // len(block))):
        yield block
    yield tail


def shared_strings_bomb(megabytes: int) -> Iterable[bytes]:
    """One shared string after another, identical: packs about a thousand to one."""
    return repeated(
        b"<si><t>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</t></si>",
        megabytes * 1024 * 1024,
        head=f'<sst xmlns="{MAIN}">'.encode(),
        tail=b"</sst>",
    )


def many_entries(count: int) -> bytes:
    parts: dict[str, Part] = {f"xl/media/{i}.bin": b"" for i in range(count)}
    return archive({**parts, SHEET: header_sheet()})


XXE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def xxe_sheet() -> str:
    row = f'<row r="1">{cell("A1", "Name")}{cell("B1", "&xxe;")}</row>'
    return sheet_xml(row, prolog=XXE)


def laughs_sheet() -> str:
    row = f'<row r="1">{cell("A1", "Name")}{cell("B1", "&lol9;")}</row>'
    return sheet_xml(row, prolog=LAUGHS)
