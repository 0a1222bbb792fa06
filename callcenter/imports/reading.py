"""Reading an uploaded table: XLSX, or CSV in any common encoding and delimiter.

Every cell comes out as text; rows are numbered as a spreadsheet shows them (the header is
line 1), so a bad row is reported where the user will look for it. Every read is held to the
upload's limits (limits.py) as it streams: a CSV is decoded a line at a time, each line, cell,
row and the row count bounded, and its encoding is told from a bounded sample. All of it is
plain blocking work: callers run it in a worker thread, never on the event loop.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

import charset_normalizer

from callcenter.i18n import N_
from callcenter.imports.exceptions import ImportInvalid
from callcenter.imports.limits import (
    NOT_A_WORKBOOK,
    UploadLimits,
    bounded_row,
    field_too_long,
    line_too_long,
    too_many_rows,
    trimmed,
)
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
SNIFFED_CHARS = 16 * 1024  # the delimiter is guessed from the first lines, at most this much
SAMPLE_BYTES = 256 * 1024  # the encoding is guessed from this much, where the text is not ASCII
_VALIDATED_BYTES = 1024 * 1024  # UTF-8 is checked a piece at a time, each piece this long
XLSX_NAMES = (".xlsx", ".xlsm")
_NOT_ASCII_LINE = re.compile(rb"[^\n\x80-\xff]*[\x80-\xff][^\n]*\n?")
UNKNOWN_ENCODING = N_("Cannot tell the file's encoding: save it as UTF-8 CSV or XLSX")


@dataclass(frozen=True)
class FileShape:
    file_format: str  # csv | xlsx
    encoding: str = ""
    delimiter: str = ""


Row = tuple[int, list[str]]  # (line as the spreadsheet numbers it, cell texts)


def detect_shape(content: bytes, file_name: str = "") -> FileShape:
    """XLSX or CSV (with its encoding and delimiter), from a bounded look at the content."""
    if not content.strip():
        raise ImportInvalid(N_("The file is empty"))
    if content.startswith(XLSX_MAGIC):
        return FileShape("xlsx")
    if content.startswith(OLE_MAGIC):
        raise ImportInvalid(N_("This is the old .xls format: save the file as .xlsx or .csv"))
    if file_name.lower().endswith(XLSX_NAMES):
        raise ImportInvalid(NOT_A_WORKBOOK)
    encoding = detect_encoding(content)
    if "\0" in content[:SAMPLE_BYTES].decode(encoding, errors="ignore"):
        raise ImportInvalid(N_("This file is neither an XLSX workbook nor a CSV text"))
    text = content[: SNIFFED_CHARS * 4].decode(encoding, errors="ignore")[:SNIFFED_CHARS]
    return FileShape("csv", encoding, detect_delimiter(text))


def detect_encoding(content: bytes) -> str:
    for bom, encoding in BOMS:
        if content.startswith(bom):
            return encoding
    bad = _first_non_utf8(content)
    if bad < 0 and b"\0" not in content[:SAMPLE_BYTES]:
        return "utf-8"  # (UTF-16 without a BOM may be valid UTF-8 too: NULs tell it apart)
    sample = _sample(content, bad)
    best = charset_normalizer.from_bytes(sample, cp_isolation=LIKELY_ENCODINGS).best()
    if best is None:
        raise ImportInvalid(UNKNOWN_ENCODING)
    return str(best.encoding)


def _first_non_utf8(content: bytes) -> int:
    """Where the content stops being UTF-8 (-1: it is UTF-8 throughout), checked a piece at a
    time so that no piece holds the GIL for long."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    start = 0
    try:
        for start in range(0, len(content), _VALIDATED_BYTES):
            decoder.decode(view[start : start + _VALIDATED_BYTES])
        start = len(content)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return max(0, start + exc.start - len(decoder.getstate()[0]))
    return -1


def _sample(content: bytes, bad: int) -> bytes:
    """What the encoding is guessed from, at most SAMPLE_BYTES: the lines that are not
    ASCII, from a little before the first byte that is not UTF-8 on (a file of numbers
    may hold thousands of ASCII lines before its first name). Text with NULs (UTF-16 or
    32 without a BOM) has no lines to pick: a piece of it as it is."""
    start = max(0, bad - 4096) & ~3  # whole UTF-16/32 units
    if b"\0" in content[start : start + 4096]:
        return content[start : start + SAMPLE_BYTES]
    sample = bytearray()
    for offset in range(start, len(content), _VALIDATED_BYTES):
        piece = content[offset : offset + _VALIDATED_BYTES]
        if piece.isascii():
            continue
        for line in _NOT_ASCII_LINE.finditer(piece):
            sample += line.group()
            if len(sample) >= SAMPLE_BYTES:
                return bytes(sample[:SAMPLE_BYTES])
    return bytes(sample)


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


def read_rows(content: bytes, shape: FileShape, limits: UploadLimits) -> Generator[Row, None, None]:
    """Every non-empty row, the header first."""
    if shape.file_format == "xlsx":
        rows: Iterator[Row] = xlsx_rows(content, limits)
    else:
        rows = _csv_rows(content, shape, limits)
    for line, cells in rows:
        if any(cells):
            yield line, cells


def _csv_rows(content: bytes, shape: FileShape, limits: UploadLimits) -> Iterator[Row]:
    lines = _csv_lines(content, shape.encoding, limits)
    records = csv.reader(lines, delimiter=shape.delimiter or ",")
    line = 0
    try:
        for line, row in enumerate(records, start=1):
            if line > limits.max_rows + 1:  # the header and max_rows rows
                raise too_many_rows(limits)
            yield line, bounded_row(row, line, limits)
    except csv.Error as exc:
        if "field limit" in str(exc):  # the csv module's own cap on a field (128 KB)
            raise field_too_long(line + 1, limits) from None
        raise ImportInvalid(
            N_("Line %(line)s cannot be read as CSV: %(reason)s"),
            params={"line": str(line + 1), "reason": str(exc)[:200]},
        ) from None


def _csv_lines(content: bytes, encoding: str, limits: UploadLimits) -> Iterator[str]:
    """The text a line at a time (decoded in small pieces), each line bounded."""
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    number = 0
    try:
        while piece := text.readline(limits.max_line_chars + 1):
            number += 1
            if len(piece) > limits.max_line_chars:
                raise line_too_long(number, limits)
            yield piece.removeprefix("\ufeff") if number == 1 else piece
    except (UnicodeDecodeError, LookupError):
        raise ImportInvalid(UNKNOWN_ENCODING) from None


def read_header(
    content: bytes, file_name: str, limits: UploadLimits
) -> tuple[FileShape, list[str]]:
    """The file's shape and its header row, the file held to ``limits``."""
    shape = detect_shape(content, file_name)
    headers, _sample = read_head(content, shape, 0, limits)
    return shape, headers


def read_head(
    content: bytes, shape: FileShape, rows: int, limits: UploadLimits
) -> tuple[list[str], list[Row]]:
    """The header (its empty columns at the end left out) and the first ``rows`` rows after
    it, for matching and the preview."""
    found = read_rows(content, shape, limits)
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
    return trimmed(headers), sample
