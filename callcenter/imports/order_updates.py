"""An order the file updates: its lines replaced, what the file gives changed, its status
moved as the pipeline allows, all through the orders' own service."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.imports.order_plan import OrderGroup
from callcenter.orders.input import OrderInput
from callcenter.orders.models import OrderStatus
from callcenter.orders.pipeline import check_move
from callcenter.orders.service import enter_status, get_order, update_order
from callcenter.users.models import User


async def update_from_file(
    session: AsyncSession, group: OrderGroup, statuses: list[OrderStatus], *, actor: User
) -> None:
    """Refused (a closed order, a move back, another manager's client) as a DomainError."""
    assert group.order_id is not None
    order = await get_order(session, group.order_id, actor=actor)
    notes = [r.notes for r in group.rows if r.notes]
    data = OrderInput(
        client_id=order.client_id,
        manager_id=group.given("manager_id") or order.manager_id,
        channel_id=group.given("channel_id") or order.channel_id,
        notes="\n".join(dict.fromkeys(notes)) if notes else order.notes,
        stage_due=None,  # kept unless the file gives one (below)
        lines=[r.item for r in group.rows],
    )
    target = next((s for s in statuses if s.id == group.given("status_id")), None)
    if target is not None and target.id == order.status_id:
        target = None
    reason = ""
    if target is not None:
        reason = check_move(order.status, target, statuses, group.given("reason") or "")
    order = await update_order(session, order_id=order.id, data=data, actor=actor)
    if (due := group.given("stage_due")) is not None and order.status.is_open:
        order.stage_due_at = due
    if target is not None:
        await enter_status(
            session, order, target, previous=order.status, actor=actor, reason=reason, at=utcnow()
        )
        order.updated_at = utcnow()
    await session.flush()
