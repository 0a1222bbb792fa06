"""A streaming CSV writer for spreadsheets: UTF-8 with a BOM so Excel reads Cyrillic right,
``;`` between fields where the decimal comma is usual (Russian), ``,`` elsewhere.

No cell may become a formula, whichever separator the spreadsheet splits on: a comma file
opened by a Russian-locale Excel is split on ``;`` (and a quote in mid-field is no quote to
it), so every field is quoted and every piece of a value that could begin a cell (its start,
and whatever follows a ``,`` ``;`` tab or line break) gets a leading ``'`` when it would
start a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

# Excel runs a cell starting with = + - @ as a formula, after blanks it may trim and quotes a
# reader split in mid-field may drop. Any of these separators may end a cell as a spreadsheet
# splits the file, so each piece between them is looked at as the start of a cell.
_SEPARATOR = re.compile(r"([,;\t\r\n])")
_LEAD_IN = ' "'
# numbers like +7 916 123-45-67 or -5 compute nothing: they stay as they are, alone or as a
# list (+74957654321, +79161234567), so phones read as they were typed. The value must end in
# a digit or ")": a reader that splits in mid-field runs the next field on into the cell,
# and a number then a quote is no formula, where "-" or "(" then a quote could start one.
_NUMBER = re.compile(r"[+-]?[\d ().-]*")
_NUMBER_ENDS = tuple("0123456789)")  # what each piece ends with, as any may end a cell


def _number(piece: str) -> bool:
    bare = piece.lstrip(" ")
    return not bare or (bare.endswith(_NUMBER_ENDS) and _NUMBER.fullmatch(bare) is not None)


def defuse_formulas(value: str) -> str:
    """``value`` with a ``'`` before every piece that a spreadsheet could run as a formula,
    whichever of ``,`` ``;`` tab or a line break it splits cells on. Linear in the length."""
    parts = _SEPARATOR.split(value)
    pieces, separators = parts[0::2], parts[1::2]
    numbers_from = len(pieces)  # pieces[numbers_from:] are numbers parted by , or ;
    if value.endswith(_NUMBER_ENDS):
        for i in range(len(pieces) - 1, -1, -1):
            joined = i == len(pieces) - 1 or separators[i] in ",;"
            if not (joined and numbers_from == i + 1 and _number(pieces[i])):
                break
            numbers_from = i
    out: list[str] = []
    for i, piece in enumerate(pieces):
        bare = piece.lstrip(_LEAD_IN)
        if bare[:1] in ("=", "@") or (bare[:1] in ("+", "-") and numbers_from > i):
            piece = "'" + piece
        out.append(piece)
        if i < len(separators):
            out.append(separators[i])
    return "".join(out)


DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}


def delimiter_for(language: str, asked: str = "") -> str:
    """The asked one (comma, semicolon, tab), else what Excel expects in the language."""
    return DELIMITERS.get(asked) or (";" if language == "ru" else ",")


def _text(value: Any, tz: ZoneInfo, comma: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",") if comma else f"{value:f}"
    if isinstance(value, float):  # a report's percent or seconds
        return str(value).replace(".", ",") if comma else str(value)
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value.tzinfo else value
    if isinstance(value, str):
        return defuse_formulas(value)
    return value


class CsvWriter:
    def __init__(
        self, headers: list[str], *, delimiter: str, timezone: str, decimal_comma: bool = False
    ) -> None:
        """``decimal_comma``: 3900,10 as Russian Excel reads a number (3900.10 otherwise)."""
        self.headers, self.comma = headers, decimal_comma
        self.tz = ZoneInfo(timezone)
        self._buffer = io.StringIO()
        self._csv = csv.writer(
            self._buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL
        )

    def start(self) -> bytes:
        self._csv.writerow(self.headers)
        return "\ufeff".encode() + self._take()

    def rows(self, batch: Iterable[tuple[Any, ...]]) -> bytes:
        tz, comma = self.tz, self.comma
        self._csv.writerows([_text(v, tz, comma) for v in row] for row in batch)
        return self._take()

    def finish(self) -> bytes:
        return b""

    def _take(self) -> bytes:
        data = self._buffer.getvalue().encode()
        self._buffer.seek(0)
        self._buffer.truncate()
        return data
