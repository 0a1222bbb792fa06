"""Orders: read with visibility, create and edit with their lines, move along the pipeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from callcenter.audit.service import diff, record_change
from callcenter.clients.models import Channel, Client
from callcenter.clients.service import get_client
from callcenter.db import utcnow
from callcenter.errors import Conflict, Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.limits import DUE_OUT_OF_RANGE
from callcenter.orders.deadlines import follow_deadline, stage_entered
from callcenter.orders.input import (
    CleanLine,
    DueOutOfRange,
    OrderInput,
    OrderInvalid,
    ProductFacts,
    parse_due,
    validate_lines,
)
from callcenter.orders.models import Order, OrderLine, OrderStatus, OrderStatusChange
from callcenter.orders.notify import notify_client
from callcenter.orders.pipeline import first_stage
from callcenter.orders.statuses import list_statuses
from callcenter.partners.commissions import order_status_entered
from callcenter.partners.periods import local_today
from callcenter.products.models import Product
from callcenter.settings import Settings
from callcenter.users.models import User
from callcenter.users.roles import Permission, Role
from callcenter.webhooks.service import enqueue


def visible_orders(actor: User) -> ColumnElement[bool]:
    """Orders of the clients ``actor`` may see: all, or a manager's own clients'."""
    if actor.sees_every_client:
        return true()
    return Order.client_id.in_(select(Client.id).where(Client.owner_id == actor.id))


def order_loading() -> list[Any]:
    return [
        selectinload(Order.client).selectinload(Client.emails),
        selectinload(Order.manager),
        selectinload(Order.channel),
        selectinload(Order.status),
        selectinload(Order.lines),
    ]


async def get_order(session: AsyncSession, order_id: int, *, actor: User) -> Order:
    if not actor.can(Permission.ORDERS_VIEW):
        raise Forbidden(N_("You may not see orders"))
    order = await session.scalar(
        select(Order).where(Order.id == order_id).options(*order_loading())
    )
    if order is None:
        raise NotFound(N_("No such order"))
    if not actor.sees_every_client and order.client.owner_id != actor.id:
        raise Forbidden(N_("This order's client belongs to another manager"))
    return order


async def _products(session: AsyncSession, data: OrderInput) -> dict[int, ProductFacts]:
    ids = {line.product_id for line in data.lines if line.product_id is not None}
    if not ids:
        return {}
    rows = await session.scalars(select(Product).where(Product.id.in_(ids)))
    return {p.id: ProductFacts(p.name, p.price, p.unit_code, p.vat_rate) for p in rows}


async def _check_links(session: AsyncSession, data: OrderInput, errors: dict[str, str]) -> None:
    if data.manager_id is not None:
        manager = await session.get(User, data.manager_id)
        if manager is None or not manager.active:
            errors["manager_id"] = N_("No such user")
    if data.channel_id is not None and await session.get(Channel, data.channel_id) is None:
        errors["channel_id"] = N_("No such entry")


async def _clean(
    session: AsyncSession, data: OrderInput, actor: User
) -> tuple[list[CleanLine], datetime | None]:
    lines, errors = validate_lines(data.lines, await _products(session, data))
    await _check_links(session, data, errors)
    due = None
    try:
        due = parse_due(data.stage_due or "", actor.timezone)
    except DueOutOfRange:
        errors["stage_due"] = DUE_OUT_OF_RANGE
    except ValueError:
        errors["stage_due"] = N_("Not a date")
    if errors:
        raise OrderInvalid(N_("Please correct the marked fields"), fields=errors)
    if actor.role == Role.MANAGER and not actor.sees_all_clients:
        data.manager_id = actor.id  # a manager kept to their own clients manages their orders
    return lines, due


def _apply_lines(order: Order, lines: list[CleanLine]) -> None:
    order.lines = [
        OrderLine(
            position=index,
            product_id=line.product_id,
            description=line.description,
            quantity=line.quantity,
            price=line.price,
            discount_percent=line.discount_percent,
            unit_code=line.unit_code,
            vat_rate=line.vat_rate,
            amount=line.amount,
        )
        for index, line in enumerate(lines)
    ]
    order.total = sum((line.amount for line in lines), start=Decimal("0.00"))


def snapshot(order: Order) -> dict[str, Any]:
    """The audited view of an order (its status has its own history)."""
    return {
        "manager_id": order.manager_id,
        "channel_id": order.channel_id,
        "notes": order.notes,
        "total": str(order.total),
        "lines": [
            f"{line.description} × {line.quantity.normalize():f} = {line.amount}"
            for line in order.lines
        ],
    }


def order_event(order: Order) -> dict[str, Any]:
    """What a webhook tells of an order: its number, client, status, money and lines."""
    return {
        "id": order.id,
        "number": order.number,
        "client_id": order.client_id,
        "status": order.status.code,
        "currency": order.currency,
        "created_at": order.created_at,
        **snapshot(order),
    }


async def _client_for_order(session: AsyncSession, client_id: int | None, actor: User) -> Client:
    if client_id is None:
        raise OrderInvalid(
            N_("Please correct the marked fields"), fields={"client_id": N_("Choose a client")}
        )
    try:
        client = await get_client(session, client_id, actor=actor)
    except NotFound:
        raise OrderInvalid(
            N_("Please correct the marked fields"), fields={"client_id": N_("No such client")}
        ) from None
    if client.merged_into_id:
        raise OrderInvalid(
            N_("Please correct the marked fields"),
            fields={"client_id": N_("This client was merged into another one")},
        )
    return client


async def enter_status(
    session: AsyncSession,
    order: Order,
    status: OrderStatus,
    *,
    previous: OrderStatus | None,
    actor: User,
    reason: str,
    at: datetime,
    due: datetime | None = None,
) -> None:
    """Put the order in ``status``, write the history row (with that stage's deadline) and
    bring the deadline's task along."""
    if due is None and status.is_open and status.deadline_days is not None:
        due = at + timedelta(days=status.deadline_days)
    order.status_id, order.status_changed_at = status.id, at
    order.stage_due_at = due if status.is_open else None
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status_id=previous.id if previous else None,
            to_status_id=status.id,
            user_id=actor.id,
            at=at,
            reason=reason,
            due_at=order.stage_due_at,
        )
    )
    await stage_entered(session, order, status, previous)
    if previous is not None:
        event = {
            "id": order.id,
            "number": order.number,
            "client_id": order.client_id,
            "from": previous.code,
            "to": status.code,
            "kind": status.kind,
            "reason": reason,
            "at": at,
        }
        await enqueue(session, "order.status_changed", f"order:{order.id}", event)
    # delivered: the order's commissions become payable; cancelled: they reverse
    await order_status_entered(
        session, order_id=order.id, kind=status.kind, on=local_today(actor, at)
    )


