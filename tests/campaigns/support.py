"""Helpers for campaign tests: a valid campaign's input, clients with phones, attempts rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter.clients.models import Client, ClientPhone
from callcenter.dialer.campaign_input import CampaignInput, DispositionInput
from callcenter.dialer.models import CampaignAttempt, CampaignContact
from callcenter.floor.models import QueueRow


def campaign_input(**fields: Any) -> CampaignInput:
    fields.setdefault("name", "Весенняя распродажа")
    fields.setdefault("queue", "sales")
    fields.setdefault(
        "dispositions",
        [
            DispositionInput("sale", "Продажа", "success"),
            DispositionInput("callback", "Перезвонить", "callback"),
            DispositionInput("refusal", "Отказ", "refusal"),
        ],
    )
    fields.setdefault("refusal_reasons", "Дорого\nНе интересно")
    return CampaignInput(**fields)


async def add_queue(session: Any, name: str = "sales") -> QueueRow:
    queue = QueueRow(name=name, title=name.title())
    session.add(queue)
    await session.commit()
    return queue


async def add_client(
    session: Any, name: str, *numbers: str, owner_id: int | None = None, **fields: Any
) -> Client:
    client = Client(
        kind="person",
        name=name,
        owner_id=owner_id,
        phones=[
            ClientPhone(number=n, e164=n, position=i, kind=fields.pop(f"kind{i}", "mobile"))
            for i, n in enumerate(numbers)
        ],
        **fields,
    )
    session.add(client)
    await session.commit()
    return client


def at(minutes: float) -> datetime:
    return datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)


async def add_attempt(
    session: Any, contact: CampaignContact, outcome: str = "", **fields: Any
) -> CampaignAttempt:
    attempt = CampaignAttempt(
        campaign_id=contact.campaign_id,
        contact_id=contact.id,
        action_id=f"crm-dial-{uuid.uuid4()}",
        number=contact.e164,
        outcome=outcome,
        **fields,
    )
    session.add(attempt)
    await session.flush()
    return attempt
