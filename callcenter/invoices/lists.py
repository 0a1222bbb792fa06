"""The invoice list with its filters, and payment status by order for the order list."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from callcenter.clients.models import Client
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.invoices.models import PAYMENT_STATUSES, Invoice
from callcenter.users.models import User
from callcenter.users.roles import Permission

STATUS_FILTERS = (*PAYMENT_STATUSES, "cancelled")


@dataclass
class InvoiceQuery:
    status: str = ""  # unpaid, partly_paid, paid (cancelled ones left out) or cancelled
    client_id: int | None = None
    order_id: int | None = None
    year: int | None = None
    number: int | None = None
    page: int = 1
    per_page: int = 50


@dataclass
class InvoicePage:
    items: list[Invoice]
    total: int
    page: int
    per_page: int
    amount: Decimal  # the sum of the matching invoices
    outstanding: Decimal  # what is still owed on them
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def _visible(actor: User) -> ColumnElement[bool]:
    if actor.sees_every_client:
        return true()
    return Invoice.client_id.in_(select(Client.id).where(Client.owner_id == actor.id))


def _conditions(query: InvoiceQuery, actor: User) -> list[ColumnElement[bool]]:
    where = [_visible(actor)]
    if query.status == "cancelled":
        where.append(Invoice.cancelled.is_(True))
    elif query.status in PAYMENT_STATUSES:
        where += [Invoice.cancelled.is_(False), Invoice.payment_status == query.status]
    for column, value in (
        (Invoice.client_id, query.client_id),
        (Invoice.order_id, query.order_id),
        (Invoice.year, query.year),
        (Invoice.number, query.number),
    ):
        if value is not None:
            where.append(column == value)
    return where


async def list_invoices(session: AsyncSession, query: InvoiceQuery, *, actor: User) -> InvoicePage:
    """Newest first; filters by payment status, client, order, year and number."""
    if not actor.can(Permission.INVOICES_VIEW):
        raise Forbidden(N_("You may not see invoices"))
    where = _conditions(query, actor)
    live = Invoice.cancelled.is_(False)
    count, amount, owed = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Invoice.total).filter(live), 0),
                func.coalesce(func.sum(Invoice.total - Invoice.paid).filter(live), 0),
            ).where(*where)
        )
    ).one()
    page = max(query.page, 1)
    items = await session.scalars(
        select(Invoice)
        .where(*where)
        .options(selectinload(Invoice.client), selectinload(Invoice.order))
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
        .limit(query.per_page)
        .offset((page - 1) * query.per_page)
    )
    return InvoicePage(list(items), count, page, query.per_page, Decimal(amount), Decimal(owed))


def order_payment_status() -> Select[tuple[int, str]]:
    """(order_id, unpaid | partly_paid | paid) over each order's live invoices, for the order
    list to join and filter on: paid when every invoice is paid in full, unpaid when nothing
    has been paid, partly paid otherwise."""
    paid, total = func.sum(Invoice.paid), func.sum(Invoice.total)
    status = case((paid <= 0, "unpaid"), (paid >= total, "paid"), else_="partly_paid")
    return (
        select(Invoice.order_id, status.label("payment_status"))
        .where(Invoice.order_id.is_not(None), Invoice.cancelled.is_(False))
        .group_by(Invoice.order_id)
    )
