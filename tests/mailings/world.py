"""A small sent-mailings world written straight into the database, for the figures, the
channels report and the follow-up campaigns, with every value worked out by hand.

T0 = 2026-03-02 10:00 UTC. Mailing A (attribution 7 days, replies 3 days), sent at T0 to
anna, boris, dasha (sent; dasha unsubscribed), vera (bounced), gleb (failed, never sent).
Mailing B (attribution 7 days) sent at T0+2d to boris. Links: A#1 catalog, A#2 sale, B#1.
Hits: anna opens A at +1h, clicks A#1 at +2h and +2h30, A#2 at +3h; boris opens A at +1d;
boris clicks B#1 at +3d. Orders: anna o1 100.00 at +3h+7d (exactly A's window end: A),
o2 1000.00 at +3h+7d+1s (outside), o3 50.00 at +30min (before any touch), o4 999.00 at +1d
cancelled; boris o5 200.00 at +4d (latest touch B's: B), o6 300.00 at +2d (A's open: A).
Calls (inbound unless said): anna at +3d (exactly A's reply end: a reply), boris at -1h
(before), boris outbound at +1h, dasha at +3d+1s (too late), gleb at +1h (never sent).
So A: sent 4, delivered 3, failed 1, bounced 1, opened 2, clicked 1, unsubscribed 1,
replied 1, orders 2, revenue 400.00, links #1 2 clicks by 1, #2 1 by 1; B: orders 1, 200.00.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from callcenter.calls.models import CallRow
from callcenter.mailings.models import Mailing, MailingLink, MailingRecipient
from callcenter.mailings.tracking import record_click, record_open
from callcenter.orders.models import Order, OrderStatus
from callcenter.orders.statuses import seed_default_pipeline
from tests.mailings.support import add_client

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
H, D = timedelta(hours=1), timedelta(days=1)


@dataclass
class World:
    a: int
    b: int
    clients: dict[str, int] = field(default_factory=dict)
    recipients: dict[tuple[str, str], int] = field(default_factory=dict)


async def add_mailing(session: Any, author_id: int | None, name: str, **fields: Any) -> Mailing:
    mailing = Mailing(
        name=name, channel="email", kind="service", audience={}, subject="s", body_html="",
        body_text="t {{ unsubscribe_url }}", state="done", window_from=time(0, 0),
        window_to=time(23, 59), rate_per_minute=60, created_by_id=author_id, **fields,
    )  # fmt: skip
    session.add(mailing)
    await session.flush()
    return mailing


async def add_recipient(
    session: Any, mailing: Mailing, client_id: int, name: str, state: str, sent_at: Any
) -> int:
    row = MailingRecipient(
        mailing_id=mailing.id, client_id=client_id, name=name, address=f"{name}@example.ru",
        zones="", state=state, reason="", attempts=1, sent_at=sent_at,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return row.id


async def add_order(session: Any, client_id: int, at: datetime, total: str, code: str) -> None:
    status = await session.scalar(select(OrderStatus.id).where(OrderStatus.code == code))
    session.add(
        Order(
            number=f"T-{uuid.uuid4().hex[:8]}",
            client_id=client_id,
            status_id=status,
            currency="RUB",
            total=Decimal(total),
            created_at=at,
        )  # fmt: skip
    )


async def add_call(session: Any, client_id: int, at: datetime, direction: str) -> None:
    session.add(
        CallRow(
            linkedid=uuid.uuid4().hex,
            direction=direction,
            caller="+79160000001",
            client_id=client_id,
            started_at=at,
        )  # fmt: skip
    )


async def build_world(sessionmaker: Any, author_id: int | None) -> World:
    async with sessionmaker() as session:
        ids = {
            n: (await add_client(session, n, f"{n}@example.ru")).id
            for n in ("anna", "boris", "vera", "gleb", "dasha")
        }
    async with sessionmaker.begin() as session:
        await seed_default_pipeline(session)
        a = await add_mailing(session, author_id, "A", attribution_days=7, reply_days=3)
        b = await add_mailing(session, author_id, "B", attribution_days=7, reply_days=3)
        world = World(a.id, b.id, ids)
        for name, state, sent in (("anna", "sent", T0), ("boris", "sent", T0),
                                  ("dasha", "sent", T0), ("vera", "bounced", None),
                                  ("gleb", "failed", None)):  # fmt: skip
            world.recipients[("A", name)] = await add_recipient(
                session, a, ids[name], name, state, sent
            )
        world.recipients[("B", "boris")] = await add_recipient(
            session, b, ids["boris"], "boris", "sent", T0 + 2 * D
        )
        dasha = await session.get(MailingRecipient, world.recipients[("A", "dasha")])
        dasha.unsubscribed_at = T0 + H
        session.add_all([
            MailingLink(mailing_id=a.id, number=1, url="https://shop.example.ru/catalog"),
            MailingLink(mailing_id=a.id, number=2, url="https://shop.example.ru/sale"),
            MailingLink(mailing_id=b.id, number=1, url="https://shop.example.ru/b"),
        ])  # fmt: skip
        await session.flush()
        await _hits(session, world)
        await _orders_and_calls(session, ids)
    return world


async def _hits(session: Any, world: World) -> None:
    anna, boris = world.recipients[("A", "anna")], world.recipients[("A", "boris")]
    assert await record_open(session, recipient_id=anna, at=T0 + H)
    for number, at in ((1, T0 + 2 * H), (1, T0 + 2.5 * H), (2, T0 + 3 * H)):
        assert await record_click(session, recipient_id=anna, number=number, at=at)
    assert await record_open(session, recipient_id=boris, at=T0 + D)
    b_boris = world.recipients[("B", "boris")]
    assert await record_click(session, recipient_id=b_boris, number=1, at=T0 + 3 * D)


async def _orders_and_calls(session: Any, ids: dict[str, int]) -> None:
    anna, boris = ids["anna"], ids["boris"]
    await add_order(session, anna, T0 + 3 * H + 7 * D, "100.00", "new")
    await add_order(session, anna, T0 + 3 * H + 7 * D + timedelta(seconds=1), "1000.00", "new")
    await add_order(session, anna, T0 + 0.5 * H, "50.00", "new")
    await add_order(session, anna, T0 + D, "999.00", "cancelled")
    await add_order(session, boris, T0 + 4 * D, "200.00", "new")
    await add_order(session, boris, T0 + 2 * D, "300.00", "new")
    await add_call(session, anna, T0 + 3 * D, "inbound")
    await add_call(session, boris, T0 - H, "inbound")
    await add_call(session, boris, T0 + H, "outbound")
    await add_call(session, ids["dasha"], T0 + 3 * D + timedelta(seconds=1), "inbound")
    await add_call(session, ids["gleb"], T0 + H, "inbound")
