"""Webhook admin pages and API: only an admin gets in; a bad address is refused with a clear
message and the form keeps what was typed; the secret is shown once; a delivery's answer is
shown bounded and escaped, and can be sent again (CSRF checked)."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.webhooks.sender import Policy, send_due
from tests.conftest import sign_in
from tests.webhooks.support import Receiver
from web.webhook_client import HttpTransport

ALL = ["order.created", "client.created"]


def _form(csrf: str, url: str, *events: str) -> list[tuple[str, str]]:
    return [("csrf_token", csrf), ("url", url), ("description", "Сайт"), ("active", "1")] + [
        ("events", e) for e in events
    ]


@pytest.mark.parametrize("role", ["operator", "manager", "supervisor", "partner"])
async def test_only_an_admin_reaches_webhooks(client: Any, make_user: Any, role: str) -> None:
    await sign_in(client, await make_user(role))
    for path in ("/admin/webhooks", "/admin/webhooks/new", "/api/v1/webhooks"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 403, path


@pytest.mark.parametrize(
    "url",
    ["ftp://example.ru/hook", "javascript:alert(1)", "example.ru/hook", "", "http://", "   ",
     "https://user:pw@example.ru/h", "http://example.ru:99999/h", "http://exa mple.ru",
     "file:///etc/passwd", "https://example.ru/" + "x" * 3000, "http://exa\tmple.ru/"],
)  # fmt: skip
async def test_a_bad_address_is_refused_with_a_clear_error_keeping_the_form(
    client: Any, make_user: Any, url: str
) -> None:
    csrf = await sign_in(client, await make_user("admin"))
    response = await client.post("/admin/webhooks/new", data=_form(csrf, url, *ALL))
    page = await response.text()
    assert response.status == 422
    assert 'role="alert"' in page and "Сайт" in page
    assert page.count("checked") >= 3  # both events and active stay ticked
    listing = await (await client.get("/api/v1/webhooks")).json()
    assert listing["items"] == []


async def test_the_secret_is_shown_once_and_a_rotation_shows_the_new_one_once(
    client: Any, make_user: Any
) -> None:
    csrf = await sign_in(client, await make_user("admin"))
    made = await client.post("/admin/webhooks/new", data=_form(csrf, "https://example.ru/h", *ALL))
    page = await made.text()
    assert made.status == 200 and made.headers["Cache-Control"] == "no-store"
    secret = page.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("whsec_")
    again = await (await client.get("/admin/webhooks/1")).text()
    assert secret not in again and "https://example.ru/h" in again
    assert secret not in await (await client.get("/api/v1/webhooks")).text()
    assert secret not in await (await client.get("/admin/webhooks/1/edit")).text()
    rotated = await (
        await client.post("/admin/webhooks/1/rotate", data={"csrf_token": csrf})
    ).text()
    new = rotated.split('<code class="secret">')[1].split("</code>")[0]
    assert new != secret and new not in await (await client.get("/admin/webhooks/1")).text()


async def test_a_post_without_the_csrf_token_changes_nothing(client: Any, make_user: Any) -> None:
    csrf = await sign_in(client, await make_user("admin"))
    await client.post("/admin/webhooks/new", data=_form(csrf, "https://example.ru/h", *ALL))
    for path in ("/admin/webhooks/1/pause", "/admin/webhooks/1/rotate", "/admin/webhooks/new"):
        response = await client.post(path, data={"url": "https://x.ru", "events": "order.created"})
        assert response.status == 403, path
    endpoint = await (await client.get("/api/v1/webhooks/1")).json()
    assert endpoint["paused"] is False


async def test_deliveries_show_their_answer_escaped_and_can_be_sent_again(
    client: Any, make_user: Any, settings: Any, receiver: Receiver, sessionmaker: Any
) -> None:
    csrf = await sign_in(client, await make_user("admin"))
    await client.post("/admin/webhooks/new", data=_form(csrf, receiver.url, *ALL))
    receiver.answer = lambda heard: 500
    made = await client.post(
        "/api/v1/clients",
        json={"kind": "person", "name": "Анна", "phones": ["+79161234567"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert made.status == 201, await made.text()
    transport = HttpTransport(settings)
    try:
        assert await send_due(sessionmaker, transport, Policy(pause_after=1)) == 1
    finally:
        await transport.close()
    page = await (await client.get("/admin/webhooks/1")).text()
    assert (
        "<strong>500</strong>" in page
        and "answer 500 &lt;b&gt;&amp;&lt;/b&gt;" in page
        and "<b>&</b>" not in page
    )
    assert "failed deliveries in a row" in page
    resent = await client.post("/admin/webhooks/deliveries/1/resend", data={"csrf_token": csrf})
    assert resent.status == 200
    items = (await (await client.get("/api/v1/webhooks/1/deliveries")).json())["items"]
    assert [(d["id"], d["resent_from"]) for d in items] == [(2, 1), (1, None)]
    assert items[0]["event_id"] == items[1]["event_id"]


async def test_the_api_makes_an_endpoint_and_refuses_garbage(api_as: Any) -> None:
    client, _ = await api_as("admin")
    for body in ([], {"url": 5, "events": ALL}, {"url": "https://x.ru", "events": "order.created"},
                 {"url": "https://x.ru", "events": [None]}, {"url": "https://x.ru", "events": ALL,
                 "active": "yes"}):  # fmt: skip
        assert (await client.post("/api/v1/webhooks", json=body)).status == 400, body
    bad = await client.post("/api/v1/webhooks", json={"url": "gopher://x.ru", "events": ["x"]})
    assert bad.status == 422 and set((await bad.json())["fields"]) == {"url", "events"}
    made = await client.post("/api/v1/webhooks", json={"url": "https://x.ru/h", "events": ALL})
    assert made.status == 201 and (await made.json())["secret"].startswith("whsec_")
    changed = await client.patch("/api/v1/webhooks/1", json={"active": False})
    assert (await changed.json())["active"] is False
    assert (await client.get("/api/v1/webhooks/99")).status == 404
