"""The live websocket opens only from this site's pages: a foreign Origin is refused with 403
before the upgrade; a program sending no Origin (API token) is let in."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import aiohttp
import pytest

from tests.conftest import sign_in
from web.app import create_app


async def _opens(client: Any, headers: dict[str, str]) -> int:
    """The handshake's status: 101 when the socket opened."""
    try:
        ws = await client.ws_connect("/ws/live", headers=headers)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    hello = await ws.receive_json(timeout=5)
    assert hello["type"] == "hello"
    await ws.close()
    return 101


def _own_origin(client: Any) -> str:
    return str(client.make_url("/")).rstrip("/")


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://evil.example",
        "null",
        "",
        "http://127.0.0.1.evil.example",
        "http://127.0.0.1:1",  # the same host, another port: another origin
        "http://user@127.0.0.1",
        "javascript:alert(1)",
        "http://[::1",
        "http://" + "a" * 5000,
        "http://127.0.0.1:99999999",
        "\u202ehttp://127.0.0.1",
    ],
)
async def test_a_foreign_or_garbled_origin_is_refused_before_the_upgrade(
    client: Any, make_user: Any, origin: str
) -> None:
    await sign_in(client, await make_user("operator", extension="101"))
    assert await _opens(client, {"Origin": origin}) == 403


async def test_the_sites_own_pages_open_it(client: Any, make_user: Any) -> None:
    await sign_in(client, await make_user("operator", extension="101"))
    assert await _opens(client, {"Origin": _own_origin(client)}) == 101
    assert await _opens(client, {"Origin": _own_origin(client).upper()}) == 101


async def test_a_program_with_a_token_and_no_origin_opens_it(api_as: Any) -> None:
    client, _user = await api_as("operator", extension="101")
    assert await _opens(client, {}) == 101


async def test_forwarded_host_counts_only_behind_a_trusted_proxy(
    aiohttp_client: Any, settings: Any, make_user: Any
) -> None:
    user = await make_user("operator", extension="101")
    proxied = {"Origin": "https://crm.example.ru", "X-Forwarded-Host": "crm.example.ru"}
    direct = await aiohttp_client(create_app(settings))
    await sign_in(direct, user)
    assert await _opens(direct, proxied) == 403  # anyone can send the header
    trusting = await aiohttp_client(create_app(replace(settings, trusted_proxy=True)))
    await sign_in(trusting, user)
    assert await _opens(trusting, proxied) == 101
    assert await _opens(trusting, {**proxied, "Origin": "https://evil.example"}) == 403


async def test_the_configured_public_url_is_this_sites_origin(
    aiohttp_client: Any, settings: Any, make_user: Any
) -> None:
    user = await make_user("operator", extension="101")
    app = create_app(replace(settings, public_url="https://crm.example.ru"))
    client = await aiohttp_client(app)
    await sign_in(client, user)
    assert await _opens(client, {"Origin": "https://crm.example.ru"}) == 101
    assert await _opens(client, {"Origin": "https://crm.example.ru:443"}) == 101
    assert await _opens(client, {"Origin": "http://crm.example.ru"}) == 403
    assert await _opens(client, {"Origin": "https://crm.example.ru.evil.example"}) == 403
