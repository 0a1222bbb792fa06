"""Consents to advertising on the client's card, each for one channel (calls, SMS, e-mail):
recorded with who, when and how, withdrawn but kept on record; checked fields; roles."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.audit.models import AuditEntry
from callcenter.clients.models import ClientEmail
from callcenter.dialer.consents import consents_of_client
from callcenter.dialer.eligibility import refusal
from callcenter.dialer.models import Consent
from tests.campaigns.support import add_client


async def test_an_operator_records_a_consent_and_withdraws_it(
    signed_in: Any, db_session: Any
) -> None:
    client, me, csrf = await signed_in("operator", timezone="Europe/Moscow")
    anna = await add_client(db_session, "Анна Белова", "+79161234567")
    form = await (await client.get(f"/clients/{anna.id}/consents/new")).text()
    assert 'value="+79161234567"' in form and 'value="Анна Белова"' in form
    data = {"csrf_token": csrf, "number": "8 916 123-45-67", "given_by": "Анна Белова",
            "given_at": "2026-01-15T14:30", "method": "call",
            "evidence": "запись 2026-01-15"}  # fmt: skip
    response = await client.post(f"/clients/{anna.id}/consents", data=data, allow_redirects=False)
    assert response.status == 302
    consent = await db_session.scalar(select(Consent))
    assert (consent.e164, consent.client_id, consent.recorded_by_id) == (
        "+79161234567",
        anna.id,
        me.id,
    )
    assert consent.given_at == datetime(2026, 1, 15, 11, 30, tzinfo=UTC)  # 14:30 in Moscow
    card = await (await client.get(f"/clients/{anna.id}")).text()
    assert "Consents to advertising" in card and "запись 2026-01-15" in card
    assert f"/consents/{consent.id}/withdraw" in card
    withdrawn = await client.post(f"/consents/{consent.id}/withdraw", data={"csrf_token": csrf},
                                  allow_redirects=False)  # fmt: skip
    assert withdrawn.status == 302
    card = await (await client.get(f"/clients/{anna.id}")).text()
    assert "withdrawn" in card and f"/consents/{consent.id}/withdraw" not in card
    again = await client.post(f"/consents/{consent.id}/withdraw", data={"csrf_token": csrf})
    assert again.status == 409
    actions = await db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "client")
    )
    assert sorted(actions) == ["consent_given", "consent_withdrawn"]


async def test_a_bad_consent_keeps_what_was_typed(signed_in: Any, db_session: Any) -> None:
    client, _me, csrf = await signed_in("manager", sees_all_clients=True)
    anna = await add_client(db_session, "Анна Белова", "+79161234567")
    data = {"csrf_token": csrf, "number": "12", "given_by": " ", "given_at": "2099-01-01T10:00",
            "method": "telepathy", "evidence": "бланк №7"}  # fmt: skip
    response = await client.post(f"/clients/{anna.id}/consents", data=data)
    assert response.status == 422
    page = await response.text()
    for name in ("number", "given_by", "given_at", "method"):
        assert f"err-{name}" in page
    assert "бланк №7" in page and 'value="12"' in page
    assert await db_session.scalar(select(Consent)) is None


async def test_who_may_record_consents(client: Any, make_user: Any, db_session: Any) -> None:
    from tests.conftest import sign_in

    owner = await make_user("manager")
    theirs = await add_client(db_session, "Чужой", "+79160000001", owner_id=owner.id)
    data = {"number": "+79160000001", "given_by": "Он", "given_at": "2026-01-01T10:00",
            "method": "paper"}  # fmt: skip
    supervisor = await make_user("supervisor")
    csrf = await sign_in(client, supervisor)
    refused = await client.post(f"/clients/{theirs.id}/consents", data={**data, "csrf_token": csrf})
    assert refused.status == 403
    await client.post("/logout", data={"csrf_token": csrf})
    other = await make_user("manager")
    csrf = await sign_in(client, other)
    refused = await client.post(f"/clients/{theirs.id}/consents", data={**data, "csrf_token": csrf})
    assert refused.status == 403


async def test_a_consent_given_for_one_of_the_client_s_numbers_shows_on_the_card(
    db_session: Any,
) -> None:
    anna = await add_client(db_session, "Анна", "+79161234567")
    db_session.add(Consent(e164="+79161234567", given_by="Анна", method="web_form",
                           given_at=datetime(2026, 1, 1, tzinfo=UTC)))  # fmt: skip
    db_session.add(Consent(e164="+79999999999", given_by="Другой", method="sms",
                           given_at=datetime(2026, 1, 1, tzinfo=UTC)))  # fmt: skip
    await db_session.commit()
    assert [c.given_by for c in await consents_of_client(db_session, anna)] == ["Анна"]


async def test_a_consent_is_for_one_channel_and_the_card_shows_each_channel(
    signed_in: Any, db_session: Any
) -> None:
    client, _me, csrf = await signed_in("manager", sees_all_clients=True, language="ru")
    anna = await add_client(db_session, "Анна Белова", "+79161234567")
    db_session.add(ClientEmail(client_id=anna.id, email=" Anna@Example.ru", position=0))
    await db_session.commit()
    form = await (await client.get(f"/clients/{anna.id}/consents/new?channel=email")).text()
    assert '<option value="email" selected>E-mail</option>' in form
    assert 'value="Anna@Example.ru"' in form
    given = {"csrf_token": csrf, "given_by": "Анна", "given_at": "2026-01-15T14:30",
             "method": "web_form"}  # fmt: skip
    email = {**given, "channel": "email", "email": "Anna@Example.ru "}
    response = await client.post(f"/clients/{anna.id}/consents", data=email, allow_redirects=False)
    assert response.status == 302
    consent = await db_session.scalar(select(Consent))
    assert (consent.channel, consent.email, consent.e164) == ("email", "anna@example.ru", None)
    card = await (await client.get(f"/clients/{anna.id}")).text()
    assert "Согласия на рекламу" in card
    channels = dict(re.findall(r'data-channel="(\w+)"><b>[^<]+</b>: ([^<·]+)', card))
    assert {k: v.strip() for k, v in channels.items()} == {
        "call": "согласия нет", "sms": "согласия нет", "email": "согласие есть"
    }  # fmt: skip
    assert f"/clients/{anna.id}/consents/new?channel=sms" in card
    # an SMS consent is none to calls: the dialer still refuses the number
    await client.post(f"/clients/{anna.id}/consents",
                      data={**given, "channel": "sms", "number": "+79161234567"})  # fmt: skip
    assert await refusal(db_session, campaign_id=0, advertising=True, e164="+79161234567")


@pytest.mark.parametrize(
    ("fields", "bad"),
    [({"channel": "pigeon", "number": "+79161234567"}, "channel"),
     ({"channel": "", "number": "12"}, "number"),  # no channel: calls, as before
     ({"channel": "email", "email": "anna at example"}, "email"),
     ({"channel": "email", "email": "", "number": "+79161234567"}, "email"),
     ({"channel": "sms", "number": "", "email": "anna@example.ru"}, "number"),
     ({"channel": "email\x00", "email": "a@b.ru"}, "channel")],
)  # fmt: skip
async def test_a_consent_needs_a_known_channel_and_that_channel_s_contact(
    signed_in: Any, db_session: Any, fields: dict[str, str], bad: str
) -> None:
    client, _me, csrf = await signed_in("manager", sees_all_clients=True)
    anna = await add_client(db_session, "Анна Белова", "+79161234567")
    data = {"csrf_token": csrf, "given_by": "Анна", "given_at": "2026-01-15T14:30",
            "method": "paper", **fields}  # fmt: skip
    response = await client.post(f"/clients/{anna.id}/consents", data=data)
    assert response.status == 422
    if "\x00" not in fields["channel"]:
        assert f"err-{bad}" in await response.text()
    assert await db_session.scalar(select(Consent)) is None
