"""Order pages: create from a client card keeping input on errors, the card with its moves,
history and notifications, the list's filters, analytics, admin pages, role checks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import sign_in


def _order_form(csrf: str, client_id: int, **extra: Any) -> dict[str, Any]:
    form = {
        "csrf_token": csrf,
        "client_id": str(client_id),
        "line_product_id": "",
        "line_description": "Монтаж кондиционера",
        "line_quantity": "2",
        "line_unit_code": "876",
        "line_price": "4 500,50",
        "line_discount_percent": "10",
        "line_vat_rate": "22",
        "notes": "Позвонить перед приездом",
    }
    form.update(extra)
    return form


async def test_an_order_is_created_from_the_client_card_and_moved(
    signed_in: Any, make_client: Any, pipeline: Any
) -> None:
    client, manager, csrf = await signed_in("manager", sees_all_clients=True)
    person = await make_client("Смирнова Анна")
    card = await (await client.get(f"/clients/{person.id}")).text()
    assert f"/orders/new?client={person.id}" in card
    assert (await client.get(f"/orders/new?client={person.id}")).status == 200
    response = await client.post(
        "/orders/new", data=_order_form(csrf, person.id), allow_redirects=False
    )
    assert response.status == 302, await response.text()
    order_url = response.headers["Location"]
    page = await (await client.get(order_url)).text()
    assert "Монтаж кондиционера" in page
    assert "8,100.90" in page  # 2 × 4 500,50 less 10 %, in the user's English locale
    response = await client.post(
        f"{order_url}/status",
        data={"csrf_token": csrf, "status": "accepted"},
        allow_redirects=False,
    )
    assert response.status == 302
    page = await (await client.get(order_url)).text()
    assert "Accepted" in page and "ivanov@example.ru" in page  # the e-mail queued, shown
    card = await (await client.get(f"/clients/{person.id}")).text()
    assert "8,100.90" in card  # the open order's value on the card


async def test_a_bad_line_keeps_what_was_typed_and_marks_the_field(
    signed_in: Any, make_client: Any, pipeline: Any
) -> None:
    client, _manager, csrf = await signed_in("manager", sees_all_clients=True)
    person = await make_client()
    form = _order_form(csrf, person.id, line_quantity="два", line_description="Доставка")
    response = await client.post("/orders/new", data=form)
    assert response.status == 422
    page = await response.text()
    assert 'value="два"' in page and 'value="Доставка"' in page
    assert 'id="err-lines-0-quantity"' in page


async def test_cancelling_without_a_reason_keeps_the_card_and_says_why(
    signed_in: Any, make_client: Any, make_order: Any
) -> None:
    client, manager, csrf = await signed_in("manager", sees_all_clients=True)
    order = await make_order(manager, await make_client())
    response = await client.post(
        f"/orders/{order.id}/status", data={"csrf_token": csrf, "status": "cancelled", "reason": ""}
    )
    assert response.status == 422
    assert "A reason is required" in await response.text()
    url = f"/orders/{order.id}/status"
    for _click in range(2):  # a double click moves it once, and both clicks land on the order
        moved = await client.post(
            url, data={"csrf_token": csrf, "status": "accepted"}, allow_redirects=False
        )
        assert moved.status == 302
    response = await client.post(url, data={"csrf_token": csrf, "status": "new"})
    assert response.status == 409  # backward: refused, saying why


async def test_the_list_filters_by_status_and_overdue(
    signed_in: Any, make_client: Any, make_order: Any, sessionmaker: Any
) -> None:
    from sqlalchemy import update

    from callcenter.db import utcnow
    from callcenter.orders.models import Order

    client, manager, _csrf = await signed_in("manager", sees_all_clients=True)
    late = await make_order(manager, await make_client("Опоздавший"))
    await make_order(manager, await make_client("Вовремя"))
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Order)
            .where(Order.id == late.id)
            .values(stage_due_at=utcnow().replace(year=2020))
        )
    page = await (await client.get("/orders?overdue=1")).text()
    assert "Опоздавший" in page and "Вовремя" not in page
    page = await (await client.get("/orders")).text()
    assert "Опоздавший" in page and "Вовремя" in page


@pytest.mark.parametrize("role", ["operator", "supervisor", "manager", "admin"])
async def test_every_role_sees_orders_and_analytics(
    signed_in: Any, role: str, make_client: Any, make_order: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    order = await make_order(admin, await make_client())
    client, _user, _csrf = await signed_in(role, sees_all_clients=True)
    assert (await client.get("/orders")).status == 200
    assert (await client.get("/orders/analytics")).status == 200
    assert (await client.get(f"/orders/{order.id}")).status == 200


@pytest.mark.parametrize("role", ["operator", "supervisor"])
async def test_operators_and_supervisors_cannot_create_or_move(
    signed_in: Any, role: str, make_client: Any, make_order: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    person = await make_client()
    order = await make_order(admin, person)
    client, _user, csrf = await signed_in(role)
    assert (await client.get(f"/orders/new?client={person.id}")).status == 403
    assert (await client.post("/orders/new", data=_order_form(csrf, person.id))).status == 403
    response = await client.post(
        f"/orders/{order.id}/status", data={"csrf_token": csrf, "status": "accepted"}
    )
    assert response.status == 403
    page = await (await client.get(f"/orders/{order.id}")).text()
    assert f'action="/orders/{order.id}/status"' not in page


async def test_a_manager_sees_only_orders_of_own_clients(
    client: Any, make_user: Any, make_client: Any, make_order: Any
) -> None:
    mine, other = await make_user("manager"), await make_user("manager")
    own = await make_order(mine, await make_client("Мой", owner_id=mine.id))
    foreign = await make_order(other, await make_client("Чужой", owner_id=other.id))
    await sign_in(client, mine)
    assert (await client.get(f"/orders/{own.id}")).status == 200
    assert (await client.get(f"/orders/{foreign.id}")).status == 403
    page = await (await client.get("/orders")).text()
    assert own.number in page and foreign.number not in page


@pytest.mark.parametrize(
    "path",
    [
        "/admin/pipeline",
        "/admin/products",
        "/admin/outbox",
        "/admin/pipeline/new",
        "/admin/products/new",
    ],
)
@pytest.mark.parametrize("role,status", [("manager", 403), ("supervisor", 403), ("admin", 200)])
async def test_only_an_admin_keeps_the_pipeline_products_and_outbox(
    signed_in: Any, pipeline: Any, path: str, role: str, status: int
) -> None:
    client, _user, _csrf = await signed_in(role)
    assert (await client.get(path)).status == status


async def test_admin_adds_a_product_and_errors_keep_the_input(signed_in: Any) -> None:
    client, _admin, csrf = await signed_in("admin")
    form = {
        "csrf_token": csrf,
        "name": "Кондиционер Daikin",
        "sku": "DK-25",
        "unit_code": "796",
        "price": "сто",
        "vat_rate": "22",
        "active": "1",
    }
    response = await client.post("/admin/products/new", data=form)
    assert response.status == 422
    assert 'value="Кондиционер Daikin"' in await response.text()
    form["price"] = "45 990,00"
    response = await client.post("/admin/products/new", data=form, allow_redirects=False)
    assert response.status == 302
    listing = await (await client.get("/admin/products")).text()
    assert "Кондиционер Daikin" in listing and "DK-25" in listing


async def test_admin_edits_a_status_template_and_unknown_placeholders_are_refused(
    signed_in: Any, pipeline: Any
) -> None:
    client, _admin, csrf = await signed_in("admin")
    status = pipeline["shipped"]
    form = {
        "csrf_token": csrf,
        "code": "shipped",
        "name_ru": "Отгружен",
        "name_en": "Shipped",
        "position": "50",
        "kind": "open",
        "deadline_days": "5",
        "notify_client": "1",
        "email_subject": "Заказ {nomer}",
        "email_body": "Текст",
    }
    response = await client.post(f"/admin/pipeline/{status.id}", data=form)
    assert response.status == 422
    assert "Unknown placeholder" in await response.text()
    form["email_subject"] = "Заказ {number} в пути"
    response = await client.post(f"/admin/pipeline/{status.id}", data=form, allow_redirects=False)
    assert response.status == 302
    page = await (await client.get(f"/admin/pipeline/{status.id}")).text()
    assert "Заказ {number} в пути" in page


async def test_a_used_status_cannot_be_deleted(
    signed_in: Any, make_client: Any, make_order: Any, pipeline: Any
) -> None:
    client, admin, csrf = await signed_in("admin")
    await make_order(admin, await make_client())
    response = await client.post(
        f"/admin/pipeline/{pipeline['new'].id}/delete", data={"csrf_token": csrf}
    )
    assert response.status == 409
    response = await client.post(
        f"/admin/pipeline/{pipeline['refused'].id}/delete",
        data={"csrf_token": csrf},
        allow_redirects=False,
    )
    assert response.status == 302
