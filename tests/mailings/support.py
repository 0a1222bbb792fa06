"""Helpers for mailing tests: clients with addresses, consents (for the channel each contact
is: SMS for the number, e-mail for each address), a valid mailing's input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callcenter.clients.models import Client, ClientEmail, ClientPhone
from callcenter.dialer.models import Consent
from callcenter.mailings.input import MailingInput

TEXT = "Здравствуйте, {{ client.name }}!\nОтписаться: {{ unsubscribe_url }}"
HTML = '<p>Здравствуйте, {{ client.name }}!</p><a href="{{ unsubscribe_url }}">Отписаться</a>'


def mailing_input(**fields: Any) -> MailingInput:
    fields.setdefault("name", "Весенняя распродажа")
    fields.setdefault("subject", "Скидки для {{ client.name }}")
    fields.setdefault("body_text", TEXT)
    fields.setdefault("body_html", HTML)
    fields.setdefault("window_from", "00:00")
    fields.setdefault("window_to", "23:59")
    fields.setdefault("rate_per_minute", "6000")
    return MailingInput(**fields)


async def add_client(
    session: Any,
    name: str,
    *emails: str,
    owner_id: int | None = None,
    consent: bool = False,
    phone: str = "",
    **fields: Any,
) -> Client:
    client = Client(
        kind=fields.pop("kind", "person"),
        name=name,
        owner_id=owner_id,
        emails=[ClientEmail(email=e, position=i) for i, e in enumerate(emails)],
        phones=[ClientPhone(number=phone, e164=phone)] if phone else [],
        **fields,
    )
    session.add(client)
    await session.flush()
    if consent:  # for each channel it can be reached by: SMS to the number, e-mail to each address
        contacts = [("sms", phone, None)] if phone else []
        contacts += [("email", None, e.strip().lower()) for e in emails if "@" in e.strip()]
        session.add_all(
            Consent(
                channel=channel,
                e164=e164,
                email=email,
                client_id=client.id,
                given_by=name,
                given_at=datetime(2026, 1, 1, tzinfo=UTC),
                method="web_form",
            )  # fmt: skip
            for channel, e164, email in contacts
        )
    await session.commit()
    return client
