"""What a partner's card shows of their tree and sales: partners per level, each branch (a
direct recruit with everyone below them) with its size and sales, and the partner's own
clients with their orders. Sales are orders paid in the period, without VAT, not reversed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from callcenter.clients.models import Client
from callcenter.orders.models import Order, OrderStatus
from callcenter.partners.models import ClientAttribution, CommissionRun, Partner, PartnerPath
from callcenter.partners.tree import level_counts

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Branch:
    partner_id: int
    code: str
    name: str
    status: str
    partners: int  # the recruit and everyone below them
    sales: Decimal


@dataclass(frozen=True)
class Downline:
    levels: list[tuple[int, int]]  # (level, partners)
    branches: list[Branch]
    own_sales: Decimal
    first_day: date
    last_day: date

    @property
    def total(self) -> int:
        return sum(count for _, count in self.levels)


def _live_sales(first: date, last: date, partner: Any) -> ColumnElement[bool]:
    return and_(
        CommissionRun.partner_id == partner,
        CommissionRun.reversed_at.is_(None),
        CommissionRun.paid_on.between(first, last),
    )


async def downline(session: AsyncSession, partner_id: int, first: date, last: date) -> Downline:
    """Levels, then each branch: the recruits found by their sponsor (an index, whatever the
    tree's size), everyone below each of them through the closure, and each one's sales of
    the period summed by an index probe (no scan of the tree's partners or sales)."""
    below = aliased(PartnerPath)
    sales = (
        select(func.sum(CommissionRun.sales).label("sales"))
        .where(_live_sales(first, last, below.descendant_id))
        .lateral()
    )
    rows = await session.execute(
        select(
            Partner.id,
            Partner.code,
            Client.name,
            Partner.status,
            func.count(),
            func.coalesce(func.sum(sales.c.sales), ZERO),
        )
        .join(Client, Client.id == Partner.client_id)
        .join(below, below.ancestor_id == Partner.id)
        .outerjoin(sales, true())
        .where(Partner.sponsor_id == partner_id)
        .group_by(Partner.id, Client.name)
        .order_by(Client.name, Partner.id)
    )
    branches = [Branch(*row) for row in rows.all()]
    own = await session.scalar(
        select(func.sum(CommissionRun.sales)).where(_live_sales(first, last, partner_id))
    )
    return Downline(await level_counts(session, partner_id), branches, own or ZERO, first, last)


@dataclass(frozen=True)
class ClientOrder:
    client_id: int
    client_name: str
    attributed_on: date
    order_id: int | None
    order_number: str | None
    created_at: datetime | None
    total: Decimal | None
    status_code: str | None
    status_en: str | None
    status_ru: str | None

    def status_name(self, language: str) -> str:
        return (self.status_ru if language == "ru" else self.status_en) or ""


async def partner_client_orders(
    session: AsyncSession, partner_id: int, *, limit: int = 200
) -> list[ClientOrder]:
    """The partner's own clients (names only, no contacts) and their orders, newest first."""
    rows = await session.execute(
        select(
            Client.id,
            Client.name,
            ClientAttribution.attributed_on,
            Order.id,
            Order.number,
            Order.created_at,
            Order.total,
            OrderStatus.code,
            OrderStatus.name_en,
            OrderStatus.name_ru,
        )
        .select_from(ClientAttribution)
        .join(Client, Client.id == ClientAttribution.client_id)
        .outerjoin(Order, Order.client_id == Client.id)
        .outerjoin(OrderStatus, OrderStatus.id == Order.status_id)
        .where(ClientAttribution.partner_id == partner_id)
        .order_by(Order.created_at.desc().nulls_last(), Client.name)
        .limit(limit)
    )
    return [ClientOrder(*tuple(row)) for row in rows.all()]
