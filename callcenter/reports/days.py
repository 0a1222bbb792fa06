"""Day rollups: a table of sums per UTC day, and the query that makes those rows from the raw
ones, used both to rebuild days and to read a period exactly in any time zone.

A report's period runs from a local midnight to a local midnight, which is not a UTC
midnight: the whole UTC days inside it come from the rollup, the few hours left at either
end from the raw rows by the same query (``facts``), so every figure is exact and reading a
year costs the same as reading a day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Subquery,
    Table,
    delete,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.reports.rollups import Rollup

DAY = timedelta(days=1)

Facts = Callable[[datetime, datetime], Any]  # rows stamped in [lo, hi), grouped
Changed = Callable[[datetime | None], Any]  # days whose rows changed after a moment


def day_of(stamp: Any) -> ColumnElement[datetime]:
    """The UTC day a timestamp falls on, as the aware midnight that starts it."""
    return func.date_trunc(literal_column("'day'"), stamp, literal_column("'UTC'"))


def utc_midnight(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime.combine(moment.date(), time(0), UTC)


def whole_days(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """The UTC days wholly inside [since, until), as [first, last); empty when none is."""
    first = utc_midnight(since)
    if first < since:
        first += DAY
    last = utc_midnight(until)
    return (first, last) if first < last else (since, since)


def day_ranges(days: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Runs of consecutive days as [start, end) ranges."""
    ranges: list[tuple[datetime, datetime]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] == day:
            ranges[-1] = (ranges[-1][0], day + DAY)
        else:
            ranges.append((day, day + DAY))
    return ranges


@dataclass(frozen=True)
class DayRollup:
    table: Table
    facts: Facts  # the table's columns in its order, from the raw rows
    changed: Changed
    chunk: int = 31

    async def touched(self, session: AsyncSession, since: datetime | None) -> list[datetime]:
        return [day for (day,) in await session.execute(self.changed(since)) if day is not None]

    async def rebuild(self, session: AsyncSession, days: list[datetime]) -> None:
        await session.execute(delete(self.table).where(self.table.c.day.in_(days)))
        columns = [c.name for c in self.table.columns]
        for lo, hi in day_ranges(days):
            await session.execute(self.table.insert().from_select(columns, self.facts(lo, hi)))

    def rollup(self) -> Rollup:
        return Rollup(self.table.name, self.touched, self.rebuild, chunk=self.chunk)

    def period(self, since: datetime, until: datetime) -> Subquery:
        """The table's rows for [since, until): whole days from the rollup, the ends raw."""
        first, last = whole_days(since, until)
        parts: list[Any] = []
        if first < last:
            day = self.table.c.day
            parts.append(select(self.table).where(day >= first, day < last))
            if since < first:
                parts.append(self.facts(since, first))
            if last < until:
                parts.append(self.facts(last, until))
        else:
            parts.append(self.facts(since, until))
        return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
