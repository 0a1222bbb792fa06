"""What a client's orders tell a seller: lifetime value, the last order, the client's own
reorder rhythm and products often bought together with theirs.

- Lifetime value: the total of the client's fulfilled orders (those in a final status).
- Rhythm: the median interval between the client's fulfilled orders; it needs two of them.
- Due for a reorder: the last order (any not cancelled) + the rhythm is today or earlier.
- Often bought together: catalog products found in other orders beside the products this
  client bought, ranked by the number of such orders; the client's own products excluded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Float, Select, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client
from callcenter.clients.service import visible_to
from callcenter.db import utcnow
from callcenter.orders.models import Order, OrderLine, OrderStatus
from callcenter.products.models import Product
from callcenter.users.models import User


@dataclass(frozen=True)
class ClientOrders:
    lifetime_value: Decimal
    open_value: Decimal
    orders: int  # not cancelled
    last_order_at: datetime | None
    rhythm: timedelta | None
    due_at: datetime | None  # when a reorder is expected

    def due(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at <= now


@dataclass(frozen=True)
class DueClient:
    client: Client
    last_order_at: datetime
    rhythm: timedelta
    due_at: datetime


def _kind_is(kind: str) -> ColumnElement[bool]:
    return Order.status_id.in_(select(OrderStatus.id).where(OrderStatus.kind == kind))


def _not_cancelled() -> ColumnElement[bool]:
    return Order.status_id.in_(select(OrderStatus.id).where(OrderStatus.kind != "cancel"))


def _rhythms() -> Select:
    """Per client: the median gap in seconds between fulfilled orders, and their count."""
    gap = func.extract(
        "epoch",
        Order.created_at
        - func.lag(Order.created_at).over(partition_by=Order.client_id, order_by=Order.created_at),
    )
    gaps = (
        select(Order.client_id, cast(gap, Float).label("gap")).where(_kind_is("final")).subquery()
    )
    return (
        select(
            gaps.c.client_id,
            func.percentile_cont(0.5).within_group(gaps.c.gap).label("median_gap"),
        )
        .group_by(gaps.c.client_id)
        .having(func.count() >= 2)
    )


def _last_orders() -> Select:
    return (
        select(Order.client_id, func.max(Order.created_at).label("last_at"))
        .where(_not_cancelled())
        .group_by(Order.client_id)
    )


async def client_orders(session: AsyncSession, client_id: int) -> ClientOrders:
    kinds = select(OrderStatus.id, OrderStatus.kind).subquery()
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(Order.total).filter(kinds.c.kind == "final"), 0),
                func.coalesce(func.sum(Order.total).filter(kinds.c.kind == "open"), 0),
                func.count().filter(kinds.c.kind != "cancel"),
                func.max(Order.created_at).filter(kinds.c.kind != "cancel"),
            )
            .join(kinds, kinds.c.id == Order.status_id)
            .where(Order.client_id == client_id)
        )
    ).one()
    rhythms = _rhythms().subquery()
    median = await session.scalar(
        select(rhythms.c.median_gap).where(rhythms.c.client_id == client_id)
    )
    rhythm = timedelta(seconds=median) if median is not None else None
    last = row[3]
    due_at = last + rhythm if last is not None and rhythm is not None else None
    return ClientOrders(Decimal(row[0]), Decimal(row[1]), row[2], last, rhythm, due_at)


async def bought_together(session: AsyncSession, client_id: int, limit: int = 3) -> list[Product]:
    mine = (
        select(OrderLine.product_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.client_id == client_id, OrderLine.product_id.is_not(None), _not_cancelled())
    )
    baskets = (
        select(OrderLine.order_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.product_id.in_(mine), Order.client_id != client_id, _not_cancelled())
    )
    ranked = (
        select(OrderLine.product_id, func.count(func.distinct(OrderLine.order_id)).label("n"))
        .where(OrderLine.order_id.in_(baskets), OrderLine.product_id.not_in(mine))
        .group_by(OrderLine.product_id)
        .subquery()
    )
    rows = await session.scalars(
        select(Product)
        .join(ranked, ranked.c.product_id == Product.id)
        .where(Product.active.is_(True))
        .order_by(ranked.c.n.desc(), Product.name)
        .limit(limit)
    )
    return list(rows)


async def clients_due_for_reorder(
    session: AsyncSession, *, actor: User, now: datetime | None = None, limit: int = 50
) -> list[DueClient]:
    """Visible clients whose own rhythm says they should have ordered again by now."""
    rhythms = _rhythms().subquery()
    last = _last_orders().subquery()
    due_at = last.c.last_at + rhythms.c.median_gap * func.make_interval(0, 0, 0, 0, 0, 0, 1)
    rows = await session.execute(
        select(Client, last.c.last_at, rhythms.c.median_gap, due_at)
        .join(rhythms, rhythms.c.client_id == Client.id)
        .join(last, last.c.client_id == Client.id)
        .where(due_at <= (now or utcnow()), visible_to(actor), Client.merged_into_id.is_(None))
        .order_by(due_at, Client.id)
        .limit(limit)
    )
    return [
        DueClient(client, last_at, timedelta(seconds=gap), due)
        for client, last_at, gap, due in rows.all()
    ]
