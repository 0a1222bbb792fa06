"""A preview contact is dialed once however its Dial is pressed: many presses at once, the
same Idempotency-Key retried at once, or two contacts of one agent dialed together; every
answer is a clean 202 or 409, and the disposition is recorded once."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from callcenter.dialer.models import CampaignAttempt
from callcenter.floor.models import PbxCommand
from tests.dialer.support import add_contacts, make_campaign
from tests.dialer.test_agent_api import seed

PRESSES = 12


async def press(client: Any, path: str, keys: list[str | None]) -> list[tuple[int, dict]]:
    async def one(key: str | None) -> tuple[int, dict]:
        headers = {"Idempotency-Key": key} if key else {}
        response = await client.post(path, headers=headers)
        return response.status, await response.json()

    return await asyncio.gather(*(one(k) for k in keys))


async def count(session: Any, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_dial_pressed_many_times_at_once_dials_once(api_as: Any, db_session: Any) -> None:
    client, operator = await api_as("operator", extension="101")
    campaign_id, (first, _) = await seed(db_session, operator.id)
    await client.post(f"/api/v1/dialer/campaigns/{campaign_id}/next")
    answers = await press(client, f"/api/v1/dialer/contacts/{first}/dial", [None] * PRESSES)
    assert sorted(s for s, _ in answers) == [202] + [409] * (PRESSES - 1), answers
    assert (await count(db_session, CampaignAttempt), await count(db_session, PbxCommand)) == (1, 1)


async def test_the_same_key_at_once_answers_every_retry_with_the_one_dial(
    api_as: Any, db_session: Any
) -> None:
    client, operator = await api_as("operator", extension="101")
    campaign_id, (first, _) = await seed(db_session, operator.id)
    await client.post(f"/api/v1/dialer/campaigns/{campaign_id}/next")
    path = f"/api/v1/dialer/contacts/{first}/dial"
    answers = await press(client, path, ["press-1"] * PRESSES)
    assert [s for s, _ in answers] == [202] * PRESSES, answers
    assert len({body["id"] for _, body in answers}) == 1
    assert (await count(db_session, CampaignAttempt), await count(db_session, PbxCommand)) == (1, 1)


async def test_two_contacts_of_one_agent_dialed_together_place_one_call(
    api_as: Any, db_session: Any
) -> None:
    client, operator = await api_as("operator", extension="101")
    first_campaign, _ = await seed(db_session, operator.id)
    other = await make_campaign(db_session, name="Осенний прайс", agent_ids=[operator.id])
    await add_contacts(db_session, other, "+79167654329")
    await db_session.commit()
    held = []
    for campaign_id in (first_campaign, other.id):
        preview = await (await client.post(f"/api/v1/dialer/campaigns/{campaign_id}/next")).json()
        held.append(preview["contact"]["id"])
    answers = await asyncio.gather(
        *(press(client, f"/api/v1/dialer/contacts/{c}/dial", [f"k{c}"]) for c in held)
    )
    statuses = sorted(status for [(status, _)] in answers)
    assert statuses == [202, 409], answers
    refused = next(body for [(status, body)] in answers if status == 409)
    assert refused["error"] == "call_in_progress"
    assert (await count(db_session, CampaignAttempt), await count(db_session, PbxCommand)) == (1, 1)


async def test_a_disposition_sent_many_times_at_once_is_recorded_once(
    api_as: Any, db_session: Any
) -> None:
    client, operator = await api_as("operator", extension="101")
    campaign_id, (first, _) = await seed(db_session, operator.id)
    await client.post(f"/api/v1/dialer/campaigns/{campaign_id}/next")
    attempt = await (await client.post(f"/api/v1/dialer/contacts/{first}/dial")).json()
    path = f"/api/v1/dialer/attempts/{attempt['id']}/disposition"

    async def one(code: str) -> int:
        return (await client.post(path, json={"disposition": code})).status

    codes = ["sale", "wrong"] * (PRESSES // 2)
    statuses = await asyncio.gather(*(one(code) for code in codes))
    assert sorted(statuses) == [200] + [409] * (PRESSES - 1)
    saved = await db_session.get(CampaignAttempt, attempt["id"])
    assert saved is not None and saved.disposition in ("sale", "wrong")
