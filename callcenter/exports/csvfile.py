"""A streaming CSV writer for spreadsheets: UTF-8 with a BOM so Excel reads Cyrillic right,
``;`` between fields where the decimal comma is usual (Russian), ``,`` elsewhere."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

# Excel runs a cell starting with = + - @ as a formula; numbers like +7 916... stay as they are
_FORMULA = re.compile(r"^[=@\t\r]|^[+-](?![\d\s().-]*$)")


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
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


class CsvWriter:
    def __init__(
        self, headers: list[str], *, delimiter: str, timezone: str, decimal_comma: bool = False
    ) -> None:
        """``decimal_comma``: 3900,10 as Russian Excel reads a number (3900.10 otherwise)."""
        self.headers, self.comma = headers, decimal_comma
        self.tz = ZoneInfo(timezone)
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\r\n")

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
