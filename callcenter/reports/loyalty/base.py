"""The client base as it stands now, from ``client_loyalty``: buyers and repeat buyers,
repeat callers, RFM scores and segments, churned clients; and one client's loyalty score."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client
from callcenter.reports.filters import ReportFilters
from callcenter.reports.loyalty.models import ClientLoyalty
from callcenter.reports.loyalty.rules import (
    LoyaltyScore,
    loyalty_score,
    recency_sql,
    segment_of,
)
from callcenter.users.models import User

CHURNED_LISTED = 50


@dataclass
class BaseFigures:
    clients: int = 0  # in the rollup (every client not merged away)
    buyers: int = 0  # with an order not cancelled
    repeat_buyers: int = 0  # with two or more
    callers: int = 0  # with a call
    repeat_callers: int = 0  # with two or more
    churned: int = 0
    churned_revenue: Decimal = Decimal(0)
    # (R, F, M) -> (clients, revenue, churned)
    grid: dict[tuple[int, int, int], tuple[int, Decimal, int]] = field(default_factory=dict)

    def segments(self) -> dict[str, list[Any]]:
        """Segment -> [clients, revenue, churned], in the order of the rules."""
        out: dict[str, list[Any]] = {}
        for (r, f, _m), (n, revenue, churned) in sorted(self.grid.items(), reverse=True):
            row = out.setdefault(segment_of(r, f), [0, Decimal(0), 0])
            row[0] += n
            row[1] += revenue
            row[2] += churned
        return out

    def recency_by_frequency(self) -> list[list[int]]:
        """Clients by R (rows 5..1) and F (columns 1..5)."""
        cells = [[0] * 5 for _ in range(5)]
        for (r, f, _m), (n, _, _) in self.grid.items():
            cells[5 - r][f - 1] += n
        return cells

    def monetary(self) -> list[int]:
        """Clients by M score 1..5."""
        counts = [0] * 5
        for (_r, _f, m), (n, _, _) in self.grid.items():
            counts[m - 1] += n
        return counts


def _where(query: Any, filters: ReportFilters) -> Any:
    c = ClientLoyalty
    for column, value in (
        (c.owner_id, filters.manager),
        (c.channel_id, filters.channel),
        (c.segment_id, filters.segment),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


async def base_figures(session: AsyncSession, filters: ReportFilters, now: datetime) -> BaseFigures:
    c = ClientLoyalty
    bought = c.orders > 0
    r = case((bought, recency_sql(c.last_order_at, now)), else_=0)
    churned = bought & (c.churn_at <= now)
    query = select(
        r,
        c.frequency,
        c.monetary,
        func.count(),
        func.sum(c.revenue),
        func.count().filter(churned),
        func.sum(c.revenue).filter(churned),
        func.count().filter(c.calls > 0),
        func.count().filter(c.calls >= 2),
    ).group_by(r, c.frequency, c.monetary)
    figures = BaseFigures()
    for rs, fs, ms, n, revenue, lost, lost_revenue, callers, repeat in await session.execute(
        _where(query, filters)
    ):
        figures.clients += n
        figures.callers += callers
        figures.repeat_callers += repeat
        if rs:
            figures.buyers += n
            figures.repeat_buyers += n if fs >= 2 else 0
            figures.churned += lost
            figures.churned_revenue += Decimal(lost_revenue or 0)
            figures.grid[(rs, fs, ms)] = (n, Decimal(revenue or 0), lost)
    return figures


async def churned_clients(
    session: AsyncSession, filters: ReportFilters, now: datetime
) -> list[tuple[Any, ...]]:
    """The churned clients who bought the most: who to win back first."""
    c = ClientLoyalty
    query = (
        select(
            Client.name,
            func.coalesce(User.full_name, User.login),
            c.orders,
            c.revenue,
            c.last_order_at,
            c.last_call_at,
            c.rhythm_seconds / 86400,
            c.churn_at,
            Client.id,
        )
        .join(Client, Client.id == c.client_id)
        .outerjoin(User, User.id == c.owner_id)
        .where(c.churn_at <= now)
        .order_by(c.revenue.desc(), c.client_id)
        .limit(CHURNED_LISTED)
    )
    rows = await session.execute(_where(query, filters))
    return [
        (*row[:6], round(row[6], 1) if row[6] is not None else None, row[7], row[8]) for row in rows
    ]


async def client_score(session: AsyncSession, client_id: int, now: datetime) -> LoyaltyScore | None:
    """The client's loyalty score with its parts, or None before the rollup has them."""
    row = await session.get(ClientLoyalty, client_id)
    if row is None:
        return None
    return loyalty_score(
        orders=row.orders,
        revenue=row.revenue,
        last_order_at=row.last_order_at,
        nps_last=row.nps_last,
        open_complaints=row.open_complaints,
        churn_at=row.churn_at,
        now=now,
    )
