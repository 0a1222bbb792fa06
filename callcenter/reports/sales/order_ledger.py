"""The orders' ledger: each order as the order rollups last counted it, so a refresh adds
the difference of the orders that changed instead of rebuilding the days they were taken.

``report_order_facts`` holds one row per order: its day, manager, channel, segment, stage,
region, tags and money, as in ``order_rows.order_rows``. The first build fills it with the
days; afterwards a refresh takes the orders saved since the mark, those of clients saved
since (segment, channel, address, tags), those holding a product saved since (its cost) and
those of deleted clients or orders (``deletions.py``): their old rows (-1) and new rows
(+1) are added to the three order rollups and their slices (``days.add_delta``), and the
ledger keeps the new rows. The cost follows the orders that changed, not the days. A
report's period ends (the hours of a local day outside whole UTC days) are summed from it
too (``ledger_facts``): no address is read again, and they agree with the rollups.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import cast, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import client_tags
from callcenter.limits import money_sum
from callcenter.reports.rollups.days import DayRollup, add_delta, day_ranges
from callcenter.reports.rollups.deletions import DELETED_CLIENTS
from callcenter.reports.sales.models import order_facts
from callcenter.reports.sales.order_rows import order_rows

CHANGED_ORDERS = f"""
    SELECT id FROM orders WHERE updated_at > :since
    UNION SELECT o.id FROM clients c JOIN orders o ON o.client_id = c.id
          WHERE c.updated_at > :since
    UNION SELECT l.order_id FROM products p JOIN order_lines l ON l.product_id = p.id
          WHERE p.updated_at > :since
    UNION SELECT order_id FROM report_order_facts WHERE client_id IN ({DELETED_CLIENTS})
"""


def _ledger_rows(rows: Any) -> Any:
    """The ledger's columns from ``order_rows(..., region=True)``."""
    tags = (
        select(func.coalesce(func.array_agg(client_tags.c.tag_id), text("'{}'::int[]")))
        .where(client_tags.c.client_id == rows.c.client_id)
        .scalar_subquery()
    )
    return select(
        rows.c.order_id,
        rows.c.client_id,
        rows.c.day,
        rows.c.manager_id,
        rows.c.channel_id,
        rows.c.segment_id,
        rows.c.status_id,
        rows.c.kind == "cancel",
        rows.c.region,
        tags,
        rows.c.total,
        rows.c.costed_revenue,
        rows.c.cost,
        rows.c.taken_at,
    )


def ledger_facts(dimension: str) -> Any:
    """The rows of an order rollup (by ``dimension``: status_id, region or tag_id) for the
    orders taken in [lo, hi), from the ledger: as fresh as the rollups, and read with no
    address or order line (a period's ends are summed by this)."""
    f = order_facts.c
    extra = {"status_id": f.status_id, "region": f.region, "tag_id": func.unnest(f.tag_ids)}

    def facts(lo: datetime, hi: datetime) -> Any:
        kept = [f.taken_at >= lo, f.taken_at < hi]
        if dimension != "status_id":
            kept.append(~f.cancelled)  # the region and tag rollups leave cancelled ones out
        rows = (
            select(
                f.day,
                f.manager_id,
                f.channel_id,
                f.segment_id,
                extra[dimension].label(dimension),
                f.total,
                f.costed_revenue,
                f.cost,
            )
            .where(*kept)
            .subquery()
        )
        dims = [rows.c.day, rows.c.manager_id, rows.c.channel_id, rows.c.segment_id]
        dims.append(rows.c[dimension])
        money = [
            cast(func.sum(rows.c[name]), money_sum()).label(label)
            for name, label in (("total", "revenue"), ("costed_revenue",) * 2, ("cost",) * 2)
        ]
        return select(*dims, func.count().label("orders"), *money).group_by(*dims)

    return facts


async def fill_days(session: AsyncSession, days: list[datetime]) -> None:
    """The ledger's rows of orders taken on these days, afresh (the first build)."""
    await session.execute(delete(order_facts).where(order_facts.c.day.in_(days)))
    columns = [c.name for c in order_facts.columns]
    for lo, hi in day_ranges(days):
        rows = order_rows(lo, hi, region=True)
        await session.execute(order_facts.insert().from_select(columns, _ledger_rows(rows)))


_MONEY = "sign * total, sign * costed_revenue, sign * cost"
_SIGNED = (
    """
    SELECT {columns}, sign, """
    + _MONEY
    + """
    FROM (SELECT f.*, 1 AS sign FROM report_order_facts f
          WHERE order_id IN (SELECT id FROM report_changed_orders)
          UNION ALL SELECT *, -1 FROM report_old_order_facts) rows {more}
"""
)
_DIMS = "day, manager_id, channel_id, segment_id"
# (the rollup's dimensions from a ledger row, which rows it counts)
_CUBES = (
    (f"{_DIMS}, status_id", ""),
    (f"{_DIMS}, region", "WHERE NOT cancelled"),
    (f"{_DIMS}, unnest(tag_ids)", "WHERE NOT cancelled"),
)


async def rebuild_from_ledger(
    session: AsyncSession, days: list[datetime], rollups: tuple[DayRollup, ...]
) -> None:
    """The three order rollups' days afresh from the ledger's rows of those days (the
    address is read once, by ``fill_days``)."""
    for rollup, (columns, more) in zip(rollups, _CUBES, strict=True):
        for table in (rollup.table, *rollup.slices):
            await session.execute(delete(table).where(table.c.day.in_(days)))
        rows = f"""SELECT {columns}, 1, total, costed_revenue, cost FROM (SELECT * FROM
            report_order_facts WHERE day = ANY(:days)) rows {more}"""
        await add_delta(session, rollup, rows, {"days": days})


async def add_changed_orders(
    session: AsyncSession, since: datetime, rollups: tuple[DayRollup, DayRollup, DayRollup]
) -> None:
    """Bring the ledger and the three order rollups (by stage, region, tag) up to date with
    the orders changed since ``since``."""
    await session.execute(
        text(
            "CREATE TEMPORARY TABLE report_changed_orders ON COMMIT DROP AS "
            f"SELECT id FROM ({CHANGED_ORDERS}) changed(id)"
        ),
        {"since": since},
    )
    await session.execute(
        text(
            "CREATE TEMPORARY TABLE report_old_order_facts ON COMMIT DROP AS "
            "SELECT * FROM report_order_facts "
            "WHERE order_id IN (SELECT id FROM report_changed_orders)"
        )
    )
    changed = select(text("id")).select_from(text("report_changed_orders"))
    await session.execute(delete(order_facts).where(order_facts.c.order_id.in_(changed)))
    rows = order_rows(None, None, region=True, ids=changed)
    names = [c.name for c in order_facts.columns]
    await session.execute(order_facts.insert().from_select(names, _ledger_rows(rows)))
    for rollup, (columns, more) in zip(rollups, _CUBES, strict=True):
        await add_delta(session, rollup, _SIGNED.format(columns=columns, more=more), {})
    for name in ("report_changed_orders", "report_old_order_facts"):
        await session.execute(text(f"DROP TABLE {name}"))
