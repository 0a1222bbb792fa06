"""Every event the services raise, driven through the real API or service as a user would:
the delivery row names the event and the entity, and its data holds exactly the fields
docs/webhooks.md lists for that event, with the values of the change. An endpoint not
subscribed to an event, subscribed to nothing, or switched off gets no row."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from callcenter.calls.records import Call, Direction, Outcome
from callcenter.calls.store import save_calls
from callcenter.clients.merge import merge_clients
from callcenter.db import utcnow
from callcenter.orders.statuses import seed_default_pipeline
from callcenter.tasks.reminders import fire_due_reminders
from callcenter.users.models import User
from callcenter.webhooks.events import EVENTS
from callcenter.webhooks.models import Delivery, Endpoint
from tests.campaigns.support import add_queue
from tests.invoices.support import set_up_company
from tests.mailings.support import add_client as add_reachable_client
from tests.webhooks.support import documented_fields

ANNA = {"kind": "person", "name": "Анна", "phones": ["+79161234567"], "emails": ["a@x.ru"]}


@pytest.fixture
async def hooked(api_as: Any) -> tuple[Any, User]:
    """The admin's API client, and an endpoint that hears every event."""
    api, admin = await api_as("admin")
    made = await api.post(
        "/api/v1/webhooks", json={"url": "https://hooks.example.invalid/h", "events": [*EVENTS]}
    )
    assert made.status == 201, await made.text()
    return api, admin


async def _rows(sessionmaker: Any, event: str) -> list[Delivery]:
    async with sessionmaker() as session:
        found = await session.scalars(
            select(Delivery).where(Delivery.event == event).order_by(Delivery.id)
        )
        return list(found)


async def _one(sessionmaker: Any, event: str, entity: str) -> dict[str, Any]:
    """The one delivery of ``event``: about ``entity``, with the documented fields."""
    [row] = await _rows(sessionmaker, event)
    assert row.entity == entity and row.state == "pending"
    assert set(row.payload) == documented_fields()[event], event
    return row.payload


async def _ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status == status, await response.text()
    return await response.json()


def test_the_doc_lists_the_data_of_every_event() -> None:
    assert set(documented_fields()) == set(EVENTS)
    assert all(documented_fields().values())


async def test_client_created_updated_and_merged(hooked: Any, sessionmaker: Any) -> None:
    api, admin = hooked
    anna = await _ok(await api.post("/api/v1/clients", json=ANNA))
    data = await _one(sessionmaker, "client.created", f"client:{anna['id']}")
    assert (data["id"], data["name"], data["kind"]) == (anna["id"], "Анна", "person")
    assert data["emails"] == ["a@x.ru"] and data["phones"][0].startswith("+79161234567")
    await _ok(await api.patch(f"/api/v1/clients/{anna['id']}", json={"notes": "VIP"}), 200)
    await _ok(await api.patch(f"/api/v1/clients/{anna['id']}", json={"notes": "VIP"}), 200)
    data = await _one(sessionmaker, "client.updated", f"client:{anna['id']}")  # once: no change
    assert data["notes"] == "VIP" and data["changed"] == ["notes"]
    twin = await _ok(await api.post("/api/v1/clients", json={"kind": "person", "name": "А."}))
    async with sessionmaker.begin() as session:
        await merge_clients(session, survivor_id=anna["id"], duplicate_id=twin["id"], actor=admin)
    data = await _one(sessionmaker, "client.merged", f"client:{anna['id']}")
    assert data["merged_from"] == twin["id"] and data["name"] == "Анна"


async def test_order_created_and_status_changed(hooked: Any, sessionmaker: Any) -> None:
    api, _ = hooked
    async with sessionmaker.begin() as session:
        await seed_default_pipeline(session)
    anna = await _ok(await api.post("/api/v1/clients", json=ANNA))
    lines = [{"description": "Монтаж", "quantity": "2", "price": "1250.25"}]
    order = await _ok(
        await api.post("/api/v1/orders", json={"client_id": anna["id"], "lines": lines})
    )
    data = await _one(sessionmaker, "order.created", f"order:{order['id']}")
    assert (data["number"], data["client_id"], data["total"]) == (
        order["number"], anna["id"], "2500.50",
    )  # fmt: skip
    assert data["status"] == "new" and data["currency"] == "RUB"
    moved = {"status": "cancelled", "reason": "Передумал"}
    await _ok(await api.post(f"/api/v1/orders/{order['id']}/status", json=moved), 200)
    data = await _one(sessionmaker, "order.status_changed", f"order:{order['id']}")
    assert (data["from"], data["to"], data["kind"]) == ("new", "cancelled", "cancel")
    assert data["reason"] == "Передумал"


async def test_invoice_paid_once_when_payments_reach_its_total(
    hooked: Any, sessionmaker: Any, db_session: Any
) -> None:
    api, admin = hooked
    await set_up_company(db_session, admin)
    buyer = await _ok(await api.post("/api/v1/clients", json=ANNA))
    lines = [{"name": "Монтаж", "quantity": 1, "price": "1000.00"}]
    invoice = await _ok(
        await api.post(
            "/api/v1/invoices",
            json={"client_id": buyer["id"], "lines": lines, "issued_on": "2026-03-05"},
        )
    )
    url = f"/api/v1/invoices/{invoice['id']}/payments"
    await _ok(await api.post(url, json={"amount": "400.00", "paid_on": "2026-03-06"}))
    assert await _rows(sessionmaker, "invoice.paid") == []  # in part: not paid yet
    await _ok(await api.post(url, json={"amount": "600.00", "paid_on": "2026-03-07"}))
    data = await _one(sessionmaker, "invoice.paid", f"invoice:{invoice['id']}")
    assert (data["total"], data["paid"], data["client_id"]) == ("1000.00", "1000.00", buyer["id"])
    assert data["number"] == f"{invoice['number']}/{invoice['year']}"


