"""The order list: filters by status, manager, channel, client, dates, overdue and payment;
paging."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client
from callcenter.clients.search import name_matches
from callcenter.db import utcnow
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.invoices.lists import order_payment_status
from callcenter.invoices.models import Invoice
from callcenter.orders.models import Order
from callcenter.orders.service import order_loading, visible_orders
from callcenter.users.models import User
from callcenter.users.roles import Permission

ORDER_PAYMENTS = ("unpaid", "partly_paid", "paid", "none")  # none: no live invoice


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
    payment: str = ""  # "", or one of ORDER_PAYMENTS (for those who see invoices)
    page: int = 1
    per_page: int = 50


@dataclass
class OrderPage:
    items: list[Order]
    total: int
    page: int
    per_page: int
    payments: dict[int, str] = field(default_factory=dict)  # order id: one of ORDER_PAYMENTS
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
    if query.payment:
        conds.append(payment_condition(query.payment))
    return conds


def payment_condition(payment: str) -> ColumnElement[bool]:
    """Orders whose invoices (cancelled ones aside) are ``payment``; "none": not billed.

    The same verdict as ``order_payment_status``, asked per order with EXISTS on the
    invoices' order index instead of summing every invoice: an invoice's total is above zero
    and what is paid on it never exceeds it, so the sums are all paid in full exactly when
    no invoice still owes, and nothing is paid exactly when no invoice has a payment.
    """
    live = (Invoice.order_id == Order.id, Invoice.cancelled.is_(False))
    billed = exists().where(*live)
    if payment == "none":
        return ~billed
    some_paid = exists().where(*live, Invoice.paid > 0)
    some_owed = exists().where(*live, Invoice.paid < Invoice.total)
    if payment == "unpaid":
        return billed & ~some_paid
    if payment == "paid":
        return billed & ~some_owed
    return some_paid & some_owed


async def payments_of(session: AsyncSession, order_ids: list[int]) -> dict[int, str]:
    """How each of these orders stands with its invoices, in one query."""
    if not order_ids:
        return {}
    rows = await session.execute(order_payment_status().where(Invoice.order_id.in_(order_ids)))
    found = {int(row.order_id): str(row.payment_status) for row in rows}
    return {order_id: found.get(order_id, "none") for order_id in order_ids}


async def search_orders(session: AsyncSession, query: OrderQuery, *, actor: User) -> OrderPage:
    if not actor.can(Permission.ORDERS_VIEW):
        raise Forbidden(N_("You may not see orders"))
    sees_invoices = actor.can(Permission.INVOICES_VIEW)
    if query.payment and not sees_invoices:
        raise Forbidden(N_("You may not see invoices"))
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
    items = list(rows)
    total = await session.scalar(select(func.count()).select_from(Order).where(*conds)) or 0
    payments = await payments_of(session, [o.id for o in items]) if sees_invoices else {}
    return OrderPage(items, total, page, per_page, payments)


async def find_order_id(session: AsyncSession, number: str) -> int | None:
    """An order as people name it, «2026-00042» (its id is not what they see)."""
    number = number.strip()
    if not number:
        return None
    return await session.scalar(select(Order.id).where(Order.number == number))
