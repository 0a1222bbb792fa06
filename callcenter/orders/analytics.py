"""Stage analytics from the status history, in SQL: how long orders stay in each open stage,
per order and on average, and where they get stuck (overdue now, late visits).

A *visit* is one stay of an order in a status: from its history row to the next one (or to
now while it is still there). Only open stages are measured: final and cancel ones end it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Float, Subquery, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.orders.models import Order, OrderStatus, OrderStatusChange
from callcenter.orders.search import OrderQuery, order_conditions
from callcenter.users.models import User
from callcenter.users.roles import Permission


@dataclass(frozen=True)
class StageFigures:
    status: OrderStatus
    visits: int  # stays that ended (the order moved on)
    average_seconds: float | None  # over the stays that ended
    median_seconds: float | None
    late: int  # stays that ended after the stage's deadline
    now_in_stage: int  # orders in the stage now
    overdue_now: int  # of them, past the deadline


@dataclass(frozen=True)
class OrderStages:
    order: Order
    seconds: dict[int, float]  # status id -> time spent there (so far, for the current one)


def _visits(order_ids: object, now: datetime) -> Subquery:
    change = OrderStatusChange
    left_at = func.lead(change.at).over(
        partition_by=change.order_id, order_by=(change.at, change.id)
    )
    inner = (
        select(
            change.order_id,
            change.to_status_id.label("status_id"),
            change.at,
            change.due_at,
            left_at.label("left_at"),
        )
        .where(change.order_id.in_(order_ids))  # type: ignore[arg-type]
        .subquery()
    )
    end = func.coalesce(inner.c.left_at, now)
    return select(
        inner,
        cast(func.extract("epoch", end - inner.c.at), Float).label("seconds"),
    ).subquery()


def _check(actor: User) -> None:
    if not actor.can(Permission.ORDERS_VIEW):
        raise Forbidden(N_("You may not see orders"))


async def stage_figures(
    session: AsyncSession, query: OrderQuery, *, actor: User, now: datetime | None = None
) -> list[StageFigures]:
    """Per open stage, over the orders the query finds (its ``overdue`` flag is ignored)."""
    _check(actor)
    now = now or utcnow()
    conds = order_conditions(replace(query, overdue=False), actor)
    visits = _visits(select(Order.id).where(*conds), now)
    done = visits.c.left_at.is_not(None)
    ended_seconds = case((done, visits.c.seconds))
    rows = await session.execute(
        select(
            visits.c.status_id,
            func.count(visits.c.left_at),
            func.avg(ended_seconds),
            func.percentile_cont(0.5).within_group(ended_seconds),
            func.count(case((done & (visits.c.left_at > visits.c.due_at), 1))),
        ).group_by(visits.c.status_id)
    )
    history = {row[0]: row[1:] for row in rows.all()}
    current = await session.execute(
        select(
            Order.status_id,
            func.count(),
            func.count(case((Order.stage_due_at < now, 1))),
        )
        .where(*conds)
        .group_by(Order.status_id)
    )
    present = {row[0]: row[1:] for row in current.all()}
    statuses = await session.scalars(
        select(OrderStatus).where(OrderStatus.kind == "open").order_by(OrderStatus.position)
    )
    figures = []
    for status in statuses:
        visits_n, average, median, late = history.get(status.id, (0, None, None, 0))
        in_stage, overdue = present.get(status.id, (0, 0))
        figures.append(StageFigures(status, visits_n, average, median, late, in_stage, overdue))
    return figures


async def order_stages(
    session: AsyncSession, orders: list[Order], *, now: datetime | None = None
) -> list[OrderStages]:
    """Time each of these orders spent in each open stage (summed over repeated stays)."""
    if not orders:
        return []
    visits = _visits([o.id for o in orders], now or utcnow())
    rows = await session.execute(
        select(visits.c.order_id, visits.c.status_id, func.sum(visits.c.seconds))
        .join(OrderStatus, OrderStatus.id == visits.c.status_id)
        .where(OrderStatus.kind == "open")
        .group_by(visits.c.order_id, visits.c.status_id)
    )
    seconds: dict[int, dict[int, float]] = {}
    for order_id, status_id, total in rows.all():
        seconds.setdefault(order_id, {})[status_id] = float(total)
    return [OrderStages(o, seconds.get(o.id, {})) for o in orders]