async def create_order(
    session: AsyncSession, *, data: OrderInput, actor: User, settings: Settings
) -> Order:
    if not actor.can(Permission.ORDERS_EDIT):
        raise Forbidden(N_("You may not create orders"))
    client = await _client_for_order(session, data.client_id, actor)
    lines, due = await _clean(session, data, actor)
    start = first_stage(await list_statuses(session))
    if start is None:
        raise Conflict(N_("The order pipeline has no open status: ask an admin"))
    now = utcnow()
    sequence = await session.scalar(text("SELECT nextval('order_number_seq')"))
    order = Order(
        number=f"{now:%Y}-{sequence:05d}",
        client_id=client.id,
        manager_id=data.manager_id or client.owner_id or actor.id,
        channel_id=data.channel_id or client.channel_id,
        currency=settings.currency,
        notes=data.notes.strip(),
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        status_id=start.id,
        status_changed_at=now,
    )
    _apply_lines(order, lines)
    session.add(order)
    await session.flush()
    await enter_status(
        session, order, start, previous=None, actor=actor, reason="", at=now, due=due
    )
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="order",
        entity_id=order.id,
        action="created",
        changes=diff({}, snapshot(order)),
    )
    order = await get_order(session, order.id, actor=actor)
    await enqueue(session, "order.created", f"order:{order.id}", order_event(order))
    await notify_client(
        session, order=order, status=order.status, previous=None, reason="", settings=settings
    )
    return order


async def update_order(
    session: AsyncSession, *, order_id: int, data: OrderInput, actor: User
) -> Order:
    """Change an open order's lines, manager, channel, notes or the current stage's deadline.

    ``data.stage_due`` None keeps the deadline; an empty string clears it.
    """
    if not actor.can(Permission.ORDERS_EDIT):
        raise Forbidden(N_("You may not edit orders"))
    order = await get_order(session, order_id, actor=actor)
    if not order.status.is_open:
        raise Conflict(N_("A closed order cannot be edited"))
    keep_due = data.stage_due is None
    lines, due = await _clean(session, data, actor)
    before = snapshot(order)
    followed = (order.stage_due_at, order.manager_id)
    order.manager_id = data.manager_id
    order.channel_id = data.channel_id
    order.notes = data.notes.strip()
    if not keep_due:
        order.stage_due_at = due
    order.updated_at = utcnow()
    _apply_lines(order, lines)
    await session.flush()
    if (order.stage_due_at, order.manager_id) != followed:
        await follow_deadline(session, order, order.status)
    if changes := diff(before, snapshot(order)):
        await record_change(
            session,
            actor=actor,
            entity="order",
            entity_id=order.id,
            action="updated",
            changes=changes,
        )
    session.expire(order)
    return await get_order(session, order_id, actor=actor)
