"""Campaigns and contacts straight in the database, as the managers' pages would make them."""

from __future__ import annotations

from datetime import time
from typing import Any

from callcenter.dialer.models import Campaign, CampaignContact

DISPOSITIONS = [
    {"code": "sale", "label": "Sale", "kind": "success"},
    {"code": "refused", "label": "Refused", "kind": "refusal"},
    {"code": "callback", "label": "Call back", "kind": "callback"},
    {"code": "wrong", "label": "Wrong person", "kind": "other"},
]
SCRIPT = "Здравствуйте, {имя}! Мы звоним из «Ромашки» с новым прайсом."


async def make_campaign(session: Any, **fields: Any) -> Campaign:
    values: dict[str, Any] = {
        "name": "Весенний прайс",
        "mode": "preview",
        "state": "running",
        "queue": "",
        "agent_ids": [],
        "caller_id": "+74951234567",
        "script": SCRIPT,
        "dispositions": DISPOSITIONS,
        "refusal_reasons": ["Дорого", "Уже купили"],
        "weekdays": [],
        "window_from": time(0, 0),
        "window_to": time.max,
        "retry_rules": {},
    }
    campaign = Campaign(**(values | fields))
    session.add(campaign)
    await session.flush()
    return campaign


async def add_contacts(session: Any, campaign: Campaign, *numbers: str, **fields: Any) -> list:
    contacts = [
        CampaignContact(
            campaign_id=campaign.id,
            e164=number,
            name=f"Контакт {n}",
            timezone="Europe/Moscow",
            **fields,
        )
        for n, number in enumerate(numbers, 1)
    ]
    session.add_all(contacts)
    await session.flush()
    return contacts
