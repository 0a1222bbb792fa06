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

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.orders.models import Order
from callcenter.reports.rollups.days import DayRollup, day_of
from callcenter.reports.rollups.refresh import Rollup
from callcenter.reports.sales.models import SLICES, order_days, order_region_days, order_tag_days
from callcenter.reports.sales.order_ledger import (
    add_changed_orders,
    fill_days,
    ledger_facts,
    rebuild_from_ledger,
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
