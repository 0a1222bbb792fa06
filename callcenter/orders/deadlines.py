"""A stage's deadline is a task for the order's manager, kept in the order's own transaction.

Entering a stage that has a deadline (from its days, or set by hand) makes one task due then,
keyed ``order:<id>:deadline``: a "shipment" task for the stages about shipping (their codes
say so: ``done`` — ready to ship —, or ``ship…``, ``deliver…``, ``dispatch…``, ``pickup…``),
"other" for the rest. A moved deadline moves the task (and lets it remind again); a new
manager gets it. Leaving the stage finishes it — done when the order moved on, cancelled when
the order was cancelled or the deadline cleared — so each stage's task says whether that
stage was met on time.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.i18n import N_, translations
from callcenter.orders.models import Order, OrderStatus
from callcenter.tasks.sources import finish_task, keep_task
from callcenter.users.models import User

SHIPPING_CODES = ("done", "ready")  # the goods are ready: shipping them is what is due
SHIPPING_WORDS = ("ship", "deliver", "dispatch", "pickup", "courier")
TITLE = N_("Order %(number)s: stage «%(stage)s» due")


def deadline_key(order_id: int) -> str:
    return f"order:{order_id}:deadline"


def task_kind(stage: OrderStatus) -> str:
    """ "shipment" for a stage about shipping, by its code; "other" otherwise."""
    code = stage.code.lower()
    if code in SHIPPING_CODES or any(word in code for word in SHIPPING_WORDS):
        return "shipment"
    return "other"


async def follow_deadline(session: AsyncSession, order: Order, stage: OrderStatus) -> None:
    """Make, move or drop the task of ``stage``'s deadline as the order now has it.

    ``order`` must be flushed (it has an id) and ``stage`` be the stage it is in.
    """
    key = deadline_key(order.id)
    if not stage.is_open or order.stage_due_at is None:
        await finish_task(session, key=key, done=False)
        return
    assignee_id = order.manager_id or order.created_by_id
    assignee = await session.get(User, assignee_id) if assignee_id else None
    language = assignee.language if assignee else "ru"
    title = translations(language).gettext(TITLE) % {
        "number": order.number,
        "stage": stage.name(language),
    }
    await keep_task(
        session,
        key=key,
        kind=task_kind(stage),
        title=title,
        due_at=order.stage_due_at,
        assignee_id=assignee_id,
        client_id=order.client_id,
        order_id=order.id,
    )


async def stage_entered(
    session: AsyncSession, order: Order, stage: OrderStatus, previous: OrderStatus | None
) -> None:
    """The order left ``previous`` for ``stage``: finish the old stage's task, keep the new."""
    if previous is not None and previous.id != stage.id:
        await finish_task(session, key=deadline_key(order.id), done=stage.kind != "cancel")
    await follow_deadline(session, order, stage)
