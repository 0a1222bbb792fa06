"""A rotated secret: for 24 h every delivery carries a signature by the new secret and one by
the old (``t=…,v1=<new>,v1=<old>``), so the receiver of docs/webhooks.md accepts it with
either; after that only the new one signs, and a second rotation keeps only the secret it
replaced."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from callcenter.db import utcnow
from callcenter.webhooks.sender import Policy, send_due
from callcenter.webhooks.service import (
    ROTATION_GRACE,
    EndpointInput,
    create_endpoint,
    enqueue,
    rotate_secret,
)
from tests.webhooks.support import Heard, Receiver, documented_verify
from web.webhook_client import HttpTransport


async def _send_one(sessionmaker: Any, transport: HttpTransport, n: int, **when: Any) -> None:
    async with sessionmaker.begin() as session:
        await enqueue(session, "order.created", f"order:{n}", {"id": n})
    assert await send_due(sessionmaker, transport, Policy(), **when) == 1


def _signatures(heard: Heard) -> list[str]:
    header = heard.headers["X-Callcenter-Signature"]
    return [item for item in header.split(",") if item.startswith("v1=")]


async def test_for_a_day_after_a_rotation_both_secrets_sign_then_only_the_new_one(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    async with sessionmaker.begin() as session:
        endpoint, first = await create_endpoint(
            session,
            data=EndpointInput(url=receiver.url, events=["order.created"]),
            actor=None,
            allow_private=True,
        )
    verify = documented_verify()
    await _send_one(sessionmaker, transport, 1)
    async with sessionmaker.begin() as session:
        second = await rotate_secret(session, endpoint_id=endpoint.id, actor=None)
    rotated_at = utcnow()
    await _send_one(sessionmaker, transport, 2)
    almost = rotated_at + ROTATION_GRACE - timedelta(minutes=1)
    await _send_one(sessionmaker, transport, 3, now=almost)
    await _send_one(sessionmaker, transport, 4, now=rotated_at + ROTATION_GRACE)
    before, during, late, after = receiver.heard
    assert len(_signatures(before)) == 1 and verify(first, *_header_body(before))
    for heard in (during, late):
        assert len(_signatures(heard)) == 2
        assert verify(second, *_header_body(heard)) and verify(first, *_header_body(heard))
        assert not verify("whsec_other", *_header_body(heard))
    assert len(_signatures(after)) == 1
    assert verify(second, *_header_body(after)) and not verify(first, *_header_body(after))


async def test_a_second_rotation_within_the_day_keeps_only_the_secret_it_replaced(
    sessionmaker: Any, receiver: Receiver, transport: HttpTransport
) -> None:
    async with sessionmaker.begin() as session:
        endpoint, first = await create_endpoint(
            session,
            data=EndpointInput(url=receiver.url, events=["order.created"]),
            actor=None,
            allow_private=True,
        )
        second = await rotate_secret(session, endpoint_id=endpoint.id, actor=None)
        third = await rotate_secret(session, endpoint_id=endpoint.id, actor=None)
    await _send_one(sessionmaker, transport, 1)
    verify, [heard] = documented_verify(), receiver.heard
    assert len({first, second, third}) == 3
    assert verify(third, *_header_body(heard)) and verify(second, *_header_body(heard))
    assert not verify(first, *_header_body(heard))


def _header_body(heard: Heard) -> tuple[str, bytes]:
    return heard.headers["X-Callcenter-Signature"], heard.body


async def test_the_rotation_page_says_until_when_the_old_secret_signs(
    client: Any, make_user: Any
) -> None:
    from tests.conftest import sign_in

    csrf = await sign_in(client, await make_user("admin"))
    form = {"csrf_token": csrf, "url": "https://hooks.example.invalid/h", "events": "task.due"}
    await client.post("/admin/webhooks/new", data=form)
    assert "by the previous one too" not in await (await client.get("/admin/webhooks/1")).text()
    rotated = await client.post("/admin/webhooks/1/rotate", data={"csrf_token": csrf})
    assert "by the previous one too" in await rotated.text()
    assert "by the previous one too" in await (await client.get("/admin/webhooks/1")).text()
