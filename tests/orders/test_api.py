"""The JSON API under /api/v1/orders: create, list, get, update, status; errors by id."""

from __future__ import annotations

from typing import Any

import pytest

BODY = {
    "lines": [
        {"description": "Монтаж", "quantity": "2", "price": "1500.50", "unit_code": "876"},
        {"description": "Кабель", "quantity": 10, "price": 99.9, "discount_percent": 10},
    ],
    "notes": "Этаж 3",
}


async def _create(api: Any, client_id: int, **extra: Any) -> Any:
    return await api.post("/api/v1/orders", json={"client_id": client_id, **BODY, **extra})


async def test_create_get_list_update_and_move(
    api_as: Any, make_client: Any, pipeline: Any, sessionmaker: Any
) -> None:
    api, _manager = await api_as("manager", sees_all_clients=True)
    person = await make_client("Кузнецов")
    response = await _create(api, person.id)
    assert response.status == 201, await response.text()
    order = await response.json()
    assert response.headers["Location"] == f"/api/v1/orders/{order['id']}"
    assert order["total"] == "3900.10"  # 3001.00 + 899.10
    assert order["status"]["code"] == "new" and order["currency"] == "RUB"
    assert [line["amount"] for line in order["lines"]] == ["3001.00", "899.10"]

    got = await (await api.get(f"/api/v1/orders/{order['id']}")).json()
    assert got["client"] == {"id": person.id, "name": "Кузнецов"}
    assert [(h["from"], h["to"]) for h in got["history"]] == [(None, "new")]

    listed = await (await api.get("/api/v1/orders", params={"status": "new"})).json()
    assert [o["id"] for o in listed["items"]] == [order["id"]] and listed["total"] == 1
    listed = await (await api.get("/api/v1/orders", params={"overdue": "1"})).json()
    assert listed["total"] == 0

    patched = await api.patch(f"/api/v1/orders/{order['id']}", json={"notes": "Этаж 4"})
    assert patched.status == 200
    patched_body = await patched.json()
    assert patched_body["notes"] == "Этаж 4" and patched_body["total"] == "3900.10"

    moved = await api.post(f"/api/v1/orders/{order['id']}/status", json={"status": "accepted"})
    assert moved.status == 200
    assert (await moved.json())["status"]["code"] == "accepted"
    refused = await api.post(
        f"/api/v1/orders/{order['id']}/status",
        json={"status": "cancelled", "reason": "Клиент передумал"},
    )
    assert (await refused.json())["status"]["kind"] == "cancel"


async def test_error_answers(api_as: Any, make_client: Any, pipeline: Any) -> None:
    api, _admin = await api_as("admin")
    person = await make_client()
    order = await (await _create(api, person.id)).json()
    url = f"/api/v1/orders/{order['id']}"

    bad = await api.post(
        "/api/v1/orders", data="not json", headers={"Content-Type": "application/json"}
    )
    assert bad.status == 400 and (await bad.json())["error"] == "bad_request"
    bad = await api.post("/api/v1/orders", json={"client_id": person.id, "lines": "x"})
    assert bad.status == 400
    invalid = await api.post(
        "/api/v1/orders",
        json={
            "client_id": person.id,
            "lines": [{"description": "x", "quantity": "много", "price": "1"}],
        },
    )
    assert invalid.status == 422
    assert (await invalid.json())["fields"] == {"lines.0.quantity": "Not a number"}
    assert (await api.get("/api/v1/orders/999999")).status == 404
    no_reason = await api.post(f"{url}/status", json={"status": "refused"})
    assert no_reason.status == 422
    assert (await no_reason.json())["error"] == "reason_required"
    backward = await api.post(f"{url}/status", json={"status": "new"})
    assert backward.status == 409
    assert (await backward.json())["error"] == "status_move_refused"
    unknown = await api.post(f"{url}/status", json={"status": "lost"})
    assert unknown.status == 422
    assert (await api.post(f"{url}/status", json={"status": True})).status == 400
    await api.post(f"{url}/status", json={"status": "delivered"})
    closed = await api.patch(url, json={"notes": "поздно"})
    assert closed.status == 409


@pytest.mark.parametrize("role", ["operator", "supervisor"])
async def test_viewers_read_but_cannot_write(
    api_as: Any, make_client: Any, make_order: Any, make_user: Any, role: str
) -> None:
    admin = await make_user("admin")
    person = await make_client()
    order = await make_order(admin, person)
    api, _user = await api_as(role)
    assert (await api.get(f"/api/v1/orders/{order.id}")).status == 200
    assert (await _create(api, person.id)).status == 403
    assert (await api.patch(f"/api/v1/orders/{order.id}", json={"notes": "x"})).status == 403
    moved = await api.post(f"/api/v1/orders/{order.id}/status", json={"status": "accepted"})
    assert moved.status == 403


async def test_a_manager_gets_403_on_an_order_of_another_managers_client(
    api_as: Any, make_client: Any, make_order: Any, make_user: Any
) -> None:
    other = await make_user("manager")
    foreign = await make_order(other, await make_client(owner_id=other.id))
    api, _mine = await api_as("manager")
    assert (await api.get(f"/api/v1/orders/{foreign.id}")).status == 403
    assert (await api.get("/api/v1/orders")).status == 200
    assert (await (await api.get("/api/v1/orders")).json())["total"] == 0
    assert (await _create(api, foreign.client_id)).status == 403


async def test_without_a_token_the_api_answers_401(client: Any) -> None:
    assert (await client.get("/api/v1/orders")).status == 401
