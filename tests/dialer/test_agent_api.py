"""The agent's JSON API under /api/v1/dialer: next, dial, skip, disposition, and who may."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from callcenter.calls.models import PbxStatus
from callcenter.dialer.models import CampaignAttempt, CampaignContact
from callcenter.floor.models import DoNotCall, PbxCommand
from tests.dialer.support import add_contacts, make_campaign


async def seed(db_session: Any, *agent_ids: int) -> tuple[int, list[int]]:
    db_session.add(
        PbxStatus(
            pbx="default",
            state="connected",
            leader="test",
            backlog=0,
            events_handled=0,
            reconnects=0,
            updated_at=datetime.now(UTC),
        )
    )
    campaign = await make_campaign(db_session, agent_ids=list(agent_ids))
    contacts = await add_contacts(db_session, campaign, "+79167654321", "+79167654322")
    await db_session.commit()
    return campaign.id, [c.id for c in contacts]


async def test_preview_next_dial_and_disposition_over_the_api(api_as: Any, db_session: Any) -> None:
    client, operator = await api_as("operator", extension="101")
    campaign_id, (first, _) = await seed(db_session, operator.id)
    mine = await (await client.get("/api/v1/dialer/campaigns")).json()
    assert [c["id"] for c in mine["campaigns"]] == [campaign_id]
    assert mine["campaigns"][0]["dispositions"][0] == {
        "code": "sale",
        "label": "Sale",
        "kind": "success",
    }
    response = await client.post(f"/api/v1/dialer/campaigns/{campaign_id}/next")
    preview = await response.json()
    assert response.status == 200 and preview["contact"]["id"] == first
    assert preview["contact"]["number"] == "+79167654321"
    assert preview["campaign"]["script"].startswith("Здравствуйте")
    headers = {"Idempotency-Key": "k-1"}
    response = await client.post(f"/api/v1/dialer/contacts/{first}/dial", headers=headers)
    attempt = await response.json()
    assert response.status == 202 and attempt["outcome"] is None
    assert attempt["dial"]["progress"] == "queued"
    response = await client.post(f"/api/v1/dialer/contacts/{first}/dial", headers=headers)
    assert response.status == 202 and (await response.json())["id"] == attempt["id"]
    assert len(list(await db_session.scalars(select(PbxCommand)))) == 1
    progress = await (await client.get(f"/api/v1/dialer/attempts/{attempt['id']}")).json()
    assert progress["id"] == attempt["id"]
    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    response = await client.post(
        f"/api/v1/dialer/attempts/{attempt['id']}/disposition",
        json={"disposition": "callback", "callback_at": f"{day}T10:00", "note": "после 10"},
    )
    saved = await response.json()
    assert response.status == 200 and saved["disposition"] == "callback"
    contact = await db_session.get(CampaignContact, first)
    assert contact is not None and contact.state == "retry"
    assert contact.next_at is not None and contact.next_at.astimezone(
        ZoneInfo(operator.timezone)
    ).isoformat().startswith(f"{day}T10:00")
    response = await client.post(
        f"/api/v1/dialer/attempts/{attempt['id']}/disposition", json={"disposition": "sale"}
    )
    assert response.status == 409


async def test_bad_dispositions_are_refused_by_the_field(api_as: Any, db_session: Any) -> None:
    client, operator = await api_as("operator", extension="101")
    campaign_id, (first, _) = await seed(db_session, operator.id)
    await client.post(f"/api/v1/dialer/campaigns/{campaign_id}/next")
    attempt = await (await client.post(f"/api/v1/dialer/contacts/{first}/dial")).json()
    response = await client.post(
        f"/api/v1/dialer/attempts/{attempt['id']}/disposition",
        json={"disposition": "refused", "callback_at": "tomorrow"},
    )
    body = await response.json()
    assert response.status == 422 and body["error"] == "disposition_invalid"
    assert set(body["fields"]) == {"callback_at"}
    response = await client.post(
        f"/api/v1/dialer/attempts/{attempt['id']}/disposition", json={"disposition": "refused"}
    )
    assert set((await response.json())["fields"]) == {"refusal_reason"}


async def test_skip_and_a_do_not_call_number_over_the_api(api_as: Any, db_session: Any) -> None:
    client, operator = await api_as("operator", extension="101")
    campaign_id, (first, second) = await seed(db_session, operator.id)
    await client.post(f"/api/v1/dialer/campaigns/{campaign_id}/next")
    response = await client.post(f"/api/v1/dialer/contacts/{first}/skip")
    assert response.status == 200 and (await response.json())["outcome"] == "skipped"
    preview = await (await client.post(f"/api/v1/dialer/campaigns/{campaign_id}/next")).json()
    assert preview["contact"]["id"] == second
    db_session.add(DoNotCall(e164="+79167654322", reason="asked"))
    await db_session.commit()
    response = await client.post(f"/api/v1/dialer/contacts/{second}/dial")
    body = await response.json()
    assert response.status == 403 and (body["error"], body["reason"]) == ("excluded", "dnc")
    assert "do-not-call" in body["message"]
    assert not list(
        await db_session.scalars(
            select(CampaignAttempt.id).where(CampaignAttempt.contact_id == second)
        )
    )
    empty = await (await client.post(f"/api/v1/dialer/campaigns/{campaign_id}/next")).json()
    assert empty["contact"] is None and empty["message"]


async def test_who_may_use_the_dialer_api(api_as: Any, db_session: Any, make_user: Any) -> None:
    client, supervisor = await api_as("supervisor", extension="109")
    campaign_id, (first, _) = await seed(db_session, supervisor.id)
    response = await client.post(f"/api/v1/dialer/campaigns/{campaign_id}/next")
    assert response.status == 403  # supervisors watch, they do not work campaigns
    client.session.headers.pop("Authorization")
    client, outsider = await api_as("operator", extension="102")
    response = await client.post(f"/api/v1/dialer/campaigns/{campaign_id}/next")
    assert response.status == 403 and (await response.json())["error"] == "forbidden"
    response = await client.post(f"/api/v1/dialer/contacts/{first}/dial")
    assert response.status == 409  # not held by them
    response = await client.post("/api/v1/dialer/campaigns/999/next")
    assert response.status == 404
