"""A report's tables: what the page shows as a grid, the API gives as rows and the export
writes to XLSX/CSV, from one description."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from callcenter.exports.columns import Column as ExportColumn

# how a column's values read: text | term (a word translated as shown) | number | seconds
# (a duration) | percent (0-100) | money (Decimal) | datetime | date
KINDS = ("text", "term", "number", "seconds", "percent", "money", "datetime", "date")
_EXPORT_KIND = {"money": "money", "datetime": "datetime", "term": "term"}


@dataclass(frozen=True)
class Column:
    key: str  # the row's field in the API
    label: str  # N_-marked
    kind: str = "number"

    def export_column(self) -> ExportColumn:
        return ExportColumn(self.label, _EXPORT_KIND.get(self.kind, "text"), width=18)


@dataclass
class Table:
    name: str  # a slug: the export's ``table=`` and the API's key
    title: str  # N_-marked
    columns: Sequence[Column]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    totals: tuple[Any, ...] | None = None  # a last row summing the others, if it means anything

    def as_dict(self) -> list[dict[str, Any]]:
        keys = [c.key for c in self.columns]
        return [{k: jsonable(v) for k, v in zip(keys, row, strict=True)} for row in self.rows]

    def export_rows(self) -> list[tuple[Any, ...]]:
        """Rows for a file: durations and percents as plain numbers, the totals last."""
        rows = self.rows + ([self.totals] if self.totals is not None else [])
        return [tuple(_plain(v) for v in row) for row in rows]


class Report(Protocol):
    """What every report's result gives: the API's body and the tables to show and export."""

    def as_dict(self) -> dict[str, Any]: ...

    def tables(self) -> list[Table]: ...


def jsonable(value: Any) -> Any:
    """Decimals as strings (money keeps its kopecks), instants and days as ISO 8601."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value


def share(part: float, whole: float) -> float | None:
    """100 x part / whole, or None (shown as a dash) when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None


def mean(total: float, count: float) -> float | None:
    return round(total / count, 1) if count else None
