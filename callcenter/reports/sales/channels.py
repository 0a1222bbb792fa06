"""Advertising channels: where clients come from, when, how many, how much they buy.

Per channel: the period's new clients and how many of them have ordered, the calls with the
channel's clients, the orders taken in the period (the order's channel, else its client's),
their revenue and the average order; and the trend of new clients, orders and revenue.
Mailings are a channel too: an order credited to a mailing that names no channel of its own
moves from its client's channel to "Mailings" (``mailing_channel.py``).

Return on spend (``callcenter/marketing/roi.py``): per channel its cost for the period (the
monthly spend prorated by days), leads, cost per lead, customers, CAC, revenue, ROI and
ROMI, by first touch and by last touch side by side.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.i18n import N_, translations
from callcenter.marketing.roi import ChannelReturn, attribution
from callcenter.orders.models import OrderStatus
from callcenter.reports.filters import ReportFilters, own_figures
from callcenter.reports.registry import ReportSpec
from callcenter.reports.sales.client_rollups import CALL_DAYS, CLIENT_DAYS
from callcenter.reports.sales.common import names, rows_in, series, step_of
from callcenter.reports.sales.mailing_channel import MAILINGS, mailing_orders
from callcenter.reports.sales.order_rollups import ORDER_DAYS
from callcenter.reports.tables import Column, Table, share

ZERO = Decimal("0.00")


def average(total: Decimal, count: int) -> Decimal | None:
    return (total / count).quantize(Decimal("0.01")) if count else None


@dataclass
class ChannelsReport:
    filters: ReportFilters
    channels: list[tuple[Any, ...]] = field(default_factory=list)
    totals: tuple[Any, ...] | None = None
    step: str = "day"
    trend_labels: list[date] = field(default_factory=list)
    trend: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # figure -> name
    roi_first: list[tuple[Any, ...]] = field(default_factory=list)
    roi_last: list[tuple[Any, ...]] = field(default_factory=list)
    roi_totals: tuple[Any, ...] | None = None  # the same whichever the attribution
    romi_unknown: list[str] = field(default_factory=list)  # channels with an uncosted line

    def chart_by_channel(self) -> tuple[list[str], list[float], list[float]]:
        """Channel names, their revenue and their new clients (for bars)."""
        return (
            [row[0] for row in self.channels],
            [float(row[7]) for row in self.channels],
            [float(row[1]) for row in self.channels],
        )

    def chart_trend(self, figure: str) -> list[tuple[str, list[float]]]:
        return sorted(self.trend.get(figure, {}).items())

    def trend_rows(self) -> list[tuple[Any, ...]]:
        rows = []
        names = sorted(set(self.trend.get("leads", {})) | set(self.trend.get("revenue", {})))
        for i, label in enumerate(self.trend_labels):
            for name in names:
                leads, orders, revenue = (
                    self.trend.get(f, {}).get(name, [0.0] * len(self.trend_labels))[i]
                    for f in ("leads", "orders", "revenue")
                )
                if leads or orders or revenue:
                    rows.append((label, name, int(leads), int(orders), Decimal(f"{revenue:.2f}")))
        return rows

    def tables(self) -> list[Table]:
        columns = (
            Column("channel", N_("Channel"), "text"),
            Column("new_clients", N_("New clients")),
            Column("ordered", N_("Of them ordered")),
            Column("conversion", N_("Conversion"), "percent"),
            Column("calls", N_("Calls")),
            Column("answered", N_("Answered")),
            Column("orders", N_("Orders")),
            Column("revenue", N_("Revenue"), "money"),
            Column("average_order", N_("Average order"), "money"),
        )
        trend_columns = (
            Column("period", N_("Period from"), "date"),
            Column("channel", N_("Channel"), "text"),
            Column("new_clients", N_("New clients")),
            Column("orders", N_("Orders")),
            Column("revenue", N_("Revenue"), "money"),
        )
        return [
            Table("channels", N_("By channel"), columns, self.channels, self.totals),
            Table("trend", N_("By period"), trend_columns, self.trend_rows()),
            Table("roi_first", N_("Return by first touch"), ROI, self.roi_first, self.roi_totals),
            Table("roi_last", N_("Return by last touch"), ROI, self.roi_last, self.roi_totals),
        ]

    def as_dict(self) -> dict[str, Any]:
        tables = {t.name: t.as_dict() for t in self.tables()}
        totals = dict(
            zip([c.key for c in self.tables()[0].columns], self.totals or (), strict=False)
        )
        return {
            "filters": self.filters.as_dict(),
            **tables,
            "totals": totals,
            "step": self.step,
            "romi_unknown": self.romi_unknown,
        }


ROI = (
    Column("channel", N_("Channel"), "text"),
    Column("cost", N_("Cost"), "money"),
    Column("leads", N_("Leads")),
    Column("cost_per_lead", N_("Cost per lead"), "money"),
    Column("customers", N_("Customers")),
    Column("cac", N_("CAC"), "money"),
    Column("revenue", N_("Revenue"), "money"),
    Column("roi", N_("ROI"), "percent"),
    Column("romi", N_("ROMI"), "percent"),
)


async def _returns(
    session: AsyncSession, filters: ReportFilters, user: Any
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], tuple[Any, ...] | None, list[str]]:
    """The return-on-spend rows by first and by last touch, their total, and the channels
    whose ROMI is not known (a sold line with no product cost)."""
    found = await attribution(
        session,
        since=filters.since,
        until=filters.until,
        first_day=filters.first_day,
        last_day=filters.last_day,
        manager=filters.manager,
        segment=filters.segment,
    )
    named = await names(session, "channel", [*found.first, *found.last], user.language)
    sides = []
    for side in (found.first, found.last):
        kept = {c: r for c, r in side.items() if filters.channel in (None, c)}
        order = sorted(kept, key=lambda c: (-kept[c].revenue, -kept[c].cost, c == 0, c))
        sides.append([kept[c].row(named.get(c, "")) for c in order])
    total = ChannelReturn()
    for c, r in found.first.items():
        if filters.channel in (None, c):
            total.add(r)
    unknown = sorted(
        {named.get(c, "") for side in (found.first, found.last) for c, r in side.items()
         if r.revenue and r.margin is None and filters.channel in (None, c)}
    )  # fmt: skip
    label = translations(user.language).gettext(N_("Total"))
    return sides[0], sides[1], total.row(label) if found.first else None, unknown


async def _by_channel(
    session: AsyncSession, filters: ReportFilters, moved: list[tuple[Any, int, int, Decimal]]
) -> dict[int, dict[str, Any]]:
    figures: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"leads": 0, "ordered": 0, "calls": 0, "answered": 0, "orders": 0, "revenue": ZERO}
    )
    leads = await rows_in(session, CLIENT_DAYS, filters, manager="owner_id", wanted={"channel_id"})
    for channel, n, ordered in await session.execute(
        select(leads.c.channel_id, func.sum(leads.c.leads), func.sum(leads.c.ordered)).group_by(
            leads.c.channel_id
        )
    ):
        figures[channel].update(leads=int(n), ordered=int(ordered))
    calls = await rows_in(session, CALL_DAYS, filters, manager="owner_id", wanted={"channel_id"})
    for channel, n, answered in await session.execute(
        select(calls.c.channel_id, func.sum(calls.c.calls), func.sum(calls.c.answered)).group_by(
            calls.c.channel_id
        )
    ):
        figures[channel].update(calls=int(n), answered=int(answered))
    orders = await _sold(session, filters)
    for channel, n, revenue in await session.execute(
        select(orders.c.channel_id, func.sum(orders.c.orders), func.sum(orders.c.revenue)).group_by(
            orders.c.channel_id
        )
    ):
        figures[channel].update(orders=int(n), revenue=revenue)
    for _day, channel, n, revenue in moved:  # credited to mailings: moved, not added
        figures[channel]["orders"] -= n
        figures[channel]["revenue"] -= revenue
        figures[MAILINGS]["orders"] += n
        figures[MAILINGS]["revenue"] += revenue
    return figures


async def _sold(session: AsyncSession, filters: ReportFilters) -> Any:
    """The period's order rows, cancelled ones left out."""
    rows = await rows_in(session, ORDER_DAYS, filters, wanted={"channel_id", "status_id"})
    cancelled = select(OrderStatus.id).where(OrderStatus.kind == "cancel")
    return select(rows).where(rows.c.status_id.not_in(cancelled)).subquery()


