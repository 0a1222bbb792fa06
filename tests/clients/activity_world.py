"""A client with every kind of activity, written straight as rows at chosen moments (ties
included), for the activity feed's tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from callcenter.audit.models import AuditEntry
from callcenter.calls.models import CallRow, CallWrapup
from callcenter.clients.models import Client
from callcenter.feedback.models import Feedback
from callcenter.invoices.models import Invoice
from callcenter.mail.models import OutboxMessage
from callcenter.mailings.models import MailingRecipient
from callcenter.orders.models import Order, OrderStatus, OrderStatusChange
from callcenter.orders.statuses import seed_default_pipeline
from callcenter.tasks.models import Task
from tests.mailings.world import add_mailing

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Feed:
    client_id: int
    other_id: int  # another client's rows must never show
    # (at, kind, id) of every row written for the client, whatever kind
    keys: list[tuple[datetime, str, int]] = field(default_factory=list)
    statuses: dict[str, OrderStatus] = field(default_factory=dict)


async def _add(session: Any, feed: Feed | None, kind: str, row: Any, at: datetime) -> Any:
    session.add(row)
    await session.flush()
    if feed is not None:
        feed.keys.append((at, kind, row.id))
    return row


async def build_feed(session: Any, *, owner_id: int | None, rounds: int = 4) -> Feed:
    """``rounds`` rounds of one item of every kind; within a round several kinds share a
    moment, so the keyset's ties between kinds and within a kind are exercised."""
    statuses = {s.code: s for s in await seed_default_pipeline(session)}
    client = Client(kind="company", name="ООО «Лента»", owner_id=owner_id)
    other = Client(kind="person", name="Чужой", owner_id=owner_id)
    session.add_all([client, other])
    await session.flush()
    feed = Feed(client.id, other.id, statuses=statuses)
    mailing = await add_mailing(session, None, "Весенняя")
    first, second = list(statuses.values())[:2]
    for n in range(rounds):
        at = START + timedelta(hours=n)
        for target in (client, other):
            mine = feed if target is client else None
            await _round(session, mine, target.id, at, n, mailing.id, (first, second), owner_id)
    return feed


async def _round(
    session: Any,
    feed: Feed | None,
    client_id: int,
    at: datetime,
    n: int,
    mailing_id: int,
    pipeline: tuple[OrderStatus, OrderStatus],
    owner_id: int | None,
) -> None:
    first, second = pipeline
    tie = at  # calls, orders, tasks and the client's changes share this moment
    call = CallRow(
        linkedid=uuid.uuid4().hex, direction="inbound", caller="+79161234567",
        client_id=client_id, started_at=tie, outcome="answered",
    )  # fmt: skip
    await _add(session, feed, "call", call, tie)
    session.add(CallWrapup(call_id=call.id, result="resolved", note=f"заметка {n}"))
    order = Order(
        number=f"2026-{client_id:02d}{n:03d}", client_id=client_id, status_id=second.id,
        currency="RUB", total=Decimal("5000.00") + n, created_at=tie,
    )  # fmt: skip
    await _add(session, feed, "order", order, tie)
    session.add(OrderStatusChange(order_id=order.id, to_status_id=first.id, at=tie))
    move = OrderStatusChange(
        order_id=order.id, from_status_id=first.id, to_status_id=second.id,
        at=tie + timedelta(minutes=5), reason="",
    )  # fmt: skip
    await _add(session, feed, "status", move, move.at)
    task = Task(
        kind="call", title=f"Перезвонить {n}", due_at=tie, client_id=client_id, created_at=tie
    )
    await _add(session, feed, "task", task, tie)
    for k in range(2):  # two of one kind at one moment
        note = Feedback(kind="review", client_id=client_id, text=f"отзыв {n}.{k}", created_at=tie)
        await _add(session, feed, "feedback", note, tie)
    email = OutboxMessage(
        to_address="a@example.ru", subject=f"Заказ {n}", body="", entity="order",
        entity_id=order.id, created_at=tie + timedelta(minutes=10),
    )  # fmt: skip
    await _add(session, feed, "email", email, email.created_at)
    letter = MailingRecipient(
        mailing_id=mailing_id, client_id=client_id, name="a", address=f"a{client_id}.{n}@x.ru",
        zones="", state="sent", reason="", attempts=1, sent_at=tie + timedelta(minutes=20),
    )  # fmt: skip
    if n == 0:  # one letter per client and mailing
        await _add(session, feed, "mailing", letter, letter.sent_at)
    change = AuditEntry(
        entity="client", entity_id=client_id, action="updated", at=tie,
        changes={"kind": ["person", "company"], "notes": ["", f"примечание {n}"]},
    )  # fmt: skip
    await _add(session, feed, "change", change, tie)
    order_change = AuditEntry(
        entity="order", entity_id=order.id, action="updated", at=tie + timedelta(minutes=1),
        changes={"total": ["5000.00", f"{5100 + n}.00"], "manager_id": [None, owner_id]},
    )  # fmt: skip
    await _add(session, feed, "change", order_change, order_change.at)


async def add_invoice_email(session: Any, invoice: Invoice, at: datetime) -> OutboxMessage:
    message = OutboxMessage(
        to_address="buh@example.ru", subject="Счёт", body="", entity="invoice",
        entity_id=invoice.id, created_at=at,
    )  # fmt: skip
    session.add(message)
    await session.flush()
    return message
