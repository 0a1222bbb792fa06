"""The sender against a real receiver on loopback: signed as docs/webhooks.md says, retried
with growing pauses until the receiver recovers, failed after a day, an endpoint paused after
failures in a row, an entity's deliveries in order, written only with a committed change and
never sent twice by two senders at once."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.db import utcnow
from callcenter.webhooks.models import Delivery, Endpoint
from callcenter.webhooks.sender import Policy, send_due, send_webhooks
from callcenter.webhooks.service import EndpointInput, create_endpoint, enqueue, resume_endpoint
from tests.webhooks.support import Receiver, documented_verify
from web.webhook_client import HttpTransport

POLICY = Policy(retry_seconds=30, pause_after=3)


async def _endpoint(sessionmaker: Any, url: str, *events: str) -> tuple[int, str]:
    async with sessionmaker.begin() as session:
        endpoint, secret = await create_endpoint(
            session, data=EndpointInput(url=url, events=list(events or ["order.created"])),
            actor=None, allow_private=True,
        )  # fmt: skip
    return endpoint.id, secret


async def _enqueue(sessionmaker: Any, *items: tuple[str, str, dict[str, Any]]) -> None:
    async with sessionmaker.begin() as session:
        for event, entity, payload in items:
            await enqueue(session, event, entity, payload)


async def _deliveries(sessionmaker: Any) -> list[Delivery]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.id)))


async def test_a_delivery_is_signed_so_the_documented_check_accepts_it_and_nothing_else(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    _, secret = await _endpoint(sessionmaker, receiver.url)
    await _enqueue(sessionmaker, ("order.created", "order:7", {"id": 7, "total": "10.50"}))
    assert await send_due(sessionmaker, transport, POLICY) == 1
    verify = documented_verify()
    [heard] = receiver.heard
    header = heard.headers["X-Callcenter-Signature"]
    assert verify(secret, header, heard.body)
    assert not verify(secret, header, heard.body.replace(b"10.50", b"99.50"))
    assert not verify(secret + "x", header, heard.body)
    assert not verify(secret, header.replace("t=", "t=1"), heard.body)  # another time
    for garbage in ("", "t=", "v1=abc", "t=x,v1=y", "t=1,v1=" + "0" * 64, ",,,", "=" * 500):
        assert not verify(secret, garbage, heard.body)
    event = heard.event
    assert event["event"] == "order.created" and event["entity"] == "order:7"
    assert event["data"] == {"id": 7, "total": "10.50"}
    assert heard.headers["X-Callcenter-Event"] == "order.created"
    [delivery] = await _deliveries(sessionmaker)
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("sent", 1, 204)
    assert str(delivery.event_id) == event["id"]


async def test_a_change_rolled_back_writes_no_delivery_and_sends_nothing(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    await _endpoint(sessionmaker, receiver.url)
    with pytest.raises(RuntimeError):
        async with sessionmaker.begin() as session:
            await enqueue(session, "order.created", "order:1", {"id": 1})
            raise RuntimeError("the change failed after its event was enqueued")
    assert await _deliveries(sessionmaker) == []
    assert await send_due(sessionmaker, transport, POLICY) == 0
    assert receiver.heard == []


async def test_only_active_endpoints_subscribed_to_the_event_get_a_row(
    sessionmaker: Any, receiver: Receiver
) -> None:
    orders, _ = await _endpoint(sessionmaker, receiver.url, "order.created")
    both, _ = await _endpoint(sessionmaker, receiver.url, "order.created", "client.created")
    off, _ = await _endpoint(sessionmaker, receiver.url, "client.created")
    async with sessionmaker.begin() as session:
        (await session.get(Endpoint, off)).active = False
    await _enqueue(sessionmaker, ("client.created", "client:1", {}), ("task.due", "task:1", {}))
    assert [d.endpoint_id for d in await _deliveries(sessionmaker)] == [both]
    with pytest.raises(ValueError):
        await _enqueue(sessionmaker, ("order.deleted", "order:1", {}))


async def test_a_failing_receiver_is_retried_with_doubling_pauses_until_it_recovers(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    await _endpoint(sessionmaker, receiver.url)
    receiver.answer = lambda heard: 500 if len(receiver.heard) <= 3 else 200
    await _enqueue(sessionmaker, ("order.created", "order:1", {"id": 1}))
    now, waits, policy = utcnow(), [], replace(POLICY, pause_after=10)
    for _ in range(3):
        assert await send_due(sessionmaker, transport, policy, now=now) == 1
        [delivery] = await _deliveries(sessionmaker)
        assert delivery.state == "pending" and delivery.response_status == 500
        assert "answer 500" in delivery.response_excerpt
        waits.append((delivery.next_attempt_at - now).total_seconds())
        assert await send_due(sessionmaker, transport, policy, now=now + timedelta(seconds=1)) == 0
        now = delivery.next_attempt_at
    assert waits == [30, 60, 120]
    assert await send_due(sessionmaker, transport, policy, now=now) == 1
    [delivery] = await _deliveries(sessionmaker)
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("sent", 4, 200)
    assert len({heard.event["id"] for heard in receiver.heard}) == 1  # one event, four tries


async def test_a_delivery_still_failing_after_a_day_is_failed(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    await _endpoint(sessionmaker, receiver.url)
    receiver.answer = lambda heard: 503
    await _enqueue(sessionmaker, ("order.created", "order:1", {}))
    [delivery] = await _deliveries(sessionmaker)
    late = delivery.created_at + timedelta(days=1) - timedelta(seconds=10)
    assert await send_due(sessionmaker, transport, POLICY, now=late) == 1
    [delivery] = await _deliveries(sessionmaker)
    assert (delivery.state, delivery.response_status) == ("failed", 503)
    assert await send_due(sessionmaker, transport, POLICY, now=late + timedelta(days=9)) == 0


async def test_an_endpoint_failing_in_a_row_is_paused_with_a_note_and_resumed_by_the_admin(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    endpoint_id, _ = await _endpoint(sessionmaker, receiver.url)
    receiver.answer = lambda heard: 503
    await _enqueue(sessionmaker, *(("order.created", f"order:{n}", {}) for n in range(3)))
    assert await send_due(sessionmaker, transport, POLICY) == 3
    async with sessionmaker() as session:
        endpoint = await session.get(Endpoint, endpoint_id)
    assert endpoint.paused_at is not None and endpoint.paused_by == "failures"
    assert endpoint.failures_in_row == 3 and endpoint.paused_reason.startswith("503 answer 503")
    await _enqueue(sessionmaker, ("order.created", "order:9", {}))  # waits while paused
    far = utcnow() + timedelta(hours=5)
    assert await send_due(sessionmaker, transport, POLICY, now=far) == 0
    receiver.answer = lambda heard: 204
    async with sessionmaker.begin() as session:
        await resume_endpoint(session, endpoint_id=endpoint_id, actor=None)
    assert await send_due(sessionmaker, transport, POLICY) == 4
    assert {d.state for d in await _deliveries(sessionmaker)} == {"sent"}


async def test_a_success_starts_the_failure_count_over(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    endpoint_id, _ = await _endpoint(sessionmaker, receiver.url)
    receiver.answer = lambda heard: 204 if heard.event["entity"] == "order:1" else 500
    await _enqueue(sessionmaker, *(("order.created", f"order:{n}", {}) for n in range(3)))
    assert await send_due(sessionmaker, transport, POLICY) == 3  # fail, success, fail
    async with sessionmaker() as session:
        endpoint = await session.get(Endpoint, endpoint_id)
    assert endpoint.failures_in_row == 1 and endpoint.paused_at is None


async def test_an_entitys_deliveries_reach_the_endpoint_in_order_despite_a_retry(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    await _endpoint(sessionmaker, receiver.url, "order.created", "order.status_changed")
    first = {"n": 0}

    def answer(heard: Any) -> int:
        first["n"] += heard.event["data"].get("step") == 1
        return 500 if heard.event["data"].get("step") == 1 and first["n"] == 1 else 204

    receiver.answer = answer
    steps = [("order.status_changed", "order:1", {"step": step}) for step in (1, 2, 3)]
    await _enqueue(sessionmaker, ("order.created", "order:1", {"step": 1}), *steps[1:])
    await _enqueue(sessionmaker, ("order.created", "order:2", {"step": 0}))
    now = utcnow()
    assert await send_due(sessionmaker, transport, POLICY, now=now) == 2  # heads only
    assert await send_due(sessionmaker, transport, POLICY, now=now) == 0  # 2 waits for 1
    later = now + timedelta(seconds=30)
    while await send_due(sessionmaker, transport, POLICY, now=later):
        pass
    order_1 = [h.event["data"]["step"] for h in receiver.heard if h.event["entity"] == "order:1"]
    assert order_1 == [1, 1, 2, 3]


async def test_two_senders_at_once_never_send_one_delivery_twice(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    await _endpoint(sessionmaker, receiver.url)
    await _enqueue(sessionmaker, *(("order.created", f"order:{n % 50}", {}) for n in range(300)))
    policy = replace(POLICY, batch=40)

    async def drain() -> int:
        total = 0
        while done := await send_due(sessionmaker, transport, policy):
            total += done
        return total

    assert sum(await asyncio.gather(drain(), drain(), drain())) == 300
    ids = [heard.headers["X-Callcenter-Delivery"] for heard in receiver.heard]
    assert len(ids) == len(set(ids)) == 300
    entities: dict[str, list[int]] = {}
    for heard in receiver.heard:
        entities.setdefault(heard.event["entity"], []).append(
            int(heard.headers["X-Callcenter-Delivery"])
        )
    assert all(ids == sorted(ids) for ids in entities.values())


async def test_only_one_process_runs_the_sender_at_a_time(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    await _endpoint(sessionmaker, receiver.url)
    await _enqueue(sessionmaker, *(("order.created", f"order:{n}", {}) for n in range(20)))
    policy = replace(POLICY, run_seconds=0.3)
    runs = await asyncio.gather(*(send_webhooks(sessionmaker, transport, policy) for _ in range(3)))
    assert sorted(runs, key=str) == [20, None, None]


@pytest.mark.parametrize("trouble", ["refused", "timeout", "huge", "redirect", "garbage"])
async def test_a_receiver_that_misbehaves_is_a_bounded_failure_to_retry(
    sessionmaker: Any, receiver: Receiver, settings: Any, trouble: str
) -> None:
    from aiohttp import web

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response()

    async def misbehave(request: web.Request) -> web.StreamResponse:
        if trouble == "timeout":
            return await slow(request)
        if trouble == "huge":
            return web.Response(status=400, text="<script>x</script>" * 100_000)
        if trouble == "redirect":
            raise web.HTTPFound("http://127.0.0.1:1/")
        return web.Response(status=500, body=bytes(range(256)) * 10)

    receiver.runner.app.router._frozen = False  # type: ignore[union-attr]
    receiver.runner.app.router.add_post("/bad", misbehave)  # type: ignore[union-attr]
    url = "http://127.0.0.1:1/hook" if trouble == "refused" else receiver.url.replace("hook", "bad")
    await _endpoint(sessionmaker, url)
    await _enqueue(sessionmaker, ("order.created", "order:1", {}))
    transport = HttpTransport(replace(settings, webhook_timeout_seconds=0.5))
    try:
        assert await send_due(sessionmaker, transport, POLICY) == 1
    finally:
        await transport.close()
    [delivery] = await _deliveries(sessionmaker)
    assert delivery.state == "pending" and delivery.attempts == 1
    assert len(delivery.response_excerpt) <= 1000 and len(delivery.error) <= 1000
    if trouble in ("refused", "timeout"):
        assert delivery.response_status is None and delivery.error
    else:
        assert delivery.response_status in (302, 400, 500)


async def test_the_payload_keeps_money_times_and_text_exact(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    from decimal import Decimal

    await _endpoint(sessionmaker, receiver.url)
    at = utcnow()
    odd = 'Ёлка "кавычки" \\ \u2028 \x00 \\u0000 🙂'
    await _enqueue(
        sessionmaker,
        ("order.created", "order:1", {"total": Decimal("0.10"), "at": at, "name": odd}),
    )
    await send_due(sessionmaker, transport, POLICY)
    data = receiver.heard[0].event["data"]
    assert data == {"total": "0.10", "at": at.isoformat(), "name": odd.replace("\x00", "\ufffd")}
    json.loads(receiver.heard[0].body)
