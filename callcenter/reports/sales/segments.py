"""Segments: revenue, margin where known, orders and growth by the client's segment, tag,
region (from the address) and the order's channel: the most profitable first.

Orders taken in the period and not cancelled. The margin counts the lines whose product has
a cost: their amount less quantity x cost; "cost known for" says how much of the revenue that
covers. Growth compares the revenue with the period of the same length just before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.i18n import N_, translations
from callcenter.orders.models import OrderStatus
from callcenter.reports.filters import ReportFilters, own_figures
from callcenter.reports.registry import ReportSpec
from callcenter.reports.rollups.days import DayRollup
from callcenter.reports.sales.common import NONE_LABEL, growth, names, previous, rows_in
from callcenter.reports.sales.order_rollups import ORDER_DAYS, ORDER_REGION_DAYS, ORDER_TAG_DAYS
from callcenter.reports.tables import Column, Table, share

ZERO = Decimal("0.00")
# (table name, title, dimension label, rollup, column, kind of the names)
BREAKDOWNS = (
    ("segments", N_("By segment"), N_("Segment"), ORDER_DAYS, "segment_id", "segment"),
    ("tags", N_("By tag"), N_("Tag"), ORDER_TAG_DAYS, "tag_id", "tag"),
    ("regions", N_("By region"), N_("Region"), ORDER_REGION_DAYS, "region", "region"),
    ("channels", N_("By channel"), N_("Channel"), ORDER_DAYS, "channel_id", "channel"),
)


@dataclass(frozen=True)
class Figures:
    orders: int = 0
    revenue: Decimal = ZERO
    costed_revenue: Decimal = ZERO
    cost: Decimal = ZERO

    @property
    def margin(self) -> Decimal | None:
        return self.costed_revenue - self.cost if self.costed_revenue else None

    def row(self, name: str, before: Decimal) -> tuple[Any, ...]:
        margin = self.margin
        return (
            name,
            self.orders,
            self.revenue,
            share(float(self.costed_revenue), float(self.revenue)),
            margin,
            share(float(margin), float(self.costed_revenue)) if margin is not None else None,
            before,
            growth(self.revenue, before),
        )


def _columns(label: str) -> tuple[Column, ...]:
    return (
        Column("name", label, "text"),
        Column("orders", N_("Orders")),
        Column("revenue", N_("Revenue"), "money"),
        Column("cost_known", N_("Cost known for (share of revenue)"), "percent"),
        Column("margin", N_("Margin"), "money"),
        Column("margin_percent", N_("Margin rate"), "percent"),
        Column("revenue_before", N_("Revenue, period before"), "money"),
        Column("growth", N_("Growth"), "percent"),
    )


@dataclass
class SegmentsReport:
    filters: ReportFilters
    breakdowns: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    totals: tuple[Any, ...] | None = None
    figures: dict[str, list[tuple[str, Figures]]] = field(default_factory=dict)
    language: str = "en"

    def chart_parts(self, name: str) -> tuple[list[str], list[tuple[str, list[float]]]]:
        """Each row's revenue split into margin, cost and revenue of unknown cost."""
        gettext = translations(self.language).gettext
        rows = self.figures.get(name, [])
        parts = (
            (N_("Margin"), lambda f: f.costed_revenue - f.cost),
            (N_("Cost"), lambda f: f.cost),
            (N_("Revenue of unknown cost"), lambda f: f.revenue - f.costed_revenue),
        )
        return [label for label, _ in rows], [
            (gettext(title), [float(part(f)) for _, f in rows]) for title, part in parts
        ]

    def chart_revenue(self, name: str, first: int = 15) -> tuple[list[str], list[float]]:
        rows = sorted(self.figures.get(name, []), key=lambda r: -r[1].revenue)[:first]
        return [label for label, _ in rows], [float(f.revenue) for _, f in rows]

    def tables(self) -> list[Table]:
        return [
            Table(
                name,
                title,
                _columns(label),
                self.breakdowns.get(name, []),
                self.totals if name == "segments" else None,
            )
            for name, title, label, *_ in BREAKDOWNS
        ]

    def as_dict(self) -> dict[str, Any]:
        tables = {t.name: t.as_dict() for t in self.tables()}
        keys = [c.key for c in _columns("")]
        totals = dict(zip(keys, self.totals, strict=True)) if self.totals else None
        return {"filters": self.filters.as_dict(), **tables, "totals": totals}


async def _sold(
    session: AsyncSession, rollup: DayRollup, filters: ReportFilters, column: str
) -> Any:
    rows = await rows_in(
        session, rollup, filters, wanted={column, "status_id"} & set(rollup.table.c.keys())
    )
    if "status_id" not in rows.c:
        return rows  # the region and tag rollups hold no cancelled order
    cancelled = select(OrderStatus.id).where(OrderStatus.kind == "cancel")
    return select(rows).where(rows.c.status_id.not_in(cancelled)).subquery()


async def _figures(
    session: AsyncSession, rollup: DayRollup, column: str, filters: ReportFilters
) -> dict[Any, Figures]:
    rows = await _sold(session, rollup, filters, column)
    key = rows.c[column]
    sums = [func.sum(rows.c[c]) for c in ("orders", "revenue", "costed_revenue", "cost")]
    found = await session.execute(select(key, *sums).group_by(key))
    return {k: Figures(int(n), r, cr, c) for k, n, r, cr, c in found}


async def _breakdown(
    session: AsyncSession, spec: tuple[Any, ...], filters: ReportFilters, language: str
) -> tuple[list[tuple[Any, ...]], list[tuple[str, Figures]], Decimal]:
    _, _, _, rollup, column, kind = spec
    now = await _figures(session, rollup, column, filters)
    before = await _figures(session, rollup, column, previous(filters))
    if kind == "region":
        unknown = translations(language).gettext(NONE_LABEL["region"])
        named = {k: k or unknown for k in now}
    else:
        named = await names(session, kind, now, language)
    ranked = sorted(
        now.items(), key=lambda kv: (-(kv[1].margin or ZERO), -kv[1].revenue, str(kv[0]))
    )
    rows = [f.row(named.get(k, str(k)), before.get(k, Figures()).revenue) for k, f in ranked]
    before_total = sum((f.revenue for f in before.values()), ZERO)
    return rows, [(named.get(k, str(k)), f) for k, f in ranked], before_total


async def segments_report(
    session: AsyncSession, *, filters: ReportFilters, user: Any
) -> SegmentsReport:
    filters = own_figures(filters, user)
    report = SegmentsReport(filters, language=user.language)
    before_total, now = ZERO, []
    for spec in BREAKDOWNS:
        rows, figures, before = await _breakdown(session, spec, filters, user.language)
        report.breakdowns[spec[0]], report.figures[spec[0]] = rows, figures
        if spec[0] == "segments":  # every order has one segment (0: none): the totals
            now = [f for _, f in figures]
            before_total = before
    if now:
        total = Figures(
            sum(f.orders for f in now),
            sum((f.revenue for f in now), ZERO),
            sum((f.costed_revenue for f in now), ZERO),
            sum((f.cost for f in now), ZERO),
        )
        report.totals = total.row(translations(user.language).gettext(N_("Total")), before_total)
    return report


REPORT = ReportSpec(
    name="segments",
    title=N_("Segments"),
    summary=N_("Revenue, margin, orders and growth by segment, tag, region and channel"),
    build=segments_report,
    filters=("manager", "channel", "segment"),
)
