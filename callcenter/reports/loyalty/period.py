"""Loyalty in a period, summed from ``loyalty_hours`` (or, kept to two or three of manager,
channel and segment, ``loyalty_cube_hours``): orders first and repeat, time between orders,
repeat calls, feedback, NPS and complaints, by day or month of the user's zone."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.i18n import N_
from callcenter.reports.filters import ReportFilters
from callcenter.reports.loyalty.models import LoyaltyHour, loyalty_cube_hours
from callcenter.reports.tables import mean, share

MONTHLY_AFTER_DAYS = 62  # a longer period is shown by month, a shorter one by day
GAP_BUCKETS = (
    ("gaps_30", N_("up to 30 days")),
    ("gaps_90", N_("31-90 days")),
    ("gaps_180", N_("91-180 days")),
    ("gaps_365", N_("181-365 days")),
    ("gaps_longer", N_("over a year")),
)


@dataclass
class PeriodSums:
    """Additive sums over some hours."""

    orders: int = 0
    first_orders: int = 0
    repeat_orders: int = 0
    revenue: Decimal = Decimal(0)
    repeat_revenue: Decimal = Decimal(0)
    gap_seconds: float = 0.0
    gaps_30: int = 0
    gaps_90: int = 0
    gaps_180: int = 0
    gaps_365: int = 0
    gaps_longer: int = 0
    client_calls: int = 0
    repeat_calls: int = 0
    feedback: int = 0
    complaints: int = 0
    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    ratings: int = 0
    rating_total: int = 0

    def add(self, other: PeriodSums) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def repeat_share(self) -> float | None:
        return share(self.repeat_orders, self.orders)

    @property
    def days_between_orders(self) -> float | None:
        return mean(self.gap_seconds / 86400, self.repeat_orders)

    @property
    def repeat_call_share(self) -> float | None:
        return share(self.repeat_calls, self.client_calls)

    @property
    def nps(self) -> float | None:
        """% promoters (9-10) minus % detractors (0-6)."""
        if not self.nps_answers:
            return None
        return round(100.0 * (self.promoters - self.detractors) / self.nps_answers, 1)

    @property
    def promoter_share(self) -> float | None:
        return share(self.promoters, self.nps_answers)

    @property
    def detractor_share(self) -> float | None:
        return share(self.detractors, self.nps_answers)

    @property
    def average_rating(self) -> float | None:
        return mean(self.rating_total, self.ratings)

    @property
    def complaints_per_100_orders(self) -> float | None:
        return share(self.complaints, self.orders)

    def row(self, label: Any) -> tuple[Any, ...]:
        return (
            label,
            self.orders,
            self.first_orders,
            self.repeat_orders,
            self.repeat_share,
            self.revenue,
            self.repeat_revenue,
            self.days_between_orders,
            self.client_calls,
            self.repeat_calls,
            self.repeat_call_share,
            self.nps_answers,
            self.nps,
            self.average_rating,
            self.complaints,
            self.complaints_per_100_orders,
        )


def dimensions_of(filters: ReportFilters) -> list[tuple[str, int]]:
    """The client's dimensions the period is kept to: (owner_id | channel_id | segment_id, id)."""
    return [
        (column, value)
        for column, value in (
            ("owner_id", filters.manager),
            ("channel_id", filters.channel),
            ("segment_id", filters.segment),
        )
        if value is not None
    ]


_DIMENSION = {"all": "all", "owner_id": "manager", "channel_id": "channel", "segment_id": "segment"}


def trend_unit(filters: ReportFilters) -> str:
    return "month" if filters.days > MONTHLY_AFTER_DAYS else "day"


async def period_sums(
    session: AsyncSession, filters: ReportFilters
) -> list[tuple[date, PeriodSums]]:
    """The sums by day or month (local to the filters' zone), oldest first."""
    kept = dimensions_of(filters)
    if len(kept) > 1:  # two or three together: the cube
        table = loyalty_cube_hours
        where = [table.c[column] == value for column, value in kept]
    else:  # none or one: its own rows of loyalty_hours
        table = LoyaltyHour.__table__  # type: ignore[assignment]
        dimension, member = kept[0] if kept else ("all", 0)
        where = [table.c.dimension == _DIMENSION[dimension], table.c.member == member]
    bucket = cast(
        func.date_trunc(trend_unit(filters), func.timezone(filters.timezone, table.c.hour)), Date
    )
    names = [f.name for f in fields(PeriodSums)]
    rows = await session.execute(
        select(bucket, *(func.sum(table.c[n]) for n in names))
        .where(*where, table.c.hour >= filters.since, table.c.hour < filters.until)
        .group_by(bucket)
        .order_by(bucket)
    )
    return [
        (row[0], PeriodSums(**{n: _typed(n, v) for n, v in zip(names, row[1:], strict=True)}))
        for row in rows
    ]


def _typed(name: str, value: Any) -> Any:
    if name in ("revenue", "repeat_revenue"):
        return Decimal(value or 0)
    if name == "gap_seconds":
        return float(value or 0.0)
    return int(value or 0)