async def test_task_created_and_due(hooked: Any, sessionmaker: Any) -> None:
    api, admin = hooked
    due = (utcnow() + timedelta(minutes=1)).isoformat()
    task = await _ok(
        await api.post(
            "/api/v1/tasks", json={"kind": "call", "title": "Перезвонить", "due_at": due}
        )
    )
    data = await _one(sessionmaker, "task.created", f"task:{task['id']}")
    assert (data["title"], data["kind"], data["assignee_id"]) == ("Перезвонить", "call", admin.id)
    assert await _rows(sessionmaker, "task.due") == []
    assert len(await fire_due_reminders(sessionmaker, ahead=timedelta(minutes=5))) == 1
    assert len(await fire_due_reminders(sessionmaker, ahead=timedelta(minutes=5))) == 0
    data = await _one(sessionmaker, "task.due", f"task:{task['id']}")
    assert data["id"] == task["id"] and data["status"] == "open"


async def test_feedback_created(hooked: Any, sessionmaker: Any) -> None:
    api, _ = hooked
    anna = await _ok(await api.post("/api/v1/clients", json=ANNA))
    body = {"kind": "review", "client": anna["id"], "text": "Быстро", "score_scale": "nps",
            "score": 9}  # fmt: skip
    item = await _ok(await api.post("/api/v1/feedback", json=body))
    data = await _one(sessionmaker, "feedback.created", f"feedback:{item['id']}")
    assert (data["client_id"], data["text"], data["score"]) == (anna["id"], "Быстро", "9 (nps)")


async def test_campaign_finished_when_stopped(
    hooked: Any, sessionmaker: Any, db_session: Any
) -> None:
    api, _ = hooked
    await add_queue(db_session)
    body = {"name": "Обзвон", "mode": "preview", "queue": "sales", "numbers": ["+79160000001"],
            "dispositions": [{"code": "sale", "label": "Продажа", "kind": "success"}]}  # fmt: skip
    campaign = await _ok(await api.post("/api/v1/campaigns", json=body))
    url = f"/api/v1/campaigns/{campaign['id']}"
    await _ok(await api.post(f"{url}/start"), 200)
    assert await _rows(sessionmaker, "campaign.finished") == []
    await _ok(await api.post(f"{url}/stop"), 200)
    data = await _one(sessionmaker, "campaign.finished", f"campaign:{campaign['id']}")
    assert (data["name"], data["state"]) == ("Обзвон", "stopped")
    assert data["started_at"] and data["stopped_at"]


async def test_mailing_finished_when_cancelled(
    hooked: Any, sessionmaker: Any, db_session: Any
) -> None:
    from tests.mailings.test_api import BODY

    api, _ = hooked
    await add_reachable_client(db_session, "Анна", "anna@example.ru", consent=True)
    await db_session.commit()
    mailing = await _ok(await api.post("/api/v1/mailings", json=BODY))
    url = f"/api/v1/mailings/{mailing['id']}"
    await _ok(await api.post(f"{url}/schedule"), 200)
    await _ok(await api.post(f"{url}/cancel"), 200)
    data = await _one(sessionmaker, "mailing.finished", f"mailing:{mailing['id']}")
    assert (data["name"], data["state"], data["channel"]) == ("Весна", "cancelled", "email")
    assert data["finished_at"]


async def test_call_events_carry_the_documented_record(hooked: Any, sessionmaker: Any) -> None:
    start = utcnow()
    call = Call("9.1", Direction.INBOUND, start, caller="+79161234567", callee="100")
    ended = replace(call, ended_at=start + timedelta(seconds=9), outcome=Outcome.ABANDONED)
    async with sessionmaker.begin() as session:
        ids = await save_calls(session, [call])
        await save_calls(session, [ended])
    for event in ("call.ringing", "call.ended", "call.missed"):
        data = await _one(sessionmaker, event, f"call:{ids['9.1']}")
        assert data["linkedid"] == "9.1" and data["caller"] == "+79161234567"


async def test_endpoints_not_subscribed_switched_off_or_hearing_nothing_get_no_row(
    api_as: Any, sessionmaker: Any
) -> None:
    api, _ = await api_as("admin")
    url = "https://hooks.example.invalid/h"
    for events, active in (([*EVENTS], True), (["task.due"], True), ([*EVENTS], False)):
        body = {"url": url, "events": events, "active": active}
        await _ok(await api.post("/api/v1/webhooks", json=body))
    nothing = await api.post("/api/v1/webhooks", json={"url": url, "events": []})
    assert nothing.status == 422 and "events" in (await nothing.json())["fields"]
    async with sessionmaker.begin() as session:  # one emptied behind the API's back
        await session.execute(update(Endpoint).where(Endpoint.id == 2).values(events=[]))
    anna = await _ok(await api.post("/api/v1/clients", json=ANNA))
    await _ok(await api.patch(f"/api/v1/clients/{anna['id']}", json={"notes": "x"}), 200)
    async with sessionmaker() as session:
        rows = (await session.execute(select(Delivery.endpoint_id, Delivery.event))).all()
    assert sorted(rows) == [(1, "client.created"), (1, "client.updated")]
