"""Sales funnel: the period's new clients (leads) and how far they got, by manager, with
where each manager's funnel leaks most; and the unfinished orders by stage.

The stages are defined in ``client_rollups`` (each implies the ones before it); a client
counts under their owner, channel and segment. Unfinished orders: orders taken in the period
that are in an open stage now, by stage, with those past their stage's deadline right now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client
from callcenter.db import utcnow
from callcenter.i18n import N_, translations
from callcenter.orders.models import Order, OrderStatus
from callcenter.reports.filters import ReportFilters, own_figures
from callcenter.reports.registry import ReportSpec
from callcenter.reports.sales.client_rollups import CLIENT_DAYS
from callcenter.reports.sales.common import names, rows_in
from callcenter.reports.sales.order_rollups import ORDER_DAYS
from callcenter.reports.tables import Column, Table, share

STAGES = ("leads", "contacted", "interested", "ordered", "delivered")
STAGE_NAMES = {
    "leads": N_("Leads"),
    "contacted": N_("Contacted"),
    "interested": N_("Interested"),
    "ordered": N_("Ordered"),
    "delivered": N_("Delivered"),
}


def conversions(counts: tuple[int, ...]) -> list[float | None]:
    """Each stage as a share of the stage before it (the first: None)."""
    return [None] + [share(counts[i], counts[i - 1]) for i in range(1, len(counts))]


def leak(counts: tuple[int, ...]) -> str:
    """The step that loses the most people: the most clients who reached a stage and not the
    next ("contacted>interested"; the earlier step on a tie); "" when nothing leaks. By
    people, not by rate: 1 order of 1 not delivered is no leak beside 40 leads not reached."""
    worst, most = "", 0
    for i in range(1, len(counts)):
        lost = counts[i - 1] - counts[i]
        if lost > most:
            worst, most = f"{STAGES[i - 1]}>{STAGES[i]}", lost
    return worst


@dataclass
class FunnelReport:
    filters: ReportFilters
    stages: list[tuple[Any, ...]] = field(default_factory=list)
    managers: list[tuple[Any, ...]] = field(default_factory=list)
    unfinished: list[tuple[Any, ...]] = field(default_factory=list)
    overdue_now: int = 0

    leaks_at: str = ""  # the whole funnel's worst step, in words
    language: str = "en"

    def losses(self) -> tuple[list[str], list[tuple[str, list[float]]]]:
        """Per manager, their leads split by the last stage reached (for a stacked bar)."""
        gettext = translations(self.language).gettext
        labels = [row[0] for row in self.managers]
        series = []
        for i, stage in enumerate(STAGES):
            values = [
                float(row[1 + i] - (row[2 + i] if i + 1 < len(STAGES) else 0))
                for row in self.managers
            ]
            series.append((gettext(STAGE_NAMES[stage]), values))
        return labels, series

    def tables(self) -> list[Table]:
        stage_columns = (
            Column("stage", N_("Stage"), "term"),
            Column("clients", N_("Clients")),
            Column("conversion", N_("Of the stage before"), "percent"),
            Column("of_leads", N_("Of leads"), "percent"),
        )
        manager_columns = (
            Column("manager", N_("Manager"), "text"),
            *(Column(s, STAGE_NAMES[s]) for s in STAGES),
            Column("lead_to_order", N_("Lead to order"), "percent"),
            Column("leak", N_("Leaks most at"), "text"),
        )
        unfinished_columns = (
            Column("stage", N_("Stage"), "text"),
            Column("orders", N_("Orders")),
            Column("amount", N_("Amount"), "money"),
        )
        return [
            Table("stages", N_("Funnel"), stage_columns, self.stages),
            Table("managers", N_("By manager"), manager_columns, self.managers),
            Table("unfinished", N_("Unfinished orders"), unfinished_columns, self.unfinished),
        ]

    def as_dict(self) -> dict[str, Any]:
        tables = {t.name: t.as_dict() for t in self.tables()}
        return {
            "filters": self.filters.as_dict(),
            **tables,
            "overdue_now": self.overdue_now,
            "leaks_at": self.leaks_at,
        }


async def _stage_counts(session: AsyncSession, filters: ReportFilters) -> list[tuple[Any, ...]]:
    rows = await rows_in(session, CLIENT_DAYS, filters, manager="owner_id", wanted={"owner_id"})
    sums = [func.coalesce(func.sum(rows.c[s]), 0) for s in STAGES]
    query = select(rows.c.owner_id, *sums).group_by(rows.c.owner_id)
    return [tuple(r) for r in await session.execute(query)]


def leak_label(step: str, language: str) -> str:
    """ "contacted>interested" as "Contacted → Interested" in the user's language."""
    gettext = translations(language).gettext
    return " → ".join(gettext(STAGE_NAMES[s]) for s in step.split(">")) if step else ""


