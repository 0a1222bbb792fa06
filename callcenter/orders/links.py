"""What links to an order (a task, feedback) must agree with it: the order exists, it is the
linked client's, and someone linking it anew may see it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client
from callcenter.i18n import N_
from callcenter.orders.models import Order
from callcenter.users.models import User


@dataclass(frozen=True)
class OrderLink:
    client_id: int | None  # the client to link: the one named, or else the order's
    error: str = ""  # why the order cannot be linked (for the order_id field)


async def check_order_link(
    session: AsyncSession,
    *,
    order_id: int | None,
    client_id: int | None,
    actor: User,
    kept_order: int | None = None,
) -> OrderLink:
    """``kept_order``: the order already linked, which stays linked whoever edits."""
    if order_id is None:
        return OrderLink(client_id)
    row = (
        await session.execute(
            select(Order.client_id, Client.owner_id)
            .join(Client, Client.id == Order.client_id)
            .where(Order.id == order_id)
        )
    ).one_or_none()
    if row is None:
        return OrderLink(client_id, N_("No such order"))
    order_client, owner_id = row
    if order_id != kept_order and not actor.sees_every_client and owner_id != actor.id:
        return OrderLink(client_id, N_("This order's client belongs to another manager"))
    if client_id is not None and client_id != order_client:
        return OrderLink(client_id, N_("This order is another client's"))
    return OrderLink(order_client)


async def linkable_order(session: AsyncSession, order_id: int | None, actor: User) -> Order | None:
    """The order a new task or feedback may be prefilled with: one the actor may link."""
    if order_id is None:
        return None
    link = await check_order_link(session, order_id=order_id, client_id=None, actor=actor)
    return None if link.error else await session.get(Order, order_id)
