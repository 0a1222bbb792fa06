"""The order list: filters by status, manager, channel, client, dates and overdue; paging."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client
from callcenter.clients.search import name_matches
from callcenter.db import utcnow
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.orders.models import Order
from callcenter.orders.service import order_loading, visible_orders
from callcenter.users.models import User
from callcenter.users.roles import Permission


@dataclass
class OrderQuery:
    q: str = ""  # an order number or a client's name
    status_id: int | None = None
    manager_id: int | None = None
    channel_id: int | None = None
    client_id: int | None = None
    created_from: date | None = None
    created_to: date | None = None  # inclusive
    overdue: bool = False
    page: int = 1
    per_page: int = 50


@dataclass
class OrderPage:
    items: list[Order]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def _day_start(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone))


def overdue_condition(now: datetime | None = None) -> ColumnElement[bool]:
    """An order is overdue when its current stage's deadline has passed (only open stages
    carry one)."""
    return Order.stage_due_at < (now or utcnow())


def order_conditions(query: OrderQuery, actor: User) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [visible_orders(actor)]
    text = query.q.strip()
    if text:
        by_name = select(Client.id).where(name_matches(text))
        conds.append(or_(Order.number.ilike(f"%{text}%"), Order.client_id.in_(by_name)))
    for column, value in (
        (Order.status_id, query.status_id),
        (Order.manager_id, query.manager_id),
        (Order.channel_id, query.channel_id),
        (Order.client_id, query.client_id),
    ):
        if value is not None:
            conds.append(column == value)
    if query.created_from:
        conds.append(Order.created_at >= _day_start(query.created_from, actor.timezone))
    if query.created_to:
        end = _day_start(query.created_to + timedelta(days=1), actor.timezone)
        conds.append(Order.created_at < end)
    if query.overdue:
        conds.append(overdue_condition())
    return conds


async def search_orders(session: AsyncSession, query: OrderQuery, *, actor: User) -> OrderPage:
    if not actor.can(Permission.ORDERS_VIEW):
        raise Forbidden(N_("You may not see orders"))
    conds = order_conditions(query, actor)
    per_page = min(max(query.per_page, 1), 200)
    page = max(query.page, 1)
    rows = await session.scalars(
        select(Order)
        .where(*conds)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(*order_loading())
    )
    total = await session.scalar(select(func.count()).select_from(Order).where(*conds)) or 0
    return OrderPage(items=list(rows), total=total, page=page, per_page=per_page)
