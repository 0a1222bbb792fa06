"""A small fixed data set for the loyalty and bonus reports, with figures worked by hand in
test_loyalty.py and test_bonuses.py.

Four clients (times UTC; the reports read them in Europe/Moscow, UTC+3):

- A (owner m1, channel "Radio"): delivered orders 10 Jan 10:00 (1,000), 10 Mar 10:00 (3,000)
  and 31 Mar 22:30 (2,000, already 1 Apr in Moscow); inbound calls 1, 5 and 20 Mar; NPS 10
  on 11 Mar; an open complaint on 2 Apr.
- B (owner m1, channel "Web"): delivered 1 Feb 12:00 (500), refused 15 Feb (700), new
  20 Feb 12:00 (800); an inbound call 1 Feb; NPS 6 on 21 Feb, a rating of 4 on 22 Feb.
- C (owner m2): delivered 1 Jun 2025 (40,000); NPS 8 on 15 Mar.
- D (owner m2): no orders; an inbound call 2 Mar and an outbound one 3 Mar.

Fulfilled orders entered "delivered" a day after they were made. Calls of March were
answered by m1 (1 Mar, 60 s; 20 Mar, 30 s) and m2 (5 Mar, 120 s; 2 Mar, 90 s). Tasks:
m1 due 10 Mar done early, due 12 Mar done late; m2 due 15 Mar done early, due 16 Mar open,
due 17 Mar cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallLegRow, CallRow
from callcenter.clients.models import Channel, Client
from callcenter.feedback.models import Feedback
from callcenter.orders.models import Order, OrderStatus, OrderStatusChange
from callcenter.orders.statuses import seed_default_pipeline
from callcenter.tasks.models import Task


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


NOW = utc(2026, 6, 30, 12)


@dataclass
class Clients:
    a: Client
    b: Client
    c: Client
    d: Client


async def _status(session: AsyncSession, code: str) -> OrderStatus:
    return (await session.scalars(select(OrderStatus).where(OrderStatus.code == code))).one()


async def add_order(
    session: AsyncSession, client: Client, code: str, at: datetime, total: str, manager: int
) -> Order:
    status = await _status(session, code)
    moved = at + timedelta(days=1) if code != "new" else at
    order = Order(
        number=f"T-{client.id}-{at:%m%d%H%M}",
        client_id=client.id,
        manager_id=manager,
        status_id=status.id,
        currency="RUB",
        total=Decimal(total),
        created_at=at,
        status_changed_at=moved,
    )
    session.add(order)
    await session.flush()
    new = await _status(session, "new")
    session.add(OrderStatusChange(order_id=order.id, to_status_id=new.id, at=at))
    if code != "new":
        session.add(OrderStatusChange(order_id=order.id, to_status_id=status.id, at=moved))
    return order


async def add_call(
    session: AsyncSession,
    client: Client,
    at: datetime,
    *,
    direction: str = "inbound",
    agent: int | None = None,
    talk: float = 0.0,
) -> CallRow:
    call = CallRow(
        linkedid=f"L{client.id}-{at:%m%d%H%M}",
        direction=direction,
        client_id=client.id,
        started_at=at,
        answered_at=at + timedelta(seconds=5) if agent else None,
        ended_at=at + timedelta(seconds=5 + talk),
        outcome="answered" if agent else "missed",
        talk_seconds=talk,
    )
    session.add(call)
    await session.flush()
    if agent:
        session.add(
            CallLegRow(
                call_id=call.id,
                uniqueid=f"U{call.id}",
                channel="PJSIP/100-1",
                user_id=agent,
                started_at=at,
                answered_at=at + timedelta(seconds=5),
                ended_at=at + timedelta(seconds=5 + talk),
                talk_seconds=talk,
            )
        )
    return call


def feedback(client: Client, at: datetime, kind: str = "review", **score: object) -> Feedback:
    return Feedback(kind=kind, client_id=client.id, text="…", created_at=at, **score)


def task(assignee: int, due: datetime, status: str = "open", done: datetime | None = None) -> Task:
    return Task(
        kind="call",
        title="Call back",
        due_at=due,
        status=status,
        assignee_id=assignee,
        done_at=done,
    )


async def add_loyalty_data(session: AsyncSession, m1: int, m2: int) -> Clients:
    await seed_default_pipeline(session)
    radio, web = Channel(name="Radio"), Channel(name="Web")
    session.add_all([radio, web])
    await session.flush()
    a = Client(kind="person", name="Alpha", owner_id=m1, channel_id=radio.id)
    b = Client(kind="person", name="Beta", owner_id=m1, channel_id=web.id)
    c = Client(kind="company", name="Gamma", owner_id=m2)
    d = Client(kind="person", name="Delta", owner_id=m2)
    session.add_all([a, b, c, d])
    await session.flush()
    await add_order(session, a, "delivered", utc(2026, 1, 10, 10), "1000", m1)
    await add_order(session, a, "delivered", utc(2026, 3, 10, 10), "3000", m1)
    await add_order(session, a, "delivered", utc(2026, 3, 31, 22, 30), "2000", m1)
    await add_order(session, b, "delivered", utc(2026, 2, 1, 12), "500", m1)
    await add_order(session, b, "refused", utc(2026, 2, 15, 12), "700", m1)
    await add_order(session, b, "new", utc(2026, 2, 20, 12), "800", m1)
    await add_order(session, c, "delivered", utc(2025, 6, 1, 10), "40000", m2)
    await add_call(session, a, utc(2026, 3, 1, 9), agent=m1, talk=60)
    await add_call(session, a, utc(2026, 3, 5, 9), agent=m2, talk=120)
    await add_call(session, a, utc(2026, 3, 20, 9), agent=m1, talk=30)
    await add_call(session, b, utc(2026, 2, 1, 11))
    await add_call(session, d, utc(2026, 3, 2, 10), agent=m2, talk=90)
    await add_call(session, d, utc(2026, 3, 3, 10), direction="outbound")
    session.add_all(
        [
            feedback(a, utc(2026, 3, 11, 10), score_scale="nps", score=10),
            feedback(a, utc(2026, 4, 2, 10), kind="complaint"),
            feedback(b, utc(2026, 2, 21, 10), score_scale="nps", score=6),
            feedback(b, utc(2026, 2, 22, 10), score_scale="rating", score=4),
            feedback(c, utc(2026, 3, 15, 10), score_scale="nps", score=8),
            task(m1, utc(2026, 3, 10, 10), "done", utc(2026, 3, 10, 9)),
            task(m1, utc(2026, 3, 12, 10), "done", utc(2026, 3, 13, 9)),
            task(m2, utc(2026, 3, 15, 10), "done", utc(2026, 3, 14, 9)),
            task(m2, utc(2026, 3, 16, 10)),
            task(m2, utc(2026, 3, 17, 10), "cancelled"),
        ]
    )
    await session.flush()
    return Clients(a, b, c, d)
