"""What each channel cost and returned over a period, by first and by last touch.

The formulas (shown on the channels report, tested against hand-computed values):

- cost: the channel's spend of each month the period touches, times the share of that
  month's days inside the period (a whole month counts whole);
- leads: clients created in the period; customers: clients whose first order (not
  cancelled) was taken in the period; revenue: the period's orders (not cancelled), totals;
- cost per lead = cost / leads; CAC = cost / customers;
- ROI = (revenue - cost) / cost x 100;
- ROMI = (revenue x margin - cost) / cost x 100, margin = (line amounts - quantity x product
  cost) / line amounts over the channel's sold lines; not known (a dash) when a sold line
  has no product cost;
- each is None (a dash) where it would divide by nothing.

Attribution: **first touch** credits everything to the client's first channel (the card's
channel); **last touch** credits a lead, a customer or an order to the channel of the
client's last touch (a website lead, a call to a tracked number) at or before it, else to
the first channel.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.marketing.models import ChannelSpend

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ZERO = Decimal("0.00")


def per(cost: Decimal, count: int) -> Decimal | None:
    """Cost per lead or per customer; None when there are none."""
    return (cost / count).quantize(CENT, ROUND_HALF_UP) if count else None


def roi(revenue: Decimal, cost: Decimal) -> Decimal | None:
    """(revenue - cost) / cost, in percent; None for no cost."""
    if not cost:
        return None
    return (100 * (revenue - cost) / cost).quantize(TENTH, ROUND_HALF_UP)


def romi(revenue: Decimal, margin: Decimal | None, cost: Decimal) -> Decimal | None:
    """(revenue x margin - cost) / cost, in percent; None for no cost or no known margin."""
    if not cost or margin is None:
        return None
    return (100 * (revenue * margin - cost) / cost).quantize(TENTH, ROUND_HALF_UP)


def period_cost(spend: list[tuple[date, Decimal]], first_day: date, last_day: date) -> Decimal:
    """Monthly amounts prorated by the days of each month inside [first_day, last_day]."""
    total = Decimal(0)
    for month, amount in spend:
        days = calendar.monthrange(month.year, month.month)[1]
        end = month.replace(day=days)
        inside = (min(end, last_day) - max(month, first_day)).days + 1
        if inside > 0:
            total += amount * inside / days
    return total.quantize(CENT, ROUND_HALF_UP)


@dataclass
class ChannelReturn:
    cost: Decimal = ZERO
    leads: int = 0
    customers: int = 0
    revenue: Decimal = ZERO
    sold: Decimal = ZERO  # line amounts of the channel's orders
    profit: Decimal = ZERO  # line amounts less quantity x product cost
    costed: bool = True  # every sold line has a product cost

    @property
    def margin(self) -> Decimal | None:
        if not self.costed or not self.sold:
            return None
        return self.profit / self.sold

    def row(self, name: str) -> tuple[Any, ...]:
        return (
            name,
            self.cost,
            self.leads,
            per(self.cost, self.leads),
            self.customers,
            per(self.cost, self.customers),
            self.revenue,
            roi(self.revenue, self.cost),
            romi(self.revenue, self.margin, self.cost),
        )

    def add(self, other: ChannelReturn) -> None:
        self.cost += other.cost
        self.leads += other.leads
        self.customers += other.customers
        self.revenue += other.revenue
        self.sold += other.sold
        self.profit += other.profit
        self.costed = self.costed and other.costed


@dataclass
class Attribution:
    first: dict[int, ChannelReturn] = field(default_factory=lambda: defaultdict(ChannelReturn))
    last: dict[int, ChannelReturn] = field(default_factory=lambda: defaultdict(ChannelReturn))


# the last touch of client ``cl`` at or before a moment: a lead's or a tracked call's channel
_TOUCHES = """
WITH touches AS (
    SELECT client_id, channel_id, touched_at AS at FROM client_touches
    WHERE channel_id IS NOT NULL
    UNION ALL
    SELECT c.client_id, t.channel_id, c.started_at FROM calls c
    JOIN tracked_numbers t ON t.number = c.callee
    WHERE c.direction = 'inbound' AND c.client_id IS NOT NULL
)
"""


def _last(moment: str) -> str:
    return (
        "COALESCE((SELECT t.channel_id FROM touches t WHERE t.client_id = cl.id "
        f"AND t.at <= {moment} ORDER BY t.at DESC LIMIT 1), cl.channel_id, 0)"
    )


_KEPT = """
    AND (CAST(:manager AS int) IS NULL OR cl.owner_id = :manager)
    AND (CAST(:segment AS int) IS NULL OR cl.segment_id = :segment)
