"""Order status texts: queued as the status and the client's preference say, once per order
and status even when two transactions race, sent through the provider (the local SMSC /
Twilio server), retried while it is down, and confirmed delivered by the status poll."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from callcenter.clients.models import Client, ClientPhone
from callcenter.mail.models import OutboxMessage
from callcenter.orders.models import OrderStatus
from callcenter.orders.moves import change_status
from callcenter.sms.models import SmsMessage
from callcenter.sms.outbox import NO_NUMBER, queue_order_text, send_texts
from callcenter.sms.providers import make_provider
from callcenter.sms.status import MESSAGES, poll_deliveries
from tests.orders.smtp_support import free_port
from tests.sms.provider import provider_server, smsc_settings, twilio_settings

MOBILE = "+79161234567"
NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


async def _texting(sessionmaker: Any, pipeline: Any, client: Any, prefers: str,
                   phone: str = MOBILE) -> None:  # fmt: skip
    async with sessionmaker.begin() as session:
        await session.execute(
            update(OrderStatus).where(OrderStatus.code.in_(("accepted", "shipped")))
            .values(notify_sms=True)
        )  # fmt: skip
        await session.execute(
            update(Client).where(Client.id == client.id).values(notify_by=prefers)
        )
        if phone:
            session.add(ClientPhone(client_id=client.id, number=phone, e164=phone))


async def _move(sessionmaker: Any, settings: Any, actor: Any, order: Any, to: str) -> Any:
    async with sessionmaker.begin() as session:
        return await change_status(session, order_id=order.id, status=to, actor=actor,
                                   settings=settings)  # fmt: skip


async def _texts(sessionmaker: Any) -> list[SmsMessage]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(SmsMessage).order_by(SmsMessage.id)))


@pytest.mark.parametrize(
    ("prefers", "texts", "emails"),
    [("sms", 1, 0), ("both", 1, 1), ("email", 0, 1), ("none", 0, 0)],
)
async def test_the_clients_preference_picks_the_channels(
    prefers: str, texts: int, emails: int, make_user: Any, make_client: Any, make_order: Any,
    sessionmaker: Any, settings: Any, pipeline: Any,
) -> None:  # fmt: skip
    manager = await make_user("manager", sees_all_clients=True)
    client = await make_client("Петров Пётр")
    await _texting(sessionmaker, pipeline, client, prefers)
    order = await make_order(manager, client, lines=[("Стол", "2", "1500")])
    await _move(sessionmaker, settings, manager, order, "accepted")
    found = await _texts(sessionmaker)
    async with sessionmaker() as session:
        letters = list(await session.scalars(select(OutboxMessage)))
    assert (len(found), len(letters)) == (texts, emails)
    if texts:
        assert found[0].to_number == MOBILE and found[0].state == "queued"
        assert (
            found[0].body == f"Заказ {order.number} на сумму 3\u00a0000,00\u00a0₽ принят в работу."
        )


async def test_a_status_texts_once_per_order_even_when_two_transactions_race(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any,
    pipeline: Any,
) -> None:  # fmt: skip
    manager = await make_user("manager", sees_all_clients=True)
    client = await make_client("Петров Пётр")
    await _texting(sessionmaker, pipeline, client, "sms")
    order = await make_order(manager, client)
    status_id = pipeline["shipped"].id

    async def queue(delay: float) -> bool:
        async with sessionmaker.begin() as session:
            made = await queue_order_text(session, client_id=client.id, order_id=order.id,
                                          status_id=status_id, body="Отгружен")  # fmt: skip
            await asyncio.sleep(delay)  # both inserts are in flight before either commits
            return made

    results = await asyncio.gather(queue(0.3), queue(0.0), queue(0.1))
    assert sorted(results) == [False, False, True]
    await _move(sessionmaker, settings, manager, order, "accepted")
    for target in ("in_production", "done", "shipped"):
        await _move(sessionmaker, settings, manager, order, target)  # shipped: already queued
    texts = await _texts(sessionmaker)
    assert [t.status_id for t in texts] == [status_id, pipeline["accepted"].id]
    assert texts[0].body == "Отгружен"  # entering «shipped» for real added no second text


async def test_a_client_without_a_mobile_number_gets_a_failed_text_not_a_lost_one(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any,
    pipeline: Any,
) -> None:  # fmt: skip
    manager = await make_user("manager", sees_all_clients=True)
    client = await make_client("Без мобильного")
    await _texting(sessionmaker, pipeline, client, "sms", phone="+74951234567")  # a landline
    order = await make_order(manager, client)
    await _move(sessionmaker, settings, manager, order, "accepted")
    (text,) = await _texts(sessionmaker)
    assert text.state == "failed" and text.last_error == NO_NUMBER and text.to_number == ""


@pytest.mark.parametrize(("kind", "delivered"), [("smsc", 1), ("twilio", "delivered")])
async def test_texts_go_out_once_survive_a_provider_down_and_are_confirmed(
    kind: str, delivered: Any, make_user: Any, make_client: Any, make_order: Any,
    sessionmaker: Any, settings: Any, pipeline: Any,
) -> None:  # fmt: skip
    manager = await make_user("manager", sees_all_clients=True)
    client = await make_client("Петров Пётр")
    await _texting(sessionmaker, pipeline, client, "sms")
    order = await make_order(manager, client)
    await _move(sessionmaker, settings, manager, order, "accepted")
    make = smsc_settings if kind == "smsc" else twilio_settings
    port = free_port()
    config = make(settings, f"http://127.0.0.1:{port}", sms_retry_seconds=30)
    provider = make_provider(config)
    assert provider is not None
    assert await send_texts(sessionmaker, config, provider, now=NOW) == 0  # nobody listens
    (text,) = await _texts(sessionmaker)
    assert (text.state, text.attempts, text.next_attempt_at) == (
        "queued", 1, NOW + timedelta(seconds=30))  # fmt: skip
    async with provider_server(port=port) as (_base, server):
        assert (
            await send_texts(sessionmaker, config, provider, now=NOW + timedelta(seconds=10)) == 0
        )
        assert (
            await send_texts(sessionmaker, config, provider, now=NOW + timedelta(seconds=30)) == 1
        )
        assert await send_texts(sessionmaker, config, provider, now=NOW + timedelta(hours=1)) == 0
        (text,) = await _texts(sessionmaker)
        server.statuses[text.message_id] = delivered
        every = timedelta(minutes=1)
        assert await poll_deliveries(sessionmaker, provider, MESSAGES, now=NOW + every,
                                     every=every) == 1  # fmt: skip
    assert [t.to for t in server.taken] == [MOBILE]
    (text,) = await _texts(sessionmaker)
    assert text.state == "delivered" and text.provider == kind and text.delivered_at
