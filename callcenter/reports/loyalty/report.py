"""The loyalty report: how clients come back, in the period (from ``loyalty_hours``) and as
the client base stands now (from ``client_loyalty``); the rules are in ``rules.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.i18n import N_
from callcenter.reports.filters import ReportFilters, own_figures
from callcenter.reports.loyalty.base import BaseFigures, base_figures, churned_clients
from callcenter.reports.loyalty.period import (
    GAP_BUCKETS,
    PeriodSums,
    period_sums,
    trend_unit,
)
from callcenter.reports.loyalty.rules import SEGMENTS
from callcenter.reports.registry import ReportSpec
from callcenter.reports.tables import Column, Table, share

TREND_COLUMNS = (
    Column("orders", N_("Orders")),
    Column("first_orders", N_("First orders")),
    Column("repeat_orders", N_("Repeat orders")),
    Column("repeat_share", N_("Repeat orders, %%"), "percent"),
    Column("revenue", N_("Revenue"), "money"),
    Column("repeat_revenue", N_("Revenue of repeat orders"), "money"),
    Column("days_between_orders", N_("Days between orders")),
    Column("client_calls", N_("Calls from clients")),
    Column("repeat_calls", N_("Repeat calls")),
    Column("repeat_call_share", N_("Repeat calls, %%"), "percent"),
    Column("nps_answers", N_("NPS answers")),
    Column("nps", N_("NPS")),
    Column("average_rating", N_("Average rating")),
    Column("complaints", N_("Complaints")),
    Column("complaints_per_100_orders", N_("Complaints per 100 orders")),
)


@dataclass
class LoyaltyReport:
    filters: ReportFilters
    now: datetime
    unit: str  # day | month
    trend: list[tuple[date, PeriodSums]]
    base: BaseFigures
    churned_list: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def period(self) -> PeriodSums:
        total = PeriodSums()
        for _, sums in self.trend:
            total.add(sums)
        return total

    def tables(self) -> list[Table]:
        return [
            self._trend_table(),
            self._gaps_table(),
            self._base_table(),
            self._segments_table(),
            self._churned_table(),
        ]

    def _trend_table(self) -> Table:
        first = Column("day", N_("Day") if self.unit == "day" else N_("Month"), "date")
        rows = [sums.row(day) for day, sums in self.trend]
        total = self.period.row(None)
        return Table("trend", N_("In the period"), (first, *TREND_COLUMNS), rows, total)

    def _gaps_table(self) -> Table:
        period = self.period
        rows = [
            (label, getattr(period, key), share(getattr(period, key), period.repeat_orders))
            for key, label in GAP_BUCKETS
        ]
        columns = (
            Column("gap", N_("Time since the previous order"), "term"),
            Column("repeat_orders", N_("Repeat orders")),
            Column("share", N_("Share"), "percent"),
        )
        return Table("gaps", N_("Time between orders"), columns, rows)

    def _base_table(self) -> Table:
        b = self.base
        rows = [
            (N_("Clients"), b.clients, None),
            (N_("Buyers"), b.buyers, share(b.buyers, b.clients)),
            (N_("Repeat buyers"), b.repeat_buyers, share(b.repeat_buyers, b.buyers)),
            (N_("Callers"), b.callers, share(b.callers, b.clients)),
            (N_("Repeat callers"), b.repeat_callers, share(b.repeat_callers, b.callers)),
            (N_("Churned clients"), b.churned, share(b.churned, b.buyers)),
        ]
        columns = (
            Column("figure", N_("Clients now"), "term"),
            Column("clients", N_("Clients")),
            Column("share", N_("Share"), "percent"),
        )
        return Table("clients_now", N_("The client base now"), columns, rows)

    def _segments_table(self) -> Table:
        found = self.base.segments()
        rows = []
        for name, *_ in SEGMENTS:
            clients, revenue, churned = found.get(name, (0, 0, 0))
            rows.append((name, clients, share(clients, self.base.buyers), revenue, churned))
        columns = (
            Column("segment", N_("RFM segment"), "term"),
            Column("clients", N_("Clients")),
            Column("share", N_("Share of buyers"), "percent"),
            Column("revenue", N_("Revenue"), "money"),
            Column("churned", N_("Churned")),
        )
        return Table("rfm_segments", N_("RFM segments"), columns, rows)

    def _churned_table(self) -> Table:
        columns = (
            Column("client", N_("Client"), "text"),
            Column("manager", N_("Manager"), "text"),
            Column("orders", N_("Orders")),
            Column("revenue", N_("Revenue"), "money"),
            Column("last_order_at", N_("Last order"), "datetime"),
            Column("last_call_at", N_("Last call"), "datetime"),
            Column("rhythm_days", N_("Orders every, days")),
            Column("churned_at", N_("Churned since"), "datetime"),
        )
        rows = [row[:8] for row in self.churned_list]
        return Table("churned", N_("Churned clients who bought the most"), columns, rows)

    def as_dict(self) -> dict[str, Any]:
        period, base = self.period, self.base
        return {
            "filters": self.filters.as_dict(),
            "now": self.now,
            "period": {
                "orders": period.orders,
                "repeat_orders": period.repeat_orders,
                "repeat_share": period.repeat_share,
                "days_between_orders": period.days_between_orders,
                "repeat_call_share": period.repeat_call_share,
                "nps": period.nps,
                "complaints_per_100_orders": period.complaints_per_100_orders,
            },
            "client_base": {
                "clients": base.clients,
                "buyers": base.buyers,
                "repeat_buyers": base.repeat_buyers,
                "callers": base.callers,
                "repeat_callers": base.repeat_callers,
                "churned": base.churned,
                "churned_revenue": base.churned_revenue,
                "recency_by_frequency": base.recency_by_frequency(),
                "monetary": base.monetary(),
            },
            **{t.name: t.as_dict() for t in self.tables()},
            "trend_totals": dict(
                zip([c.key for c in self.tables()[0].columns], self.period.row(None), strict=True)
            ),
            "churned_client_ids": [row[8] for row in self.churned_list],
        }


async def loyalty_report(
    session: AsyncSession, *, filters: ReportFilters, user: Any, now: datetime | None = None
) -> LoyaltyReport:
    filters = own_figures(filters, user)
    now = now or utcnow()
    return LoyaltyReport(
        filters=filters,
        now=now,
        unit=trend_unit(filters),
        trend=await period_sums(session, filters),
        base=await base_figures(session, filters, now),
        churned_list=await churned_clients(session, filters, now),
    )


REPORT = ReportSpec(
    name="loyalty",
    title=N_("Loyalty"),
    summary=N_("Repeat buyers and callers, time between orders, RFM, churn, NPS, complaints"),
    build=loyalty_report,
    filters=("manager", "channel", "segment"),
)
