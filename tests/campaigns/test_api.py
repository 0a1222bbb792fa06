"""The campaigns API as the issue names it: create with contacts, start/pause/stop, figures,
attempts; roles."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from callcenter.dialer.models import Campaign, CampaignContact
from tests.campaigns.support import add_attempt, add_client, add_queue, at

BODY = {
    "name": "Апрельский обзвон",
    "mode": "predictive",
    "queue": "sales",
    "caller_id": "+7 495 123-45-67",
    "script": "Здравствуйте! Это компания «Ромашка».",
    "dispositions": [
        {"code": "sale", "label": "Продажа", "kind": "success"},
        {"code": "no", "label": "Отказ", "kind": "refusal"},
    ],
    "refusal_reasons": ["Дорого"],
    "weekdays": [1, 2, 3, 4, 5, 6],
    "window_from": "10:00",
    "window_to": "20:00",
    "retry_rules": {"busy": {"after_minutes": 20, "max": 2}},
    "max_dial_ratio": 2.5,
    "abandon_cap_percent": 3,
}


async def test_a_manager_creates_a_campaign_with_contacts_and_runs_it(
    api_as: Any, db_session: Any
) -> None:
    client, manager = await api_as("manager", sees_all_clients=True)
    await add_queue(db_session)
    anna = await add_client(db_session, "Анна", "+79160000001")
    body = {
        **BODY,
        "client_ids": [anna.id],
        "numbers": ["8 916 000-00-02", {"number": "+79160000001"}],
    }
    response = await client.post("/api/v1/campaigns", json=body)
    assert response.status == 201, await response.text()
    made = await response.json()
    assert made["state"] == "draft" and made["caller_id"] == "+74951234567"
    assert made["contacts_report"]["added"] == 2
    assert [d["number"] for d in made["contacts_report"]["duplicates"]] == ["+79160000001"]
    assert made["retry_rules"]["busy"] == {"after_minutes": 20, "max": 2}
    assert made["retry_rules"]["no_answer"] == {"after_minutes": 120, "max": 3}
    assert made["max_dial_ratio"] == 2.5 and made["created_by_id"] == manager.id
    url = response.headers["Location"]
    for action, state in (("start", "running"), ("pause", "paused"), ("start", "running")):
        moved = await client.post(f"{url}/{action}")
        assert moved.status == 200 and (await moved.json())["state"] == state
    live = await (await client.get(url)).json()
    for name in ("contacts_left", "dialed", "answered", "connected", "abandoned",
                 "abandon_rate", "dial_ratio", "dispositions"):  # fmt: skip
        assert name in live
    assert live["contacts_left"] == 2 and live["dial_ratio"] == 1.0
    assert live["dispositions"][0] == {"code": "sale", "label": "Продажа", "kind": "success",
                                       "count": 0}  # fmt: skip
    assert (await client.post(f"{url}/stop")).status == 200
    refused = await client.post(f"{url}/start")
    assert refused.status == 409 and (await refused.json())["error"] == "conflict"


async def test_a_bad_number_refuses_the_whole_campaign_naming_it(
    api_as: Any, db_session: Any
) -> None:
    client, _manager = await api_as("manager")
    await add_queue(db_session)
    response = await client.post(
        "/api/v1/campaigns", json={**BODY, "numbers": ["+79160000001", "не номер"]}
    )
    assert response.status == 422
    body = await response.json()
    assert body["error"] == "contacts_invalid" and "contacts" in body["fields"]
    assert [(b["text"], b["where"]) for b in body["bad"]] == [("не номер", "не номер")]
    assert await db_session.scalar(select(func.count()).select_from(Campaign)) == 0
    skipped = await client.post(
        "/api/v1/campaigns", json={**BODY, "numbers": ["+79160000001", "x"], "skip_bad": True}
    )
    assert skipped.status == 201 and (await skipped.json())["contacts_report"]["added"] == 1


async def test_fields_are_checked_and_named(api_as: Any, db_session: Any) -> None:
    client, _manager = await api_as("admin")
    await add_queue(db_session)
    response = await client.post(
        "/api/v1/campaigns", json={**BODY, "queue": "nowhere", "window_to": "25:00", "name": ""}
    )
    assert response.status == 422
    assert set((await response.json())["fields"]) == {"name", "window_to"}
    response = await client.post("/api/v1/campaigns", json={**BODY, "queue": "nowhere"})
    assert response.status == 422 and set((await response.json())["fields"]) == {"queue"}
    wrong = await client.post("/api/v1/campaigns", json={**BODY, "weekdays": "weekdays"})
    assert wrong.status == 400


async def test_patch_changes_only_what_it_names_and_contacts_can_be_added(
    api_as: Any, db_session: Any
) -> None:
    client, _admin = await api_as("admin")
    await add_queue(db_session)
    made = await (await client.post("/api/v1/campaigns", json=BODY)).json()
    url = f"/api/v1/campaigns/{made['id']}"
    patched = await (await client.patch(url, json={"window_to": "19:30"})).json()
    assert patched["window_to"] == "19:30" and patched["mode"] == "predictive"
    added = await client.post(f"{url}/contacts", json={"numbers": ["+79160000005"]})
    assert (await added.json())["added"] == 1
    listing = await (await client.get("/api/v1/campaigns")).json()
    assert [(c["id"], c["contacts"], c["contacts_left"]) for c in listing["items"]] == [
        (made["id"], 1, 1)
    ]


async def test_attempts_list_every_attempt_with_its_agent_and_disposition(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    client, admin = await api_as("admin")
    agent = await make_user("operator", extension="101")
    await add_queue(db_session)
    made = await (
        await client.post("/api/v1/campaigns", json={**BODY, "numbers": ["+79160000001"]})
    ).json()
    contact = await db_session.scalar(select(CampaignContact))
    await add_attempt(db_session, contact, "busy", started_at=at(0), hangup_cause=17)
    await add_attempt(db_session, contact, "answered", started_at=at(30), answered_at=at(30.2),
                      agent_id=agent.id, disposition="sale", note="Купил")  # fmt: skip
    await db_session.commit()
    page = await (await client.get(f"/api/v1/campaigns/{made['id']}/attempts")).json()
    assert page["total"] == 2
    first, second = page["items"]
    assert (first["outcome"], first["hangup_cause"], first["agent"]) == ("busy", 17, None)
    assert second["agent"] == {"id": agent.id, "login": agent.login}
    assert (second["disposition"], second["note"], second["number"]) == (
        "sale",
        "Купил",
        "+79160000001",
    )
    assert second["contact"]["id"] == contact.id


async def test_supervisors_read_campaigns_and_operators_do_not(
    api_as: Any, db_session: Any
) -> None:
    client, _supervisor = await api_as("supervisor")
    assert (await client.get("/api/v1/campaigns")).status == 200
    assert (await client.post("/api/v1/campaigns", json=BODY)).status == 403
    client, _operator = await api_as("operator")
    assert (await client.get("/api/v1/campaigns")).status == 403
