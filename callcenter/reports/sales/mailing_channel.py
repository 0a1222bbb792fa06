"""Mailings as an advertising channel of the channels report.

An order credited to a mailing (see ``callcenter.mailings.results``: the client's latest open
or click before it, within that mailing's attribution window) and that names no channel of
its own counts under "Mailings" instead of its client's channel: it is moved, never counted
twice, so the totals stay the same. An order whose own channel is set stays with it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.mailings.results import attributed_orders
from callcenter.orders.models import Order
from callcenter.reports.filters import ReportFilters, kept_columns
from callcenter.reports.sales.models import order_facts

MAILINGS = -1  # the mailings' row among the channels (real channels are 0: none, or an id)


async def mailing_orders(
    session: AsyncSession, filters: ReportFilters
) -> list[tuple[datetime, int, int, Decimal]]:
    """(day, the channel the orders are moved from, orders, revenue) of the period's
    orders credited to mailings and naming no channel of their own, under the filters."""
    f = order_facts.c
    credited = attributed_orders()
    query = (
        select(f.day, f.channel_id, func.count(), func.sum(f.total))
        .join(credited, credited.c.order_id == f.order_id)
        .join(Order, Order.id == f.order_id)
        .where(
            Order.channel_id.is_(None),
            ~f.cancelled,
            f.taken_at >= filters.since,
            f.taken_at < filters.until,
        )
        .group_by(f.day, f.channel_id)
    )
    for column, value in kept_columns(filters, order_facts.c.keys()).items():
        query = query.where(f[column] == value)
    return [(day, channel, n, revenue) for day, channel, n, revenue in await session.execute(query)]
