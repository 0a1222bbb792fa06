"""The order list as a file: one row per order line, under the list's own filters (overdue
included) and visibility. Its headers are the orders import's fields, so an exported file
imports back as it is (into another base, or to update these orders)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Channel, Client, ClientEmail, ClientPhone
from callcenter.errors import Forbidden
from callcenter.exports.columns import BATCH, Column, Rows
from callcenter.i18n import N_
from callcenter.orders.models import Order, OrderLine, OrderStatus
from callcenter.orders.search import OrderQuery, order_conditions
from callcenter.products.models import Product
from callcenter.products.units import UNITS
from callcenter.users.models import User
from callcenter.users.roles import Permission


def _plain(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _first(column: Any, owner: Any, position: Any) -> Any:
    """The client's first phone (e-mail): the one the card shows first."""
    return select(column).where(owner == Client.id).order_by(position).limit(1).scalar_subquery()


class OrdersExport:
    name: str = "orders"
    permissions: tuple[Permission, ...] = (Permission.ORDERS_VIEW, Permission.DATA_EXPORT)
    columns: tuple[Column, ...] = (
        Column(N_("Order number"), width=12),
        Column(N_("Order date"), "datetime", 18),
        Column(N_("Client"), width=30),
        Column(N_("Client's INN"), width=14),
        Column(N_("Client's phone"), width=16),
        Column(N_("Client's e-mail"), width=24),
        Column(N_("Status"), width=16),
        Column(N_("Stage deadline"), "datetime", 18),
        Column(N_("Manager"), width=14),
        Column(N_("Channel"), width=16),
        Column(N_("SKU"), width=12),
        Column(N_("Item"), width=36),
        Column(N_("Quantity"), "number", 9),
        Column(N_("Unit"), "term", 7),
        Column(N_("Price"), "money", 12),
        Column(N_("Discount, %%"), "number", 9),
        Column(N_("VAT"), "term", 8),
        Column(N_("Amount"), "money", 12),
        Column(N_("Order total"), "money", 13),
        Column(N_("Currency"), width=8),
        Column(N_("Notes"), width=30),
    )

    async def rows(
        self, session: AsyncSession, query: OrderQuery, *, actor: User, region: str
    ) -> Rows:
        if not all(actor.can(p) for p in self.permissions):
            raise Forbidden(N_("You may not export this list"))
        stmt = _statement(query, actor)
        result = await session.stream(stmt.execution_options(yield_per=BATCH))
        at = {c.label: i for i, c in enumerate(self.columns)}
        quantity, discount = at[N_("Quantity")], at[N_("Discount, %%")]
        unit, vat = at[N_("Unit")], at[N_("VAT")]
        async for batch in result.partitions(BATCH):
            rows = [list(row) for row in batch]
            for row in rows:
                if row[quantity] is not None:  # 2, 0.5: not 2.000
                    row[quantity], row[discount] = _plain(row[quantity]), _plain(row[discount])
                    row[unit] = UNITS.get(row[unit], row[unit])
                    row[vat] = N_("no VAT") if row[vat] == "none" else f"{row[vat]}%"
            yield [tuple(row) for row in rows]


def _statement(query: OrderQuery, actor: User) -> Select:
    """The order list's own conditions and order, each order's lines in their order."""
    status = OrderStatus.name_ru if actor.language == "ru" else OrderStatus.name_en
    return (
        select(
            Order.number,
            Order.created_at,
            Client.name,
            Client.inn,
            _first(ClientPhone.e164, ClientPhone.client_id, ClientPhone.position),
            _first(ClientEmail.email, ClientEmail.client_id, ClientEmail.position),
            status,
            Order.stage_due_at,
            User.login,
            Channel.name,
            func.nullif(Product.sku, ""),
            OrderLine.description,
            OrderLine.quantity,
            OrderLine.unit_code,
            OrderLine.price,
            OrderLine.discount_percent,
            OrderLine.vat_rate,
            OrderLine.amount,
            case((OrderLine.position == 0, Order.total), else_=literal(None)),
            Order.currency,
            Order.notes,
        )
        .join(Client, Client.id == Order.client_id)
        .join(OrderStatus, OrderStatus.id == Order.status_id)
        .outerjoin(OrderLine, OrderLine.order_id == Order.id)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .outerjoin(User, User.id == Order.manager_id)
        .outerjoin(Channel, Channel.id == Order.channel_id)
        .where(*order_conditions(query, actor))
        .order_by(Order.created_at.desc(), Order.id.desc(), OrderLine.position)
    )
