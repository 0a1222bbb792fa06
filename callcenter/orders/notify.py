"""The client's e-mail and text message when an order enters a status the admin chose to
notify on: by e-mail, by SMS or both as the status says, held to how the client wants to
hear (``Client.notify_by``: e-mail, SMS, both or none). A text goes once per order and
status, however often the order comes back to it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.i18n import format_money, format_when
from callcenter.mail.models import OutboxMessage
from callcenter.mail.service import queue_message
from callcenter.orders.letters import render
from callcenter.orders.models import Order, OrderStatus
from callcenter.settings import Settings
from callcenter.sms.outbox import queue_order_text


def letter_values(
    order: Order,
    status: OrderStatus,
    previous: OrderStatus | None,
    reason: str,
    settings: Settings,
) -> dict[str, str]:
    """What the placeholders stand for, in the company's language and time zone."""
    language, zone = settings.default_language, settings.default_timezone
    manager = order.manager.display_name if order.manager else ""
    return {
        "number": order.number,
        "client": order.client.name,
        "status": status.name(language),
        "previous_status": previous.name(language) if previous else "",
        "total": format_money(order.total, order.currency, language),
        "deadline": format_when(order.stage_due_at, language, zone, "d MMMM yyyy")
        if order.stage_due_at
        else "",
        "reason": reason,
        "manager": manager,
        "date": format_when(order.created_at, language, zone, "d MMMM yyyy"),
    }


async def notify_client(
    session: AsyncSession,
    *,
    order: Order,
    status: OrderStatus,
    previous: OrderStatus | None,
    reason: str,
    settings: Settings,
) -> OutboxMessage | None:
    """Queue the status e-mail (to the client's first address) and the text (to their first
    mobile number) that the status and the client's preference ask for."""
    prefers = order.client.notify_by
    values = letter_values(order, status, previous, reason, settings)
    if status.notify_sms and status.sms_text.strip() and prefers in ("sms", "both"):
        await queue_order_text(
            session, client_id=order.client_id, order_id=order.id, status_id=status.id,
            body=render(status.sms_text, values),
        )  # fmt: skip
    if not status.notify_client or prefers not in ("email", "both"):
        return None
    emails = order.client.emails
    return await queue_message(
        session,
        to=emails[0].email if emails else "",
        subject=render(status.email_subject, values),
        body=render(status.email_body, values),
        entity="order",
        entity_id=order.id,
    )
