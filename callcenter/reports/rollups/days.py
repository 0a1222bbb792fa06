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
    Column,
    ColumnElement,
    MetaData,
    Subquery,
    Table,
    delete,
    func,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.reports.rollups.refresh import Rollup

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
    slices: tuple[Table, ...] = ()  # narrower copies, rebuilt with it (``slices.slice_of``)

    async def touched(self, session: AsyncSession, since: datetime | None) -> list[datetime]:
        return [day for (day,) in await session.execute(self.changed(since)) if day is not None]

    async def rebuild(self, session: AsyncSession, days: list[datetime]) -> None:
        await session.execute(delete(self.table).where(self.table.c.day.in_(days)))
        columns = [c.name for c in self.table.columns]
        for lo, hi in day_ranges(days):
            await session.execute(self.table.insert().from_select(columns, self.facts(lo, hi)))
        for narrow in self.slices:
            await session.execute(delete(narrow).where(narrow.c.day.in_(days)))
            dims = [self.table.c[c.name] for c in narrow.columns if c.primary_key]
            sums = [func.sum(self.table.c[c.name]) for c in narrow.columns if not c.primary_key]
            rows = select(*dims, *sums).where(self.table.c.day.in_(days)).group_by(*dims)
            await session.execute(
                narrow.insert().from_select([c.name for c in narrow.columns], rows)
            )

    def rollup(self) -> Rollup:
        return Rollup(self.table.name, self.touched, self.rebuild, chunk=self.chunk)

    def narrowest(self, wanted: set[str]) -> Table:
        """The first slice holding every ``wanted`` column, else the whole table."""
        return next((t for t in self.slices if wanted <= set(t.c.keys())), self.table)

    async def period(
        self, session: AsyncSession, since: datetime, until: datetime, wanted: set[str]
    ) -> Subquery:
        """Rows for [since, until): whole days from the rollup (its narrowest slice holding
        the ``wanted`` columns), the hours at either end from the raw rows."""
        table = self.narrowest(wanted)
        first, last = whole_days(since, until)
        parts: list[Any] = []
        if first < last:
            day = table.c.day
            parts.append(select(table).where(day >= first, day < last))
            ends = [(since, first), (last, until)]
        else:
            ends = [(since, until)]
        raw = await self.raw(session, [(lo, hi) for lo, hi in ends if lo < hi])
        if raw is not None:
            parts.append(select(*(raw.c[c.name] for c in table.columns)))
        return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()

    async def raw(
        self, session: AsyncSession, ranges: list[tuple[datetime, datetime]]
    ) -> Table | None:
        """The raw rows of these ranges summed as the rollup's, in a temporary table made
        once per transaction (a report reads them several times)."""
        if not ranges:
            return None
        transaction = session.sync_session.get_transaction()
        cached = session.info.get("report_raw_rows")
        if transaction is None or cached is None or cached[0] is not transaction:
            cached = session.info["report_raw_rows"] = (transaction, {})  # new transaction
        made: dict[Any, Table] = cached[1]
        key = (self.table.name, tuple(ranges))
        if key not in made:
            name = f"report_raw_{len(made)}"
            await session.execute(
                text(f"CREATE TEMPORARY TABLE {name} (LIKE {self.table.name}) ON COMMIT DROP")
            )
            if cached[0] is None:  # the statement above began the transaction
                session.info["report_raw_rows"] = cached = (
                    session.sync_session.get_transaction(),
                    made,
                )
            columns: list[Any] = [Column(c.name, c.type) for c in self.table.columns]
            made[key] = Table(name, MetaData(), *columns)
            facts: list[Any] = [self.facts(lo, hi) for lo, hi in ranges]
            rows: Any = union_all(*facts) if len(facts) > 1 else facts[0]
            names = [c.name for c in self.table.columns]
            await session.execute(made[key].insert().from_select(names, rows))
        return made[key]


async def add_delta(session: AsyncSession, rollup: DayRollup, signed: str, params: Any) -> None:
    """Add signed rows to the rollup and its slices: ``signed`` is SQL giving rows of the
    rollup's columns, +1 x the new facts and -1 x the old ones (so a refresh costs what
    changed, not whole days). Rows summed to nothing are dropped."""
    cube = rollup.table
    await session.execute(
        text(f"CREATE TEMPORARY TABLE report_delta (LIKE {cube.name}) ON COMMIT DROP")
    )
    await session.execute(text(f"INSERT INTO report_delta {signed}"), params)
    for table in (cube, *rollup.slices):
        dims = [c.name for c in table.columns if c.primary_key]
        sums = [c.name for c in table.columns if not c.primary_key]
        added = ", ".join(f"{s} = {table.name}.{s} + excluded.{s}" for s in sums)
        await session.execute(
            text(
                f"INSERT INTO {table.name} ({', '.join(dims + sums)}) "
                f"SELECT {', '.join(dims)}, {', '.join(f'sum({s})' for s in sums)} "
                f"FROM report_delta GROUP BY {', '.join(dims)} "
                f"HAVING {' OR '.join(f'sum({s}) <> 0' for s in sums)} "
                f"ON CONFLICT ({', '.join(dims)}) DO UPDATE SET {added}"
            )
        )
        await session.execute(
            text(
                f"DELETE FROM {table.name} WHERE day IN (SELECT DISTINCT day FROM report_delta) "
                f"AND {' AND '.join(f'{s} = 0' for s in sums)}"
            )
        )
    await session.execute(text("DROP TABLE report_delta"))
