"""The orders' rollups: by day taken x manager x channel x segment x stage, by region, by tag.

An order counts on the UTC day it was taken (``created_at``), in its stage now, under its
manager, its channel (the order's, else its client's) and its client's segment. Money: the
order's total; the lines whose product has a cost give the "costed" part of it and that cost
(quantity x the product's cost now), so the margin is shown where it is known.

The three are kept fresh together by one rollup: the first build fills them (and the orders'
ledger, ``order_ledger.py``) day by day; afterwards a refresh adds the difference of the
orders saved since (a new order, a move to another stage, an edit), of the orders of clients
saved since (segment, channel, address, tags), of those holding a product saved since (its
cost), and of deleted ones (``deletions.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Subquery, Table, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.functions import coalesce

from callcenter.clients.models import Client
from callcenter.orders.models import Order, OrderLine, OrderStatus
from callcenter.products.models import Product
from callcenter.reports.days import DayRollup, day_of
from callcenter.reports.order_ledger import (
    add_changed_orders,
    fill_days,
    ledger_facts,
    rebuild_from_ledger,
)
from callcenter.reports.regions import region_of
from callcenter.reports.rollups import Rollup
from callcenter.reports.sales_models import SLICES, order_days, order_region_days, order_tag_days


def order_rows(
    lo: datetime | None, hi: datetime | None, *, region: bool = False, ids: Any = None
) -> Subquery:
    """One row per order taken in [lo, hi) (or with an id among ``ids``) with its dimensions
    and money (and its client's region, read from the address only when asked: it is the
    slow part)."""
    line_sums = (
        select(
            coalesce(func.sum(OrderLine.amount).filter(Product.cost.isnot(None)), 0).label(
                "costed_revenue"
            ),
            coalesce(func.round(func.sum(OrderLine.quantity * Product.cost), 2), 0).label("cost"),
        )
        .select_from(OrderLine)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == Order.id)
        .lateral("line_sums")
    )
    kept = (
        [Order.id.in_(ids)] if ids is not None else [Order.created_at >= lo, Order.created_at < hi]
    )
    return (
        select(
            Order.id.label("order_id"),
            Order.created_at.label("taken_at"),
            day_of(Order.created_at).label("day"),
            coalesce(Order.manager_id, 0).label("manager_id"),
            coalesce(Order.channel_id, Client.channel_id, 0).label("channel_id"),
            coalesce(Client.segment_id, 0).label("segment_id"),
            Order.status_id,
            OrderStatus.kind,
            Order.client_id,
            Order.total,
            line_sums.c.costed_revenue,
            line_sums.c.cost,
            (
                region_of(Client.postal_address, Client.legal_address)
                if region
                else literal_column("''")
            ).label("region"),
        )
        .join(Client, Client.id == Order.client_id)
        .join(OrderStatus, OrderStatus.id == Order.status_id)
        .join(line_sums, literal_column("true"))
        .where(*kept)
        .subquery("order_rows")
    )


def _no_select(since: datetime | None) -> Any:
    raise AssertionError("order days are found by touched_orders")


async def touched_orders(session: AsyncSession, since: datetime | None) -> list[datetime]:
    """Every day there are orders on (the first build); afterwards the orders changed since
    ``since`` are added to the rollups as differences (``order_ledger``): no day to rebuild."""
    if since is None:
        return list(await session.scalars(select(day_of(Order.created_at)).distinct()))
    await add_changed_orders(session, since, (ORDER_DAYS, ORDER_REGION_DAYS, ORDER_TAG_DAYS))
    return []


async def rebuild_orders(session: AsyncSession, days: list[datetime]) -> None:
    await fill_days(session, days)
    await rebuild_from_ledger(session, days, (ORDER_DAYS, ORDER_REGION_DAYS, ORDER_TAG_DAYS))


def _rollup(table: Table, facts: Any) -> DayRollup:
    return DayRollup(table, facts, _no_select, slices=SLICES[table.name])


ORDER_DAYS = _rollup(order_days, ledger_facts("status_id"))
ORDER_REGION_DAYS = _rollup(order_region_days, ledger_facts("region"))
ORDER_TAG_DAYS = _rollup(order_tag_days, ledger_facts("tag_id"))

# one rollup keeps the three (and the ledger) fresh together
ROLLUPS = (Rollup(order_days.name, touched_orders, rebuild_orders, chunk=31),)
