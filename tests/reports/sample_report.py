"""A tiny report used to test the framework alone: calls by direction, from raw rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from callcenter.calls.models import CallRow
from callcenter.reports.filters import ReportFilters
from callcenter.reports.registry import ReportSpec
from callcenter.reports.tables import Column, Table


@dataclass
class SampleReport:
    filters: ReportFilters
    rows: list[tuple[str, int, float]] = field(default_factory=list)

    def tables(self) -> list[Table]:
        columns = (
            Column("direction", "Direction", "term"),
            Column("calls", "Calls"),
            Column("talk_seconds", "Talk", "seconds"),
        )
        return [Table("directions", "Calls by direction", columns, list(self.rows))]

    def as_dict(self) -> dict[str, Any]:
        return {"filters": self.filters.as_dict(), "directions": self.tables()[0].as_dict()}


async def sample_report(session: Any, *, filters: ReportFilters, user: Any) -> SampleReport:
    rows = await session.execute(
        select(CallRow.direction, func.count(), func.coalesce(func.sum(CallRow.talk_seconds), 0))
        .where(CallRow.started_at >= filters.since, CallRow.started_at < filters.until)
        .where(CallRow.queue == filters.queue if filters.queue else True)
        .group_by(CallRow.direction)
        .order_by(CallRow.direction)
    )
    return SampleReport(filters, [tuple(r) for r in rows])


REPORT = ReportSpec(
    name="sample",
    title="Calls",
    summary="Calls by direction",
    build=sample_report,
    filters=("queue",),
    page="reports/tables.html",
)
