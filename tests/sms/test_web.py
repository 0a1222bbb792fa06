"""SMS in the web app: Twilio's status callback takes only a correctly signed report (no
login, no CSRF token) and moves the text once; the mailing pages write, preview with its
parts count and test an SMS mailing, in Russian and in English."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.mailings.models import MailingRecipient
from callcenter.settings import Settings
from callcenter.sms.twilio import signature
from tests.conftest import sign_in
from tests.mailings.support import add_client
from tests.sms.provider import TWILIO_TOKEN, Provider, provider_server, twilio_settings

CALLBACK = "https://crm.example.ru/sms/twilio/status"


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Provider]]:
    async with provider_server() as found:
        yield found


@pytest.fixture
def settings(settings: Settings, server: tuple[str, Provider]) -> Settings:
    """The app with Twilio (the local server), its periodic jobs left idle."""
    return twilio_settings(settings, server[0], mailing_check_seconds=0,
                           sms_status_check_seconds=0)  # fmt: skip


async def _sent_recipient(db_session: Any, message_id: str) -> int:
    from callcenter.mailings.models import Mailing

    mailing = Mailing(name="m", channel="sms", kind="service", state="done", body_text="x")
    db_session.add(mailing)
    await db_session.flush()
    recipient = MailingRecipient(mailing_id=mailing.id, address="+79161234567", state="sent",
                                 provider="twilio", message_id=message_id)  # fmt: skip
    db_session.add(recipient)
    await db_session.commit()
    return recipient.id


async def _state(db_session: Any, recipient_id: int) -> MailingRecipient:
    db_session.expire_all()
    found = await db_session.scalar(
        select(MailingRecipient).where(MailingRecipient.id == recipient_id)
    )
    assert found is not None
    return found


@pytest.mark.parametrize(
    "tamper",
    ["none", "no header", "wrong token", "changed status", "other url", "garbage"],
)
async def test_the_twilio_callback_takes_only_a_correct_signature(
    client: Any, db_session: Any, tamper: str
) -> None:
    sid = "SM" + "a" * 32
    recipient_id = await _sent_recipient(db_session, sid)
    params = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32,
              "To": "+79161234567", "ApiVersion": "2010-04-01"}  # fmt: skip
    signed = signature(TWILIO_TOKEN, CALLBACK, params.items())
    headers = {"X-Twilio-Signature": signed}
    if tamper == "no header":
        headers = {}
    elif tamper == "wrong token":
        headers = {"X-Twilio-Signature": signature("guess", CALLBACK, params.items())}
    elif tamper == "changed status":
        params["MessageStatus"] = "failed"
    elif tamper == "other url":
        other = signature(TWILIO_TOKEN, "http://evil.example/sms/twilio/status", params.items())
        headers = {"X-Twilio-Signature": other}
    elif tamper == "garbage":
        headers = {"X-Twilio-Signature": "ü" * 3000}
    answer = await client.post("/sms/twilio/status", data=params, headers=headers)
    row = await _state(db_session, recipient_id)
    if tamper == "none":
        assert answer.status == 204 and row.state == "delivered" and row.delivered_at
        again = await client.post("/sms/twilio/status", data=params, headers=headers)
        assert again.status == 204  # a repeated report changes nothing
        assert (await _state(db_session, recipient_id)).delivered_at == row.delivered_at
    else:
        assert answer.status in (400, 403) and row.state == "sent"


async def test_a_failed_report_says_why(client: Any, db_session: Any) -> None:
    sid = "SM" + "b" * 32
    recipient_id = await _sent_recipient(db_session, sid)
    params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    headers = {"X-Twilio-Signature": signature(TWILIO_TOKEN, CALLBACK, params.items())}
    assert (await client.post("/sms/twilio/status", data=params, headers=headers)).status == 204
    row = await _state(db_session, recipient_id)
    assert row.state == "failed" and "30003" in row.reason


def _form(csrf: str, **fields: str) -> dict[str, str]:
    values = {"csrf_token": csrf, "name": "Акция", "channel": "sms", "kind": "service",
              "subject": "", "body_html": "", "body_text": "Привет, {{ client.name }}!",
              "window_from": "00:00", "window_to": "23:59", "rate_per_minute": "60"}  # fmt: skip
    return values | fields


@pytest.mark.parametrize(
    ("language", "parts", "channel"),
    [("ru", "Частей SMS: 1 · UCS-2", "SMS"), ("en", "SMS parts: 1 · UCS-2", "SMS")],
)
async def test_an_sms_mailing_is_written_previewed_with_its_parts_and_tested(
    client: Any, make_user: Any, db_session: Any, language: str, parts: str, channel: str,
    server: tuple[str, Provider],
) -> None:  # fmt: skip
    user = await make_user("admin", language=language)
    await add_client(db_session, "Анна", phone="+79161234567")
    csrf = await sign_in(client, user)
    form = await (await client.get("/mailings/new")).text()
    assert 'value="sms"' in form and "/static/sms_parts.js" in form and "data-sms-parts" in form
    preview = await client.post("/mailings/new", data=_form(csrf, preview="1"))
    assert preview.status == 200 and parts in await preview.text()
    made = await client.post("/mailings/new", data=_form(csrf), allow_redirects=False)
    url = made.headers["Location"]
    page = await (await client.get(url)).text()
    assert "Привет, Анна!" in page and parts in page and 'type="tel"' in page
    bad = await client.post(f"{url}/test", data={"csrf_token": csrf, "address": "not a phone"})
    assert bad.status == 422
    chosen = re.search(r'name="client_id" value="(\d+)"', page)
    assert chosen is not None  # the test goes as the previewed recipient gets it
    sent = await client.post(f"{url}/test", data={"csrf_token": csrf, "client_id": chosen[1],
                                                  "address": "8 916 765-43-21"})  # fmt: skip
    assert sent.status == 200
    assert [(t.to, t.text) for t in server[1].taken] == [("+79167654321", "Привет, Анна!")]
    script = await client.get("/static/sms_parts.js")
    assert script.status == 200 and "UCS-2" in await script.text()