async def _managers(
    session: AsyncSession, by_owner: list[tuple[Any, ...]], language: str
) -> list[tuple[Any, ...]]:
    named = await names(session, "manager", (r[0] for r in by_owner), language)
    rows = []
    for owner, *counts in sorted(by_owner, key=lambda r: (named.get(r[0], ""), r[0])):
        counts = [int(c) for c in counts]
        rows.append(
            (
                named.get(owner, str(owner)),
                *counts,
                share(counts[3], counts[0]),
                leak_label(leak(tuple(counts)), language),
            )
        )
    return rows


async def _unfinished(
    session: AsyncSession, filters: ReportFilters, language: str
) -> list[tuple[Any, ...]]:
    rows = await rows_in(session, ORDER_DAYS, filters, wanted={"status_id"})
    query = (
        select(rows.c.status_id, func.sum(rows.c.orders), func.sum(rows.c.revenue))
        .join(OrderStatus, OrderStatus.id == rows.c.status_id)
        .where(OrderStatus.kind == "open")
        .group_by(rows.c.status_id, OrderStatus.position)
        .order_by(OrderStatus.position)
    )
    found = [tuple(r) for r in await session.execute(query)]
    named = await names(session, "stage", (r[0] for r in found), language)
    return [(named.get(status, ""), int(n), amount) for status, n, amount in found]


async def _overdue_now(session: AsyncSession, filters: ReportFilters) -> int:
    """Orders taken in the period, in an open stage now and past its deadline (found by the
    index on stage and deadline: only the overdue orders are read)."""
    open_stages = select(OrderStatus.id).where(OrderStatus.kind == "open")
    query = (
        select(func.count())
        .select_from(Order)
        .where(Order.status_id.in_(open_stages), Order.stage_due_at < utcnow())
        .where(Order.created_at >= filters.since, Order.created_at < filters.until)
    )
    if filters.manager is not None:
        query = query.where(Order.manager_id == filters.manager)
    if filters.channel is not None or filters.segment is not None:  # the client's, then
        query = query.join(Client, Client.id == Order.client_id)
    if filters.channel is not None:
        query = query.where(func.coalesce(Order.channel_id, Client.channel_id) == filters.channel)
    if filters.segment is not None:
        query = query.where(Client.segment_id == filters.segment)
    return int(await session.scalar(query) or 0)


async def funnel_report(
    session: AsyncSession, *, filters: ReportFilters, user: Any
) -> FunnelReport:
    filters = own_figures(filters, user)
    by_owner = await _stage_counts(session, filters)
    totals = tuple(sum(int(r[i + 1]) for r in by_owner) for i in range(len(STAGES)))
    stages = [
        (STAGE_NAMES[s], totals[i], conv, share(totals[i], totals[0]))
        for i, (s, conv) in enumerate(zip(STAGES, conversions(totals), strict=True))
    ]
    return FunnelReport(
        filters,
        stages=stages,
        managers=await _managers(session, by_owner, user.language),
        unfinished=await _unfinished(session, filters, user.language),
        overdue_now=await _overdue_now(session, filters),
        leaks_at=leak_label(leak(totals), user.language),
        language=user.language,
    )


REPORT = ReportSpec(
    name="funnel",
    title=N_("Sales funnel"),
    summary=N_("Lead, contacted, interested, order, delivered: by manager, where it leaks"),
    build=funnel_report,
    filters=("manager", "channel", "segment"),
)
