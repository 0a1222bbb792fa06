"""Invoices for orders: issued from the order's lines, linked to it, and the order list's
payment status (page and API) with its filter; a manager bills only their own clients' orders."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from callcenter.invoices.exceptions import InvoiceInvalid
from callcenter.invoices.service import cancel_invoice, issue_invoice, record_payment
from callcenter.orders.moves import change_status
from callcenter.orders.search import ORDER_PAYMENTS, OrderQuery, search_orders
from tests.conftest import csrf_of, sign_in
from tests.invoices.support import set_up_company

LINES = [("Монтаж системы", "1", "10000"), ("Кабель UTP", "10", "150")]


@pytest.fixture
async def company(sessionmaker: Any, make_user: Any) -> Any:
    admin = await make_user("admin")
    async with sessionmaker() as session:
        await set_up_company(session, admin)
    return admin


async def _billed_order(make_client: Any, make_order: Any, manager: Any) -> tuple[Any, Any]:
    person = await make_client("Смирнова Анна", owner_id=manager.id)
    return person, await make_order(manager, person, lines=LINES)


async def test_an_invoice_for_an_order_takes_its_lines_client_and_the_company_vat(
    sessionmaker: Any, company: Any, make_user: Any, make_client: Any, make_order: Any,
    make_product: Any,
) -> None:  # fmt: skip
    manager = await make_user("manager")
    person = await make_client("Смирнова Анна", owner_id=manager.id)
    cable = await make_product("Кабель UTP", "150.00", unit_code="006", vat_rate="10")
    order = await make_order(
        manager, person, lines=[("Монтаж системы", "1", "10000"), (cable.id, "10")]
    )
    async with sessionmaker.begin() as session:
        invoice = await issue_invoice(
            session, client_id=None, lines=None, order_id=order.id, by=manager
        )
    assert (invoice.order_id, invoice.client_id, invoice.vat_mode) == (
        order.id,
        person.id,
        "included",
    )
    assert [
        (li.name, li.quantity, li.unit_code, li.price, li.vat_rate) for li in invoice.lines
    ] == [
        ("Монтаж системы", D("1"), "796", D("10000.00"), 22),
        ("Кабель UTP", D("10"), "006", D("150.00"), 10),
    ]
    assert invoice.total == order.total == D("11500.00")


async def test_an_order_of_another_client_or_a_cancelled_one_is_not_billed(
    sessionmaker: Any, company: Any, make_user: Any, make_client: Any, make_order: Any,
    settings: Any,
) -> None:  # fmt: skip
    manager = await make_user("manager")
    person, order = await _billed_order(make_client, make_order, manager)
    other = await make_client("Петров", owner_id=manager.id)
    stranger = await make_user("manager")
    for client_id, by in ((other.id, manager), (None, stranger)):
        async with sessionmaker() as session:
            with pytest.raises(InvoiceInvalid) as refused:
                await issue_invoice(
                    session, client_id=client_id, lines=None, order_id=order.id, by=by
                )
        assert set(refused.value.fields) == {"order_id"}
    async with sessionmaker.begin() as session:
        await change_status(
            session,
            order_id=order.id,
            status="cancelled",
            reason="Передумал",
            actor=manager,
            settings=settings,
        )
    async with sessionmaker() as session:
        with pytest.raises(InvoiceInvalid) as refused:
            await issue_invoice(
                session, client_id=person.id, lines=None, order_id=order.id, by=manager
            )
    assert refused.value.fields == {"order_id": "This order was cancelled"}


async def test_issue_from_the_order_page_then_the_order_shows_it_paid(
    client: Any, company: Any, make_user: Any, make_client: Any, make_order: Any,
    sessionmaker: Any,
) -> None:  # fmt: skip
    manager = await make_user("manager")
    person, order = await _billed_order(make_client, make_order, manager)
    csrf = await sign_in(client, manager)
    page = await (await client.get(f"/orders/{order.id}")).text()
    form_url = f"/clients/{person.id}/invoices/new?order={order.id}"
    assert form_url in page and "No invoice for this order yet" in page
    form = await (await client.get(form_url)).text()
    assert f'value="{order.number}"' in form and 'value="Монтаж системы"' in form
    assert 'value="Кабель UTP"' in form and 'value="10000.00"' in form
    data = [("csrf_token", csrf), ("issued_on", "2026-03-05"), ("vat_mode", "included")]
    data += [("order", order.number)]
    for name, quantity, price in LINES:
        data += [("line_name", name), ("line_quantity", quantity), ("line_unit_code", "796")]
        data += [("line_price", price), ("line_discount", "0"), ("line_vat_rate", "22")]
    issued = await client.post(
        f"/clients/{person.id}/invoices/new", data=data, allow_redirects=False
    )
    assert issued.status == 302, await issued.text()
    invoice_page = await (await client.get(issued.headers["Location"])).text()
    assert f'href="/orders/{order.id}" class="invoice-order">{order.number}<' in invoice_page
    listing = await (await client.get("/invoices")).text()
    assert f'href="/orders/{order.id}" class="invoice-order">{order.number}<' in listing
    page = await (await client.get(f"/orders/{order.id}")).text()
    assert "order-invoices" in page and 'data-payment="unpaid"' in page
    invoice_id = int(issued.headers["Location"].rsplit("/", 1)[1])
    async with sessionmaker.begin() as session:
        await record_payment(
            session, invoice_id=invoice_id, amount="11500", paid_on="2026-03-06", by=manager
        )
    page = await (await client.get(f"/orders/{order.id}")).text()
    assert 'class="badge pay-paid order-payment" data-payment="paid"' in page
    card = await (await client.get(f"/clients/{person.id}")).text()
    assert 'data-payment="paid"' in card  # the card's orders show it too


async def test_a_typed_order_number_must_be_the_clients_order(
    signed_in: Any, company: Any, make_client: Any, make_order: Any
) -> None:
    client, manager, csrf = await signed_in("manager")
    person, order = await _billed_order(make_client, make_order, manager)
    other = await make_client("Петров", owner_id=manager.id)
    base = [("csrf_token", csrf), ("issued_on", "2026-03-05"), ("vat_mode", "included")]
    base += [("line_name", "Работа"), ("line_quantity", "1"), ("line_unit_code", "796")]
    base += [("line_price", "100"), ("line_discount", ""), ("line_vat_rate", "22")]
    for number, error in (("2026-99999", "No order has this number"),
                          (order.number, "This order is another client's")):  # fmt: skip
        refused = await client.post(
            f"/clients/{other.id}/invoices/new", data=[*base, ("order", number)]
        )
        assert refused.status == 422
        text = await refused.text()
        assert error in text, text[text.find("field-error") :][:300]
        assert 'id="err-order_id"' in text and f'value="{number}"' in text


async def test_the_order_list_shows_and_filters_payment(
    client: Any, company: Any, make_user: Any, make_client: Any, make_order: Any,
    sessionmaker: Any,
) -> None:  # fmt: skip
    manager = await make_user("manager")
    person, billed = await _billed_order(make_client, make_order, manager)
    unbilled = await make_order(manager, person)
    async with sessionmaker.begin() as session:
        invoice = await issue_invoice(
            session, client_id=None, lines=None, order_id=billed.id, by=manager
        )
        await record_payment(
            session, invoice_id=invoice.id, amount="100", paid_on=invoice.issued_on, by=manager
        )
    await sign_in(client, manager)
    listing = await (await client.get("/orders")).text()
    assert 'data-payment="partly_paid"' in listing and 'data-payment="none"' in listing
    for payment, shown, hidden in (
        ("partly_paid", billed, unbilled),
        ("none", unbilled, billed),
    ):
        listing = await (await client.get("/orders", params={"payment": payment})).text()
        assert f">{shown.number}<" in listing and f">{hidden.number}<" not in listing
    assert f">{billed.number}<" not in await (await client.get("/orders?payment=paid")).text()


async def test_the_api_bills_an_order_and_filters_orders_by_payment(
    api_as: Any, company: Any, make_client: Any, make_order: Any
) -> None:
    api, manager = await api_as("manager")
    person, billed = await _billed_order(make_client, make_order, manager)
    unbilled = await make_order(manager, person)
    response = await api.post("/api/v1/invoices", json={"order_id": billed.id})
    assert response.status == 201, await response.text()
    invoice = await response.json()
    assert invoice["order"] == {"id": billed.id, "number": billed.number}
    assert invoice["client"]["id"] == person.id
    assert [line["name"] for line in invoice["lines"]] == ["Монтаж системы", "Кабель UTP"]
    for payment, expected in (("unpaid", [billed.id]), ("none", [unbilled.id]), ("paid", [])):
        listed = await (await api.get("/api/v1/orders", params={"payment": payment})).json()
        assert [o["id"] for o in listed["items"]] == expected, payment
    one = await (await api.get(f"/api/v1/orders/{billed.id}")).json()
    assert one["payment_status"] == "unpaid"
    assert (await api.get("/api/v1/orders?payment=soon")).status == 400


async def test_a_manager_bills_only_own_clients_orders_and_operators_see_no_payment(
    api_as: Any, company: Any, make_user: Any, make_client: Any, make_order: Any
) -> None:
    owner = await make_user("manager")
    _person, order = await _billed_order(make_client, make_order, owner)
    api, _stranger = await api_as("manager")
    refused = await api.post("/api/v1/invoices", json={"order_id": order.id})
    assert refused.status == 422
    assert (await refused.json())["fields"] == {
        "order_id": "This order's client belongs to another manager"
    }
    api, _operator = await api_as("operator")
    listed = await (await api.get("/api/v1/orders")).json()
    assert [o["id"] for o in listed["items"]] == [order.id]
    assert "payment_status" not in listed["items"][0]
    assert (await api.get("/api/v1/orders?payment=unpaid")).status == 403
    assert (await api.post("/api/v1/invoices", json={"order_id": order.id})).status == 403


async def test_the_payment_filter_agrees_with_the_payment_column(
    sessionmaker: Any, company: Any, make_user: Any, make_client: Any, make_order: Any
) -> None:
    """Every mix of invoices an order may have: none, only a cancelled one, unpaid, partly
    paid, paid, one paid and one unpaid, two paid."""
    manager = await make_user("manager")
    person = await make_client("Смирнова Анна", owner_id=manager.id)
    mixes: list[list[str]] = [[], ["cancelled"], ["0"], ["100"], ["11500"], ["11500", "0"]]
    mixes.append(["11500", "11500"])
    async with sessionmaker.begin() as session:
        for mix in mixes:
            order = await make_order(manager, person, lines=LINES)
            for paid in mix:
                invoice = await issue_invoice(
                    session, client_id=None, lines=None, order_id=order.id, by=manager
                )
                if paid == "cancelled":
                    await cancel_invoice(session, invoice_id=invoice.id, by=manager)
                elif paid != "0":
                    await record_payment(
                        session, invoice_id=invoice.id, amount=paid, paid_on=invoice.issued_on,
                        by=manager,
                    )  # fmt: skip
    async with sessionmaker() as session:
        page = await search_orders(session, OrderQuery(), actor=manager)
        assert sorted(page.payments.values()) == sorted(
            ["none", "none", "unpaid", "partly_paid", "paid", "partly_paid", "paid"]
        )
        for payment in ORDER_PAYMENTS:
            found = await search_orders(session, OrderQuery(payment=payment), actor=manager)
            expected = {i for i, status in page.payments.items() if status == payment}
            assert {o.id for o in found.items} == expected and found.total == len(expected)


async def test_the_order_page_offers_billing_only_to_those_who_bill(
    client: Any, company: Any, make_user: Any, make_client: Any, make_order: Any
) -> None:
    manager = await make_user("manager")
    _person, order = await _billed_order(make_client, make_order, manager)
    for role, invoices_shown in (("operator", False), ("supervisor", True)):
        await sign_in(client, await make_user(role))
        page = await (await client.get(f"/orders/{order.id}")).text()
        assert "issue-invoice" not in page
        assert ("order-invoices" in page) is invoices_shown, role
        assert ("new-order-task" in page) is (role == "operator"), role  # supervisors only read
        await client.post("/logout", data={"csrf_token": await csrf_of(client, "/profile")})
    await sign_in(client, await make_user("manager"))
    assert (await client.get(f"/orders/{order.id}")).status == 403  # another manager's client
