"""POST /api/v1/leads: a website form's lead becomes a client with a channel and a task."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from callcenter.clients.models import Client, ClientPhone
from callcenter.marketing.models import ClientTouch, Lead, LeadFormKey
from callcenter.settings import Settings
from callcenter.tasks.models import Task
from tests.marketing.support import channel, form_key, in_db, utm


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, lead_max_per_address=4, lead_max_per_key=6, lead_window_seconds=600)


@pytest.fixture
async def site(database_url: str, clean_db: None) -> dict[str, Any]:
    async def setup(session: Any) -> dict[str, Any]:
        ads = await channel(session, "Yandex Direct")
        seo = await channel(session, "Search")
        await utm(session, "yandex", ads)
        await utm(session, "google", seo)
        key_id, key = await form_key(session)
        return {"ads": ads, "seo": seo, "key_id": key_id, "key": key}

    return await in_db(database_url, setup)


def _headers(key: str, **more: str) -> dict[str, str]:
    return {"X-Lead-Key": key, **more}


async def _post(client: Any, key: str, body: Any, **headers: str) -> Any:
    return await client.post("/api/v1/leads", json=body, headers=_headers(key, **headers))


async def test_a_website_lead_becomes_a_client_with_its_channel_and_a_call_back_task(
    client: Any, site: dict[str, Any], database_url: str
) -> None:
    body = {
        "name": "Анна Иванова",
        "phone": "8 (916) 555-11-22",
        "comment": "Call after 6pm",
        "utm_source": "Yandex",
        "utm_campaign": "winter",
        "page": "https://shop.example/sale",
    }
    response = await _post(client, site["key"], body)
    assert response.status == 201, await response.text()
    done = await response.json()
    assert done["created_client"] is True and done["channel_id"] == site["ads"]

    async def read(session: Any) -> tuple[Any, ...]:
        return (
            await session.get(Client, done["client_id"]),
            await session.get(Task, done["task_id"]),
            await session.get(Lead, done["lead_id"]),
            await session.scalar(select(ClientPhone.e164)),
            await session.scalar(select(func.now())),
        )

    client_row, task, lead, e164, now = await in_db(database_url, read)
    assert e164 == "+79165551122" and client_row.name == "Анна Иванова"
    assert client_row.channel_id == site["ads"] == client_row.last_channel_id
    assert client_row.first_touch_at is not None
    assert task.kind == "call" and task.queue == "sales" and task.assignee_id is None
    assert timedelta(minutes=29) < task.due_at - now <= timedelta(minutes=30)
    assert "Call after 6pm" in task.notes and "https://shop.example/sale" in task.notes
    assert lead.utm_campaign == "winter" and lead.client_id == client_row.id


async def test_a_known_client_keeps_its_first_touch_and_its_last_touch_moves(
    client: Any, site: dict[str, Any], database_url: str
) -> None:
    first = await _post(client, site["key"], {"phone": "+79165551122", "utm_source": "yandex"})
    later = {"email": "x@example.com", "phone": "89165551122", "utm_source": "google"}
    again = await _post(client, site["key"], later)
    one, two = await first.json(), await again.json()
    assert two["client_id"] == one["client_id"] and two["created_client"] is False
    assert two["task_id"] == one["task_id"]  # one open call-back per client, bumped

    async def read(session: Any) -> tuple[Any, ...]:
        return (
            await session.get(Client, one["client_id"]),
            await session.get(Task, one["task_id"]),
            await session.scalar(select(func.count()).select_from(Client)),
            await session.scalar(select(func.count()).select_from(ClientTouch)),
        )

    row, task, clients, touches = await in_db(database_url, read)
    assert (row.channel_id, row.last_channel_id) == (site["ads"], site["seo"])
    assert clients == 1 and touches == 2 and task.repeats == 2


async def test_an_e_mail_alone_is_a_lead_and_finds_the_client_by_it(
    client: Any, site: dict[str, Any]
) -> None:
    one = await (await _post(client, site["key"], {"email": "Buyer@Example.com"})).json()
    two = await (await _post(client, site["key"], {"email": "buyer@example.com"})).json()
    assert one["client_id"] == two["client_id"] and one["channel_id"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "phone"),
        ({"name": "Anna"}, "phone"),
        ({"phone": "   ", "email": ""}, "phone"),
        ({"phone": "not a phone"}, "phone"),
        ({"phone": "1" * 70}, "phone"),
        ({"email": "no-at-sign"}, "email"),
        ({"phone": 79161234567}, "phone"),
        ({"phone": "+79161234567", "name": ["a"]}, "name"),
        ({"phone": "+79161234567", "utm_source": {"a": 1}}, "utm_source"),
        ({"phone": "+79161234567", "comment": "x" * 2001}, "comment"),
        ({"phone": "+79161234567", "page": "p" * 2001}, "page"),
        ({"phone": "+79161234567", "utm_campaign": "c" * 201}, "utm_campaign"),
        ({"phone": "+79161234567", "name": "a\x00b"}, "name"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(
    client: Any, site: dict[str, Any], database_url: str, body: Any, field: str
) -> None:
    response = await _post(client, site["key"], body)
    assert response.status == 422, await response.text()
    assert field in (await response.json())["fields"]
    count = await in_db(database_url, lambda s: s.scalar(select(func.count()).select_from(Lead)))
    assert count == 0


async def test_a_body_that_is_not_a_json_object_is_refused(
    client: Any, site: dict[str, Any]
) -> None:
    for raw in (b"[1, 2]", b"nonsense", b'"text"', b"\xff\xfe"):
        headers = _headers(site["key"], **{"Content-Type": "application/json"})
        response = await client.post("/api/v1/leads", data=raw, headers=headers)
        assert response.status == 400


async def test_an_unknown_revoked_or_missing_key_is_a_401(
    client: Any, site: dict[str, Any], database_url: str
) -> None:
    body = {"phone": "+79161234567"}
    for key in ("", "lf_unknown", "cc_" + "a" * 40, "x" * 5000):
        response = await _post(client, key, body)
        assert response.status == 401
    await in_db(
        database_url,
        lambda s: s.execute(update(LeadFormKey).values(revoked_at=func.now())),
    )
    assert (await _post(client, site["key"], body)).status == 401
    response = await client.post(
        "/api/v1/leads", json=body, headers={"Authorization": f"Bearer {site['key']}"}
    )
    assert response.status == 401


async def test_a_bearer_key_is_accepted_as_well(client: Any, site: dict[str, Any]) -> None:
    response = await client.post(
        "/api/v1/leads",
        json={"phone": "+79161234567"},
        headers={"Authorization": f"Bearer {site['key']}"},
    )
    assert response.status == 201


async def test_past_the_rate_per_address_a_429_says_when_to_retry(
    client: Any, site: dict[str, Any]
) -> None:
    statuses = []
    for i in range(5):
        response = await _post(client, site["key"], {"phone": f"+7916555110{i}"})
        statuses.append(response.status)
    assert statuses == [201, 201, 201, 201, 429]
    assert 1 <= int(response.headers["Retry-After"]) <= 600
    assert (await response.json())["error"] == "lead_limited"


async def test_past_the_rate_per_key_a_429_whatever_the_address(
    client: Any, site: dict[str, Any]
) -> None:
    statuses = []
    for i in range(7):
        forwarded = {"X-Forwarded-For": f"10.0.0.{i}"}  # ignored: no trusted proxy set
        response = await _post(client, site["key"], {"phone": f"+7916555120{i}"}, **forwarded)
        statuses.append(response.status)
    assert statuses.count(429) == 3  # four per address come first here


async def test_a_retried_request_with_the_same_idempotency_key_makes_one_lead(
    client: Any, site: dict[str, Any], database_url: str
) -> None:
    body = {"phone": "+79161234567", "utm_source": "yandex"}
    responses = await asyncio.gather(
        *(_post(client, site["key"], body, **{"Idempotency-Key": "form-42"}) for _ in range(6))
    )
    answers = [await r.json() for r in responses]
    assert sorted(r.status for r in responses) == [200] * 5 + [201]
    assert len({a["lead_id"] for a in answers}) == 1
    assert len({a["task_id"] for a in answers}) == 1

    async def read(session: Any) -> tuple[int, int]:
        leads = await session.scalar(select(func.count()).select_from(Lead))
        repeats = await session.scalar(select(Task.repeats))
        return leads, repeats

    assert await in_db(database_url, read) == (1, 1)
    other = await _post(client, site["key"], body, **{"Idempotency-Key": "form-43"})
    assert other.status == 201


async def test_cors_preflight_is_answered_for_the_allowed_origin_only(
    client: Any, site: dict[str, Any]
) -> None:
    asked = {"Access-Control-Request-Method": "POST"}
    good = await client.options(
        "/api/v1/leads", headers={"Origin": "https://shop.example", **asked}
    )
    assert good.status == 204
    assert good.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "X-Lead-Key" in good.headers["Access-Control-Allow-Headers"]
    for origin in ("https://evil.example", "null", "", "https://shop.example.evil.com"):
        bad = await client.options("/api/v1/leads", headers={"Origin": origin, **asked})
        assert bad.status == 403 and "Access-Control-Allow-Origin" not in bad.headers
    posted = await _post(
        client, site["key"], {"phone": "+79161234567"}, Origin="https://shop.example"
    )
    assert posted.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    refused = await _post(client, site["key"], {}, Origin="https://shop.example")
    assert refused.status == 422
    assert refused.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    elsewhere = await _post(
        client, site["key"], {"phone": "+79161234568"}, Origin="https://evil.example"
    )
    assert "Access-Control-Allow-Origin" not in elsewhere.headers