def _row(name: str, f: dict[str, Any]) -> tuple[Any, ...]:
    return (
        name,
        f["leads"],
        f["ordered"],
        share(f["ordered"], f["leads"]),
        f["calls"],
        f["answered"],
        f["orders"],
        f["revenue"],
        average(f["revenue"], f["orders"]),
    )


async def _trend(
    session: AsyncSession,
    filters: ReportFilters,
    named: dict[int, str],
    step: str,
    moved: list[tuple[Any, int, int, Decimal]],
) -> tuple[list[date], dict[str, dict[str, list[float]]]]:
    leads = await rows_in(session, CLIENT_DAYS, filters, manager="owner_id", wanted={"channel_id"})
    orders = await _sold(session, filters)
    lead_rows = await session.execute(
        select(leads.c.day, leads.c.channel_id, func.sum(leads.c.leads)).group_by(
            leads.c.day, leads.c.channel_id
        )
    )
    order_rows: list[tuple[Any, int, Any, Any]] = [
        (day, channel, n, revenue)
        for day, channel, n, revenue in await session.execute(
            select(
                orders.c.day,
                orders.c.channel_id,
                func.sum(orders.c.orders),
                func.sum(orders.c.revenue),
            ).group_by(orders.c.day, orders.c.channel_id)
        )
    ]
    for day, channel, n, revenue in moved:  # each moved order: out of its channel, in mailings
        order_rows += [(day, channel, -n, -revenue), (day, MAILINGS, n, revenue)]
    trend: dict[str, dict[str, list[float]]] = {}
    labels, by_channel = series([(d, named.get(c, ""), n) for d, c, n in lead_rows], filters, step)
    trend["leads"] = by_channel
    trend["orders"] = series(
        [(d, named.get(c, ""), n) for d, c, n, _ in order_rows], filters, step
    )[1]
    trend["revenue"] = series(
        [(d, named.get(c, ""), r) for d, c, _, r in order_rows], filters, step
    )[1]
    return labels, trend


