"""Reading an uploaded table: XLSX, or CSV in any common encoding and delimiter.

Every cell comes out as text; rows are numbered as a spreadsheet shows them (the header is
line 1), so a bad row is reported where the user will look for it.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

import charset_normalizer

from callcenter.i18n import N_
from callcenter.imports.exceptions import ImportInvalid
from callcenter.imports.xlsx_reader import xlsx_rows

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# what a spreadsheet or a 1C export here is saved in, when it is not UTF-8
LIKELY_ENCODINGS = [
    "cp1251",
    "koi8_r",
    "cp866",
    "mac_cyrillic",
    "utf_16_le",
    "utf_16_be",
    "cp1252",
    "latin_1",
]
DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class FileShape:
    file_format: str  # csv | xlsx
    encoding: str = ""
    delimiter: str = ""


Row = tuple[int, list[str]]  # (line as the spreadsheet numbers it, cell texts)


def detect_shape(content: bytes) -> FileShape:
    if not content.strip():
        raise ImportInvalid(N_("The file is empty"))
    if content.startswith(XLSX_MAGIC):
        return FileShape("xlsx")
    if content.startswith(OLE_MAGIC):
        raise ImportInvalid(N_("This is the old .xls format: save the file as .xlsx or .csv"))
    encoding = detect_encoding(content)
    text = content[:65536].decode(encoding, errors="ignore")
    return FileShape("csv", encoding, detect_delimiter(text))


def detect_encoding(content: bytes) -> str:
    for bom, encoding in BOMS:
        if content.startswith(bom):
            return encoding
    try:
        content.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(content, cp_isolation=LIKELY_ENCODINGS).best()
    if best is None:
        raise ImportInvalid(N_("Cannot tell the file's encoding: save it as UTF-8 CSV or XLSX"))
    return str(best.encoding)


def detect_delimiter(sample: str) -> str:
    """csv.Sniffer's guess when it finds one that splits the header, else the most common."""
    lines = sample.splitlines()[:50]
    head = "\n".join(lines)
    try:
        sniffed = csv.Sniffer().sniff(head, delimiters=DELIMITERS).delimiter
        if len(next(csv.reader([lines[0]], delimiter=sniffed))) > 1:
            return sniffed
    except (csv.Error, StopIteration, IndexError):
        pass
    first = lines[0] if lines else ""
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def cell_text(value: object) -> str:
    """A cell as a person would have typed it: 79161234567.0 is 79161234567, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def read_rows(content: bytes, shape: FileShape) -> Generator[Row, None, None]:
    """Every non-empty row, the header first."""
    if shape.file_format == "xlsx":
        rows: Iterator[Row] = xlsx_rows(content)
    else:
        rows = enumerate(_csv_rows(content, shape), start=1)
    for line, cells in rows:
        if any(cells):
            yield line, cells


def _csv_rows(content: bytes, shape: FileShape) -> Iterator[list[str]]:
    try:
        text = content.decode(shape.encoding)
    except (UnicodeDecodeError, LookupError):
        raise ImportInvalid(
            N_("Cannot tell the file's encoding: save it as UTF-8 CSV or XLSX")
        ) from None
    text = text.removeprefix("\ufeff")
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=shape.delimiter or ","):
        yield [cell.strip() for cell in row]


def read_head(content: bytes, shape: FileShape, rows: int) -> tuple[list[str], list[Row]]:
    """The header and the first ``rows`` rows after it, for matching and the preview."""
    found = read_rows(content, shape)
    try:
        _line, headers = next(found)
    except StopIteration:
        raise ImportInvalid(N_("The file has no rows")) from None
    sample: list[Row] = []
    for row in found:
        if len(sample) >= rows:
            break
        sample.append(row)
    found.close()
    return headers, sample
