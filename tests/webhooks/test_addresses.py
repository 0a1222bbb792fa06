"""Webhooks go only to public addresses by default: loopback, private, link-local and
metadata addresses (and IPv6 spellings of them) are refused when an endpoint is saved, with
the reason on the address field, and again when a delivery is sent, on the addresses the
connection would use (a name whose DNS now points inside is refused though it was saved).
CALLCENTER_WEBHOOK_ALLOW_PRIVATE=true lets them through."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select, update

from callcenter.settings import Settings, SettingsError
from callcenter.webhooks.addresses import is_refused
from callcenter.webhooks.models import Delivery, Endpoint
from callcenter.webhooks.sender import Policy, send_due
from callcenter.webhooks.service import EndpointInput, create_endpoint, enqueue
from tests.conftest import sign_in
from tests.webhooks.support import Receiver
from web.app import create_app
from web.webhook_client import HttpTransport

REFUSED = [
    "127.0.0.1", "127.8.9.10", "0.0.0.0",  # noqa: S104 (a refused address, not a bind)
    "10.1.2.3", "172.16.0.1", "172.31.255.255",
    "192.168.1.1", "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.100.100.200",
    "224.0.0.1", "239.255.255.250", "255.255.255.255", "192.0.2.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "fd00:ec2::254", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:7f00:1", "2002:7f00:1::1",
    "64:ff9b::a9fe:a9fe", "2001:db8::1", "", "localhost", "not an address", "1.2.3",
]  # fmt: skip
PUBLIC = ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8", "1.1.1.1"]
PRIVATE_URLS = [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://LOCALHOST./hook",
    "http://[::1]:9000/h", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/h",
    "https://192.168.1.10/h", "http://[::ffff:127.0.0.1]/h", "http://0.0.0.0:5432/",
    "http://[fe80::1]/h", "http://2130706433/h", "http://0x7f.1/h", "http://127.1/h",
]  # fmt: skip


@pytest.mark.parametrize("address", REFUSED)
def test_private_and_odd_addresses_are_refused(address: str) -> None:
    assert is_refused(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert not is_refused(address)


def test_private_addresses_are_refused_unless_the_setting_says_true() -> None:
    assert Settings.from_env({}).webhook_allow_private is False
    assert Settings.from_env({"CALLCENTER_WEBHOOK_ALLOW_PRIVATE": "true"}).webhook_allow_private
    assert Settings.from_env({}).webhook_keep_days == 30
    assert Settings.from_env({"CALLCENTER_WEBHOOK_KEEP_DAYS": "7"}).webhook_keep_days == 7
    for name, garbage in (("ALLOW_PRIVATE", "maybe"), ("KEEP_DAYS", "0"), ("KEEP_DAYS", "x")):
        with pytest.raises(SettingsError, match=f"CALLCENTER_WEBHOOK_{name}"):
            Settings.from_env({f"CALLCENTER_WEBHOOK_{name}": garbage})


@pytest.fixture
def strict(settings: Settings) -> Settings:
    """The default: private addresses refused."""
    return replace(settings, webhook_allow_private=False)


@pytest.fixture
async def strict_api(aiohttp_client: Any, strict: Settings, make_user: Any) -> Any:
    client = await aiohttp_client(create_app(strict))
    csrf = await sign_in(client, await make_user("admin"))
    client.session.headers["X-CSRF-Token"] = csrf
    return client


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_an_endpoint_at_a_private_address_is_refused_when_saved(
    strict_api: Any, url: str
) -> None:
    made = await strict_api.post("/api/v1/webhooks", json={"url": url, "events": ["task.due"]})
    body = await made.json()
    assert made.status == 422, body
    assert "CALLCENTER_WEBHOOK_ALLOW_PRIVATE" in body["fields"]["url"]
    assert (await (await strict_api.get("/api/v1/webhooks")).json())["items"] == []


async def test_a_public_or_not_yet_resolvable_address_is_saved_and_cannot_move_inside(
    strict_api: Any,
) -> None:
    for url in ("http://93.184.216.34/h", "https://hooks.example.invalid/h"):
        made = await strict_api.post("/api/v1/webhooks", json={"url": url, "events": ["task.due"]})
        assert made.status == 201, await made.text()
    moved = await strict_api.patch("/api/v1/webhooks/1", json={"url": "http://10.0.0.1/h"})
    assert moved.status == 422 and "url" in (await moved.json())["fields"]
    assert (await (await strict_api.get("/api/v1/webhooks/1")).json())["url"].startswith(
        "http://93"
    )


async def test_the_form_says_why_a_private_address_is_refused_and_keeps_it(
    strict_api: Any,
) -> None:
    csrf = strict_api.session.headers["X-CSRF-Token"]
    form = {"csrf_token": csrf, "url": "http://169.254.169.254/", "events": "task.due"}
    response = await strict_api.post("/admin/webhooks/new", data=form)
    page = await response.text()
    assert response.status == 422
    assert "CALLCENTER_WEBHOOK_ALLOW_PRIVATE" in page and "169.254.169.254" in page


async def test_the_admin_setting_lets_a_private_address_be_saved(
    aiohttp_client: Any, settings: Settings, make_user: Any
) -> None:
    client = await aiohttp_client(create_app(replace(settings, webhook_allow_private=True)))
    client.session.headers["X-CSRF-Token"] = await sign_in(client, await make_user("admin"))
    made = await client.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/h", "events": ["task.due"]}
    )
    assert made.status == 201


async def _pending_to(sessionmaker: Any, url: str) -> None:
    """An endpoint at ``url`` as if it had resolved to a public address when saved, and a
    delivery for it."""
    async with sessionmaker.begin() as session:
        endpoint, _ = await create_endpoint(
            session,
            data=EndpointInput(url="https://hooks.example.invalid/h", events=["task.due"]),
            actor=None,
            allow_private=False,
        )
        await session.execute(update(Endpoint).values(url=url))  # its DNS changed since
        await enqueue(session, "task.due", "task:1", {"id": 1})


@pytest.mark.parametrize("host", ["127.0.0.1", "[::ffff:127.0.0.1]"])
async def test_a_delivery_to_an_address_that_now_leads_inside_is_refused_when_sent(
    sessionmaker: Any, receiver: Receiver, strict: Settings, host: str
) -> None:
    await _pending_to(sessionmaker, receiver.url.replace("127.0.0.1", host))
    transport = HttpTransport(strict)
    try:
        assert await send_due(sessionmaker, transport, Policy()) == 1
    finally:
        await transport.close()
    assert receiver.heard == []
    async with sessionmaker() as session:
        [delivery] = list(await session.scalars(select(Delivery)))
    assert delivery.state == "pending" and delivery.response_status is None
    assert delivery.error.startswith("refused: ") and "resolves" not in delivery.error[:30]
    assert "CALLCENTER_WEBHOOK_ALLOW_PRIVATE=true" in delivery.error


async def test_a_name_is_checked_on_the_addresses_it_resolves_to_when_sent(
    sessionmaker: Any, receiver: Receiver, strict: Settings
) -> None:
    await _pending_to(sessionmaker, receiver.url.replace("127.0.0.1", "localhost"))
    transport = HttpTransport(strict)
    try:
        assert await send_due(sessionmaker, transport, Policy()) == 1
    finally:
        await transport.close()
    assert receiver.heard == []
    async with sessionmaker() as session:
        [delivery] = list(await session.scalars(select(Delivery)))
    assert delivery.state == "pending" and delivery.response_status is None
    assert delivery.error.startswith("refused: localhost resolves to ")
    assert "CALLCENTER_WEBHOOK_ALLOW_PRIVATE=true" in delivery.error


async def test_the_same_delivery_goes_out_when_the_admin_allows_private_addresses(
    sessionmaker: Any, receiver: Receiver, settings: Settings
) -> None:
    await _pending_to(sessionmaker, receiver.url.replace("127.0.0.1", "localhost"))
    transport = HttpTransport(replace(settings, webhook_allow_private=True))
    try:
        assert await send_due(sessionmaker, transport, Policy()) == 1
    finally:
        await transport.close()
    assert [heard.event["entity"] for heard in receiver.heard] == ["task:1"]
