"""Consents through the JSON API (a website's opt-in form records one): every bad field named
with nothing recorded, the advertising check sees it, withdrawal, roles."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from callcenter.dialer.eligibility import refusal
from callcenter.dialer.models import Consent
from tests.campaigns.support import add_client


async def test_a_web_form_s_consent_is_recorded_and_withdrawn(api_as: Any, db_session: Any) -> None:
    client, me = await api_as("manager", timezone="Europe/Moscow")
    anna = await add_client(db_session, "Анна Белова", "+79161234567", owner_id=me.id)
    body = {"number": "8 (916) 123-45-67", "given_by": "Анна Белова",
            "given_at": "2026-01-15T14:30", "evidence": "форма на сайте №4411"}  # fmt: skip
    response = await client.post(f"/api/v1/clients/{anna.id}/consents", json=body)
    assert response.status == 201, await response.text()
    made = await response.json()
    assert (made["number"], made["method"], made["client_id"]) == (
        "+79161234567",
        "web_form",
        anna.id,
    )
    assert made["given_at"] == "2026-01-15T11:30:00+00:00" and made["active"] is True
    assert await refusal(db_session, campaign_id=0, advertising=True, e164="+79161234567") is None

    listed = await (await client.get(f"/api/v1/clients/{anna.id}/consents")).json()
    assert [c["id"] for c in listed["items"]] == [made["id"]]
    withdrawn = await client.post(f"/api/v1/consents/{made['id']}/withdraw")
    assert withdrawn.status == 200 and (await withdrawn.json())["active"] is False
    again = await client.post(f"/api/v1/consents/{made['id']}/withdraw")
    assert again.status == 409
    db_session.expire_all()
    assert await refusal(db_session, campaign_id=0, advertising=True, e164="+79161234567")


async def test_bad_fields_are_all_named_and_nothing_is_recorded(
    api_as: Any, db_session: Any
) -> None:
    client, me = await api_as("manager")
    anna = await add_client(db_session, "Анна Белова", "+79161234567", owner_id=me.id)
    body = {"number": "12", "given_by": "", "given_at": "вчера", "method": "pigeon"}
    response = await client.post(f"/api/v1/clients/{anna.id}/consents", json=body)
    assert response.status == 422
    fields = (await response.json())["fields"]
    assert set(fields) == {"number", "given_by", "given_at", "method"}
    assert await db_session.scalar(select(func.count()).select_from(Consent)) == 0


async def test_who_may_read_and_record_consents(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    owner = await make_user("manager")
    anna = await add_client(db_session, "Анна Белова", "+79161234567", owner_id=owner.id)
    client, _ = await api_as("supervisor")
    assert (await client.get(f"/api/v1/clients/{anna.id}/consents")).status == 200
    body = {"number": "+79161234567", "given_by": "Анна", "given_at": "2026-01-15T14:30"}
    recorded = await client.post(f"/api/v1/clients/{anna.id}/consents", json=body)
    assert recorded.status == 403  # a supervisor watches, does not edit clients
    client.session.headers.pop("Authorization")
    assert (await client.get(f"/api/v1/clients/{anna.id}/consents")).status == 401


async def test_a_consent_s_channel_through_the_api(api_as: Any, db_session: Any) -> None:
    client, me = await api_as("manager")
    anna = await add_client(db_session, "Анна Белова", "+79161234567", owner_id=me.id)
    url = f"/api/v1/clients/{anna.id}/consents"
    given = {"given_by": "Анна", "given_at": "2026-01-15T14:30"}
    made = await client.post(url, json={**given, "channel": "email", "email": "A@Example.RU"})
    assert made.status == 201, await made.text()
    body = await made.json()
    assert (body["channel"], body["email"], body["number"]) == ("email", "a@example.ru", None)
    sms = await (await client.post(url, json={**given, "channel": "sms",
                                              "number": "+79161234567"})).json()  # fmt: skip
    assert (sms["channel"], sms["number"], sms["email"]) == ("sms", "+79161234567", None)
    listed = await (await client.get(url)).json()
    assert sorted(c["channel"] for c in listed["items"]) == ["email", "sms"]
    for bad, field in (({"channel": "fax", "number": "+79161234567"}, "channel"),
                       ({"channel": "email", "email": "@@"}, "email"),
                       ({"channel": "email", "email": 7}, "email"),
                       ({"channel": ["sms"], "number": "+79161234567"}, "channel")):  # fmt: skip
        refused = await client.post(url, json={**given, **bad})
        assert refused.status == 422, bad
        assert field in (await refused.json())["fields"], bad
    assert await db_session.scalar(select(func.count()).select_from(Consent)) == 2
