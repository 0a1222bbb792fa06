"""/api/v1/invoices: issue, read, list by payment status, pay, cancel, the PDF; errors as JSON."""

from typing import Any

from tests.invoices.support import add_client, add_order, set_up_company
from tests.invoices.test_pdf import pdf_text

LINES = [
    {"name": "Монтаж системы", "quantity": 1, "unit_code": "876", "price": "10000.00"},
    {"name": "Кабель UTP", "quantity": "10", "unit_code": "006", "price": 150.0},
    {"name": "Коннектор RJ-45", "quantity": 7, "price": 100, "vat_rate": 22},
]


async def _ready(api_as: Any, db_session: Any, make_user: Any, role: str = "manager") -> Any:
    await set_up_company(db_session, await make_user("admin"))
    client, user = await api_as(role)
    buyer = await add_client(db_session, user if role == "manager" else None)
    return client, buyer


async def test_issue_read_pay_and_list_by_status(
    api_as: Any, db_session: Any, make_user: Any, settings: Any
) -> None:
    client, buyer = await _ready(api_as, db_session, make_user)
    order = await add_order(db_session, await make_user("admin"), buyer, settings)
    response = await client.post(
        "/api/v1/invoices",
        json={
            "client_id": buyer.id,
            "lines": LINES,
            "issued_on": "2026-03-05",
            "order_id": order.id,
        },
    )
    assert response.status == 201, await response.text()
    invoice = await response.json()
    assert response.headers["Location"] == f"/api/v1/invoices/{invoice['id']}"
    assert (invoice["number"], invoice["year"], invoice["order_id"]) == (1, 2026, order.id)
    assert [line["amount"] for line in invoice["lines"]] == ["10000.00", "1500.00", "700.00"]
    assert invoice["vat_rows"] == [{"rate": 22, "base": "12200.00", "vat": "2200.00"}]
    assert (invoice["total"], invoice["payment_status"]) == ("12200.00", "unpaid")
    assert invoice["amount_in_words"] == "Двенадцать тысяч двести рублей 00 копеек"
    assert invoice["buyer"]["inn"] == "7736207543" and invoice["seller"]["bik"] == "044525225"

    paid = await client.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        json={"amount": 2200.10, "paid_on": "2026-03-06", "note": "п/п 42"},
    )
    assert paid.status == 201
    body = await paid.json()
    assert (body["paid"], body["outstanding"], body["payment_status"]) == (
        "2200.10",
        "9999.90",
        "partly_paid",
    )
    listing = await (await client.get("/api/v1/invoices", params={"status": "partly_paid"})).json()
    assert [item["id"] for item in listing["items"]] == [invoice["id"]]
    assert listing["outstanding"] == "9999.90"
    assert (await (await client.get("/api/v1/invoices?status=paid")).json())["items"] == []
    one = await (await client.get(f"/api/v1/invoices/{invoice['id']}")).json()
    assert one["payments"] == [
        {
            "id": one["payments"][0]["id"],
            "amount": "2200.10",
            "paid_on": "2026-03-06",
            "note": "п/п 42",
        }
    ]
    pdf = await client.get(f"/api/v1/invoices/{invoice['id']}.pdf")
    assert pdf.status == 200 and "Всего к оплате: 12 200,00" in pdf_text(await pdf.read())


async def test_bad_input_answers_with_fields_and_nothing_is_issued(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    client, buyer = await _ready(api_as, db_session, make_user)
    response = await client.post(
        "/api/v1/invoices",
        json={"client_id": buyer.id, "lines": [{"name": "", "price": "-5"}], "vat_mode": "maybe"},
    )
    assert response.status == 422
    body = await response.json()
    assert body["error"] == "invoice_invalid"
    assert set(body["fields"]) == {"vat_mode", "lines.0.name", "lines.0.price"}
    assert (await client.post("/api/v1/invoices", data="nope")).status == 400
    assert (await client.post("/api/v1/invoices", json={"lines": LINES})).status == 400
    bad_lines = await client.post("/api/v1/invoices", json={"client_id": buyer.id, "lines": "x"})
    assert bad_lines.status == 400
    assert (await (await client.get("/api/v1/invoices")).json())["total"] == 0


async def test_cancel_then_payment_is_a_conflict(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    client, buyer = await _ready(api_as, db_session, make_user)
    created = await client.post("/api/v1/invoices", json={"client_id": buyer.id, "lines": LINES})
    invoice_id = (await created.json())["id"]
    cancelled = await client.post(f"/api/v1/invoices/{invoice_id}/cancel", json={"reason": "Дубль"})
    assert cancelled.status == 200 and (await cancelled.json())["status"] == "cancelled"
    paid = await client.post(f"/api/v1/invoices/{invoice_id}/payments", json={"amount": "1"})
    assert paid.status == 409 and (await paid.json())["error"] == "invoice_conflict"


async def test_a_supervisor_reads_but_may_not_issue(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    client, buyer = await _ready(api_as, db_session, make_user, "supervisor")
    assert (await client.get("/api/v1/invoices")).status == 200
    response = await client.post("/api/v1/invoices", json={"client_id": buyer.id, "lines": LINES})
    assert response.status == 403


async def test_another_managers_client_cannot_be_billed(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    client, _buyer = await _ready(api_as, db_session, make_user)
    foreign = await add_client(db_session, await make_user("manager"), name="Чужой")
    response = await client.post("/api/v1/invoices", json={"client_id": foreign.id, "lines": LINES})
    assert response.status == 403
    assert (await client.get("/api/v1/invoices/999")).status == 404