"""
_CANCELLED = "(SELECT id FROM order_statuses WHERE kind = 'cancel')"

LEADS = (
    _TOUCHES
    + f"""
SELECT COALESCE(cl.channel_id, 0), {_last("cl.created_at")}, count(*) FROM clients cl
WHERE cl.created_at >= :since AND cl.created_at < :until {_KEPT}
GROUP BY 1, 2
"""
)
CUSTOMERS = (
    _TOUCHES
    + f"""
, firsts AS (
    SELECT client_id, min(created_at) AS at FROM orders
    WHERE status_id NOT IN {_CANCELLED} GROUP BY client_id
)
SELECT COALESCE(cl.channel_id, 0), {_last("f.at")}, count(*) FROM firsts f
JOIN clients cl ON cl.id = f.client_id
WHERE f.at >= :since AND f.at < :until {_KEPT}
GROUP BY 1, 2
"""
)
REVENUE = (
    _TOUCHES
    + f"""
SELECT COALESCE(cl.channel_id, 0), {_last("o.created_at")}, sum(o.total),
       COALESCE(sum(m.sold), 0), COALESCE(sum(m.profit), 0), bool_and(COALESCE(m.costed, false))
FROM orders o
JOIN clients cl ON cl.id = o.client_id
LEFT JOIN LATERAL (
    SELECT sum(l.amount) AS sold, sum(l.amount - l.quantity * p.cost) AS profit,
           bool_and(p.cost IS NOT NULL) AS costed
    FROM order_lines l LEFT JOIN products p ON p.id = l.product_id
    WHERE l.order_id = o.id
) m ON true
WHERE o.created_at >= :since AND o.created_at < :until
  AND o.status_id NOT IN {_CANCELLED} {_KEPT}
GROUP BY 1, 2
"""
)


async def spend_of_period(
    session: AsyncSession, first_day: date, last_day: date
) -> dict[int, Decimal]:
    rows = await session.execute(
        select(ChannelSpend.channel_id, ChannelSpend.month, ChannelSpend.amount).where(
            ChannelSpend.month >= first_day.replace(day=1), ChannelSpend.month <= last_day
        )
    )
    by_channel: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for channel_id, month, amount in rows:
        by_channel[channel_id].append((month, amount))
    return {c: period_cost(s, first_day, last_day) for c, s in by_channel.items()}


async def attribution(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    first_day: date,
    last_day: date,
    manager: int | None = None,
    segment: int | None = None,
) -> Attribution:
    """Every channel's cost, leads, customers and revenue by first and by last touch
    (channel 0: none)."""
    found = Attribution()
    params = {"since": since, "until": until, "manager": manager, "segment": segment}
    for first, last, n in await session.execute(text(LEADS), params):
        found.first[first].leads += n
        found.last[last].leads += n
    for first, last, n in await session.execute(text(CUSTOMERS), params):
        found.first[first].customers += n
        found.last[last].customers += n
    for first, last, revenue, sold, profit, costed in await session.execute(text(REVENUE), params):
        for side in (found.first[first], found.last[last]):
            side.add(ChannelReturn(revenue=revenue, sold=sold, profit=profit, costed=costed))
    for channel_id, cost in (await spend_of_period(session, first_day, last_day)).items():
        found.first[channel_id].cost += cost
        found.last[channel_id].cost += cost
    return found
