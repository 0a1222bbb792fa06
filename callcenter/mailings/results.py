"""What a mailing did and what it sold.

- sent: messages the mail server or SMS provider took or refused for good (``sent``,
  ``delivered`` + ``bounced``); delivered: an e-mail taken (no bounce came back), a text
  the provider confirmed; failed; bounced.
- opened / clicked: recipients with a first open (the pixel, or any click) / a first click;
  per link: its clicks and the recipients who clicked it.
- unsubscribed: recipients who unsubscribed by the letter's link.
- replied by call: recipients whose client called in (an inbound call) from the moment the
  letter was sent until ``reply_days`` days after it, both ends included.
- orders and revenue (cancelled orders left out): an order is the mailing's when the latest
  touch (an open or a click, of any mailing) of its client at or before the order's creation,
  among those whose mailing's attribution window (``attribution_days`` after the touch, the
  end included) still covers it, is one of this mailing's. So an order is counted once, for
  one mailing, even when two mailings touched the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallRow
from callcenter.mailings.models import Mailing, MailingEvent, MailingLink, MailingRecipient
from callcenter.orders.models import Order, OrderStatus

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LinkClicks:
    number: int
    url: str
    clicks: int
    recipients: int


@dataclass
class MailingResults:
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    bounced: int = 0
    opened: int = 0
    clicked: int = 0
    unsubscribed: int = 0
    replied_by_call: int = 0
    orders: int = 0
    revenue: Decimal = ZERO
    links: list[LinkClicks] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "delivered": self.delivered,
            "failed": self.failed,
            "bounced": self.bounced,
            "opened": self.opened,
            "clicked": self.clicked,
            "unsubscribed": self.unsubscribed,
            "replied_by_call": self.replied_by_call,
            "orders": self.orders,
            "revenue": f"{self.revenue:.2f}",
            "links": [
                {"number": x.number, "url": x.url, "clicks": x.clicks, "recipients": x.recipients}
                for x in self.links
            ],
        }


def attributed_orders(clients: Any = None) -> Any:
    """Every (order, its total, its creation, the mailing it is credited to) with a touch,
    optionally only for the clients ``clients`` (a select of client ids) selects."""
    touches = (
        select(
            MailingRecipient.client_id,
            MailingRecipient.mailing_id,
            MailingEvent.at,
            Mailing.attribution_days,
        )
        .join(MailingRecipient, MailingRecipient.id == MailingEvent.recipient_id)
        .join(Mailing, Mailing.id == MailingRecipient.mailing_id)
        .where(MailingRecipient.client_id.is_not(None))
    )
    if clients is not None:
        touches = touches.where(MailingRecipient.client_id.in_(clients))
    touch = touches.cte("touches")
    window_end = touch.c.at + func.make_interval(0, 0, 0, touch.c.attribution_days)
    cancelled = select(OrderStatus.id).where(OrderStatus.kind == "cancel")
    return (
        select(
            Order.id.label("order_id"),
            Order.total,
            Order.created_at,
            Order.channel_id,
            touch.c.mailing_id,
        )
        .join(
            touch,
            and_(
                touch.c.client_id == Order.client_id,
                touch.c.at <= Order.created_at,
                Order.created_at <= window_end,
            ),
        )
        .where(Order.status_id.not_in(cancelled))
        .ext(distinct_on(Order.id))
        .order_by(Order.id, touch.c.at.desc(), touch.c.mailing_id.desc())
        .subquery("attributed")
    )


async def _states(session: AsyncSession, results: MailingResults, mailing: Mailing) -> None:
    """An e-mail is delivered once the server took it (no bounce came back); a text once
    the provider confirmed it (state ``delivered``), merely taken until then."""
    row, mailing_id = MailingRecipient, mailing.id
    counted = await session.execute(
        select(
            func.count().filter(row.state.in_(("sent", "delivered"))),
            func.count().filter(row.state == "delivered"),
            func.count().filter(row.state == "bounced"),
            func.count().filter(row.state == "failed"),
            func.count().filter(row.first_opened_at.is_not(None)),
            func.count().filter(row.first_clicked_at.is_not(None)),
            func.count().filter(row.unsubscribed_at.is_not(None)),
        ).where(row.mailing_id == mailing_id)
    )
    taken, confirmed, bounced, failed, opened, clicked, unsubscribed = counted.one()
    results.sent = taken + bounced
    results.delivered = confirmed if mailing.channel == "sms" else taken
    results.bounced, results.failed = bounced, failed
    results.opened, results.clicked, results.unsubscribed = opened, clicked, unsubscribed


async def _replies(session: AsyncSession, mailing: Mailing) -> int:
    called = (
        select(CallRow.id)
        .where(
            CallRow.client_id == MailingRecipient.client_id,
            CallRow.direction == "inbound",
            CallRow.started_at >= MailingRecipient.sent_at,
            CallRow.started_at
            <= MailingRecipient.sent_at + func.make_interval(0, 0, 0, mailing.reply_days),
        )
        .exists()
    )
    found = await session.scalar(
        select(func.count()).where(
            MailingRecipient.mailing_id == mailing.id,
            MailingRecipient.sent_at.is_not(None),
            called,
        )
    )
    return found or 0


async def _links(session: AsyncSession, mailing_id: int) -> list[LinkClicks]:
    rows = await session.execute(
        select(
            MailingLink.number,
            MailingLink.url,
            func.count(MailingEvent.id),
            func.count(distinct(MailingEvent.recipient_id)),
        )
        .outerjoin(MailingEvent, MailingEvent.link_id == MailingLink.id)
        .where(MailingLink.mailing_id == mailing_id)
        .group_by(MailingLink.id)
        .order_by(MailingLink.number)
    )
    return [LinkClicks(n, url, clicks, people) for n, url, clicks, people in rows]


async def mailing_results(session: AsyncSession, mailing: Mailing) -> MailingResults:
    results = MailingResults()
    await _states(session, results, mailing)
    results.replied_by_call = await _replies(session, mailing)
    results.links = await _links(session, mailing.id)
    clients = select(MailingRecipient.client_id).where(
        MailingRecipient.mailing_id == mailing.id, MailingRecipient.client_id.is_not(None)
    )
    credited = attributed_orders(clients)
    orders, revenue = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(credited.c.total), ZERO)).where(
                credited.c.mailing_id == mailing.id
            )
        )
    ).one()
    results.orders, results.revenue = orders, revenue
    return results
