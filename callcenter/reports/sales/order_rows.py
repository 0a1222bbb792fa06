"""An order as the order rollups count it: one row per order with its day, dimensions and
money, read from the raw rows (the ledger, ``order_ledger.py``, keeps what it last gave)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Subquery, func, literal_column, select
from sqlalchemy.sql.functions import coalesce

from callcenter.clients.models import Client
from callcenter.orders.models import Order, OrderLine, OrderStatus
from callcenter.products.models import Product
from callcenter.reports.rollups.days import day_of
from callcenter.reports.sales.regions import region_of


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
