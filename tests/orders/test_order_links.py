"""Tasks and feedback about an order: made from the order page with it filled in, linked by
the order's number in the forms or by id in the API, listed on the order page and filtered by
order; the link must be the client's order and one the user may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from callcenter.feedback.models import Feedback
from callcenter.tasks.models import Task
from tests.conftest import sign_in


async def _order_of(make_user: Any, make_client: Any, make_order: Any) -> tuple[Any, Any, Any]:
    manager = await make_user("manager")
    person = await make_client("Смирнова Анна", owner_id=manager.id)
    return manager, person, await make_order(manager, person)


async def test_a_task_made_from_the_order_page_belongs_to_the_order(
    client: Any, make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any
) -> None:
    manager, person, order = await _order_of(make_user, make_client, make_order)
    csrf = await sign_in(client, manager)
    page = await (await client.get(f"/orders/{order.id}")).text()
    new_task = f"/tasks/new?client={person.id}&amp;order={order.id}&amp;kind=other"
    assert new_task in page
    assert f"Order {order.number}: stage «New» due" in page  # the stage's deadline task
    form = await (await client.get(new_task.replace("&amp;", "&"))).text()
    assert f'name="order" value="{order.number}"' in form
    created = await client.post(
        "/tasks/new",
        data={
            "csrf_token": csrf,
            "kind": "call",
            "title": "Уточнить адрес доставки",
            "due_at": "2099-01-10T10:00",
            "assignee_id": str(manager.id),
            "client_id": "",
            "order": order.number,
        },  # fmt: skip
        allow_redirects=False,
    )
    assert created.status == 302, await created.text()
    async with sessionmaker() as session:
        task = await session.scalar(select(Task).where(Task.title == "Уточнить адрес доставки"))
    assert (task.order_id, task.client_id) == (order.id, person.id)  # the client from the order
    detail = await (await client.get(f"/tasks/{task.id}")).text()
    assert f'href="/orders/{order.id}" class="task-order">{order.number}<' in detail
    assert "Уточнить адрес доставки" in await (await client.get(f"/orders/{order.id}")).text()
    listing = await (await client.get(f"/tasks?assignee=&order={order.id}")).text()
    assert "Уточнить адрес доставки" in listing and f"Order {order.number}" in listing


async def test_a_wrong_order_number_is_refused_by_its_field(
    signed_in: Any, make_client: Any, make_order: Any
) -> None:
    client, manager, csrf = await signed_in("manager")
    person = await make_client("Смирнова Анна", owner_id=manager.id)
    other = await make_client("Петров", owner_id=manager.id)
    order = await make_order(manager, person)
    for number, field, error in (
        ("2026-99999", "order_id", "No order has this number"),
        (order.number, "order_id", "This order is another client's"),
    ):
        refused = await client.post(
            "/tasks/new",
            data={
                "csrf_token": csrf,
                "kind": "call",
                "title": "Позвонить",
                "due_at": "2099-01-10T10:00",
                "assignee_id": str(manager.id),
                "client_id": str(other.id),
                "order": number,
            },  # fmt: skip
        )
        assert refused.status == 422
        page = await refused.text()
        assert f'id="err-{field}"' in page and error in page and f'value="{number}"' in page


async def test_feedback_about_an_order_from_its_page(
    client: Any, make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any
) -> None:
    manager, person, order = await _order_of(make_user, make_client, make_order)
    csrf = await sign_in(client, manager)
    page = await (await client.get(f"/orders/{order.id}")).text()
    new_feedback = f"/feedback/new?client={person.id}&amp;order={order.id}"
    assert new_feedback in page and "No feedback yet" in page
    form = await (await client.get(new_feedback.replace("&amp;", "&"))).text()
    assert f'name="order" value="{order.number}"' in form
    created = await client.post(
        "/feedback/new",
        data={
            "csrf_token": csrf,
            "kind": "complaint",
            "client_id": str(person.id),
            "order": order.number,
            "text": "Привезли не тот цвет",
            "status": "new",
        },  # fmt: skip
        allow_redirects=False,
    )
    assert created.status == 302, await created.text()
    async with sessionmaker() as session:
        item = await session.scalar(select(Feedback))
    assert item.order_id == order.id
    page = await (await client.get(f"/orders/{order.id}")).text()
    assert "Привезли не тот цвет" in page and "open-complaint" in page
    listing = await (await client.get(f"/feedback?order={order.id}")).text()
    assert f'class="feedback-order">Order {order.number}<' in listing


async def test_the_api_links_tasks_and_feedback_to_orders(
    api_as: Any, make_client: Any, make_order: Any
) -> None:
    api, manager = await api_as("manager")
    person = await make_client("Смирнова Анна", owner_id=manager.id)
    other = await make_client("Петров", owner_id=manager.id)
    order = await make_order(manager, person)
    made = await api.post(
        "/api/v1/tasks",
        json={
            "title": "Отгрузить",
            "kind": "shipment",
            "due_at": "2099-01-10T10:00:00+03:00",
            "order_id": order.id,
        },  # fmt: skip
    )
    assert made.status == 201, await made.text()
    task = await made.json()
    assert task["order"] == {"id": order.id, "number": order.number}
    assert task["client"]["id"] == person.id
    listed = await (await api.get(f"/api/v1/tasks?order_id={order.id}&kind=shipment")).json()
    assert [t["id"] for t in listed["items"]] == [task["id"]]
    unlinked = await api.patch(f"/api/v1/tasks/{task['id']}", json={"order_id": None})
    assert (await unlinked.json())["order"] is None
    feedback = await api.post(
        "/api/v1/feedback", json={"kind": "review", "text": "Всё отлично", "order": order.id}
    )
    assert feedback.status == 201, await feedback.text()
    body = await feedback.json()
    assert body["order"]["number"] == order.number and body["client"]["id"] == person.id
    mismatch = await api.post(
        "/api/v1/feedback",
        json={"kind": "review", "text": "?", "order_id": order.id, "client_id": other.id},
    )
    assert mismatch.status == 422
    assert (await mismatch.json())["fields"] == {"order_id": "This order is another client's"}


async def test_a_manager_links_only_orders_of_own_clients(
    api_as: Any, make_user: Any, make_client: Any, make_order: Any
) -> None:
    _owner, _person, order = await _order_of(make_user, make_client, make_order)
    api, _stranger = await api_as("manager")
    for path, body in (
        ("/api/v1/tasks", {"title": "Звонок", "due_at": "2099-01-10T10:00:00Z"}),
        ("/api/v1/feedback", {"kind": "review", "text": "Хорошо"}),
    ):
        refused = await api.post(path, json={**body, "order_id": order.id})
        assert refused.status == 422
        assert (await refused.json())["fields"]["order_id"] == (
            "This order's client belongs to another manager"
        )
    assert (await api.get(f"/api/v1/orders/{order.id}")).status == 403
    for form in (f"/tasks/new?order={order.id}", f"/feedback/new?order={order.id}"):
        page = await api.get(form)
        assert page.status == 200 and order.number not in await page.text()  # not offered
    api, _operator = await api_as("operator")  # an operator sees every caller's orders
    made = await api.post(
        "/api/v1/tasks",
        json={"title": "Звонок", "due_at": "2099-01-10T10:00:00Z", "order_id": order.id},
    )
    assert made.status == 201, await made.text()