async def channels_report(
    session: AsyncSession, *, filters: ReportFilters, user: Any
) -> ChannelsReport:
    filters = own_figures(filters, user)
    moved = await mailing_orders(session, filters)
    figures = await _by_channel(session, filters, moved)
    named = await names(session, "channel", [c for c in figures if c != MAILINGS], user.language)
    named[MAILINGS] = translations(user.language).gettext(N_("Mailings"))
    order = sorted(figures, key=lambda c: (-figures[c]["revenue"], -figures[c]["leads"], c == 0, c))
    total: dict[str, Any] = {
        k: sum(f[k] for f in figures.values())
        for k in ("leads", "ordered", "calls", "answered", "orders")
    }
    total["revenue"] = sum((f["revenue"] for f in figures.values()), ZERO)
    step = step_of(filters)
    labels, trend = await _trend(session, filters, named, step, moved)
    roi_first, roi_last, roi_totals, romi_unknown = await _returns(session, filters, user)
    return ChannelsReport(
        filters,
        channels=[_row(named.get(c, ""), figures[c]) for c in order],
        totals=_row(translations(user.language).gettext(N_("Total")), total) if figures else None,
        step=step,
        trend_labels=labels,
        trend=trend,
        roi_first=roi_first,
        roi_last=roi_last,
        roi_totals=roi_totals,
        romi_unknown=romi_unknown,
    )


REPORT = ReportSpec(
    name="channels",
    title=N_("Advertising channels"),
    summary=N_("Where clients come from, when, how many and how much they buy"),
    build=channels_report,
    filters=("manager", "channel", "segment"),
)
