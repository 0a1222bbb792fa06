"""Moving an order along the pipeline, and reading its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.errors import Forbidden, Invalid
from callcenter.i18n import N_
from callcenter.orders.models import Order, OrderStatus, OrderStatusChange
from callcenter.orders.notify import notify_client
from callcenter.orders.pipeline import Move, allowed_moves, check_move
from callcenter.orders.service import enter_status, get_order
from callcenter.orders.statuses import list_statuses
from callcenter.settings import Settings
from callcenter.users.models import User
from callcenter.users.roles import Permission


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    from_status: OrderStatus | None
    to_status: OrderStatus
    user: User | None
    reason: str
    due_at: datetime | None
    left_at: datetime | None  # when the order left this status (None: still in it)


def _find(statuses: list[OrderStatus], target: int | str) -> OrderStatus:
    for status in statuses:
        if status.id == target or status.code == target:
            return status
    raise Invalid(N_("Please correct the marked fields"), fields={"status": N_("No such status")})


async def change_status(
    session: AsyncSession,
    *,
    order_id: int,
    status: int | str,
    reason: str = "",
    actor: User,
    settings: Settings,
) -> Order:
    """Move the order to ``status`` (an id or a code), write the history, queue the e-mail."""
    if not actor.can(Permission.ORDERS_EDIT):
        raise Forbidden(N_("You may not change orders"))
    await session.execute(select(Order.id).where(Order.id == order_id).with_for_update())
    order = await get_order(session, order_id, actor=actor)
    statuses = await list_statuses(session)
    target = _find(statuses, status)
    previous = order.status
    reason = check_move(previous, target, statuses, reason)
    await enter_status(
        session, order, target, previous=previous, actor=actor, reason=reason, at=utcnow()
    )
    order.updated_at = utcnow()
    await session.flush()
    session.expire(order)
    order = await get_order(session, order_id, actor=actor)
    await notify_client(
        session, order=order, status=target, previous=previous, reason=reason, settings=settings
    )
    return order


async def moves_for(session: AsyncSession, order: Order) -> list[Move]:
    return allowed_moves(order.status, await list_statuses(session))


async def order_history(session: AsyncSession, order_id: int) -> list[HistoryRow]:
    """The order's status changes, oldest first, each with when the order left that status."""
    statuses = {s.id: s for s in await list_statuses(session)}
    rows = (
        await session.execute(
            select(OrderStatusChange, User)
            .outerjoin(User, User.id == OrderStatusChange.user_id)
            .where(OrderStatusChange.order_id == order_id)
            .order_by(OrderStatusChange.at, OrderStatusChange.id)
        )
    ).all()
    history = []
    for index, (change, user) in enumerate(rows):
        left = rows[index + 1][0].at if index + 1 < len(rows) else None
        history.append(
            HistoryRow(
                at=change.at,
                from_status=statuses.get(change.from_status_id or 0),
                to_status=statuses[change.to_status_id],
                user=user,
                reason=change.reason,
                due_at=change.due_at,
                left_at=left,
            )
        )
    return history
