"""Invoice pages through the real app: issue from the card, pay, cancel, the PDF, the list."""

import re
from typing import Any

from tests.invoices.support import add_client, set_up_company
from tests.invoices.test_pdf import pdf_text


async def _ready(signed_in: Any, db_session: Any, make_user: Any, role: str = "manager") -> Any:
    admin = await make_user("admin")
    await set_up_company(db_session, admin)
    client, user, csrf = await signed_in(role)
    buyer = await add_client(db_session, user if role == "manager" else None)
    return client, user, csrf, buyer


def _issue_form(csrf: str, **extra: Any) -> list[tuple[str, str]]:
    form = [
        ("csrf_token", csrf),
        ("issued_on", "2026-03-05"),
        ("due_on", "2026-03-15"),
        ("vat_mode", "included"),
        ("vat_exempt_reason", ""),
        ("basis", "Договор № 5 от 01.02.2026"),
        ("order", ""),
    ]
    lines = [
        ("Монтаж системы", "1", "876", "10 000,00", "", "22"),
        ("Кабель UTP", "10", "006", "150", "", "22"),
        ("Коннектор RJ-45", "7", "796", "100", "", "22"),
        ("", "1", "796", "", "", "22"),  # the blank row the form always offers
    ]
    for name, quantity, unit, price, discount, rate in lines:
        form += [
            ("line_name", name),
            ("line_quantity", quantity),
            ("line_unit_code", unit),
            ("line_price", price),
            ("line_discount", discount),
            ("line_vat_rate", rate),
        ]
    replaced = dict(extra)
    return [(k, replaced.pop(k) if k in replaced else v) for k, v in form] + list(replaced.items())


async def test_issue_from_the_card_then_pay_in_two_parts(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    client, _user, csrf, buyer = await _ready(signed_in, db_session, make_user)
    card = await (await client.get(f"/clients/{buyer.id}")).text()
    assert f'href="/clients/{buyer.id}/invoices/new"' in card
    form_page = await client.get(f"/clients/{buyer.id}/invoices/new")
    assert form_page.status == 200 and 'name="line_name"' in await form_page.text()
    response = await client.post(
        f"/clients/{buyer.id}/invoices/new", data=_issue_form(csrf), allow_redirects=False
    )
    assert response.status == 302, await response.text()
    url = response.headers["Location"]
    page = await (await client.get(url)).text()
    assert "№ 1" in page and "Двенадцать тысяч двести рублей 00 копеек" in page
    assert "RUB12,200.00" in page and "RUB2,200.00" in page  # money in the user's English
    for amount, status in (("5000", "Partly paid"), ("7 200,00", "Paid")):
        paid = await client.post(
            f"{url}/payments",
            data={"csrf_token": csrf, "amount": amount, "paid_on": "2026-03-06", "note": ""},
            allow_redirects=False,
        )
        assert paid.status == 302
        assert (
            f'class="badge pay-{status.lower().replace(" ", "_")}"'
            in await (await client.get(url)).text()
        )
    card = await (await client.get(f"/clients/{buyer.id}")).text()
    assert "client-invoices" in card and "pay-paid" in card


async def test_a_refused_form_keeps_every_line_and_names_the_field(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    client, _user, csrf, buyer = await _ready(signed_in, db_session, make_user)
    form = _issue_form(csrf, basis="Договор № 7")
    form = [(k, "12,3,4" if (k, v) == ("line_price", "150") else v) for k, v in form]
    response = await client.post(f"/clients/{buyer.id}/invoices/new", data=form)
    assert response.status == 422
    page = await response.text()
    assert 'id="err-lines-1-price"' in page and "A price like 1 500,00" in page
    for typed in ("Монтаж системы", "Кабель UTP", "12,3,4", "Договор № 7", "2026-03-15"):
        assert typed in page, typed


async def test_a_payment_above_what_is_owed_is_refused_with_the_amount_kept(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    client, _user, csrf, buyer = await _ready(signed_in, db_session, make_user)
    response = await client.post(
        f"/clients/{buyer.id}/invoices/new", data=_issue_form(csrf), allow_redirects=False
    )
    url = response.headers["Location"]
    refused = await client.post(
        f"{url}/payments",
        data={"csrf_token": csrf, "amount": "99 999", "paid_on": "2026-03-06", "note": "п/п 7"},
    )
    assert refused.status == 422
    page = await refused.text()
    assert 'id="err-amount"' in page and 'value="99 999"' in page and 'value="п/п 7"' in page
    no_csrf = await client.post(f"{url}/payments", data={"amount": "1", "paid_on": "2026-03-06"})
    assert no_csrf.status == 403


async def test_cancel_marks_the_pdf_and_the_list_filters_by_status(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    client, _user, csrf, buyer = await _ready(signed_in, db_session, make_user)
    urls = []
    for _ in range(2):
        response = await client.post(
            f"/clients/{buyer.id}/invoices/new", data=_issue_form(csrf), allow_redirects=False
        )
        urls.append(response.headers["Location"])
    cancelled = await client.post(
        f"{urls[0]}/cancel", data={"csrf_token": csrf, "reason": "Дубль"}, allow_redirects=False
    )
    assert cancelled.status == 302
    pdf = await client.get(f"{urls[0]}.pdf")
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    assert 'filename="invoice-2026-1.pdf"' in pdf.headers["Content-Disposition"]
    assert "СЧЁТ АННУЛИРОВАН" in pdf_text(await pdf.read())
    listing = await (await client.get("/invoices", params={"status": "unpaid"})).text()
    assert re.findall(r'class="invoice-number">№ (\d+)<', listing) == ["2"]
    listing = await (await client.get("/invoices", params={"status": "cancelled"})).text()
    assert re.findall(r'class="invoice-number">№ (\d+)<', listing) == ["1"]


async def test_another_managers_invoice_and_its_pdf_are_forbidden(
    signed_in: Any, db_session: Any, make_user: Any, client: Any
) -> None:
    owner_client, _owner, csrf, buyer = await _ready(signed_in, db_session, make_user)
    response = await owner_client.post(
        f"/clients/{buyer.id}/invoices/new", data=_issue_form(csrf), allow_redirects=False
    )
    url = response.headers["Location"]
    await owner_client.post("/logout", data={"csrf_token": csrf})
    _client, _stranger, _csrf = await signed_in("manager")
    assert (await client.get(url)).status == 403
    assert (await client.get(f"{url}.pdf")).status == 403
    assert "invoice-row" not in await (await client.get("/invoices")).text()


async def test_supervisor_reads_invoices_but_changes_nothing_and_operator_sees_none(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    client, _user, csrf, buyer = await _ready(signed_in, db_session, make_user, "supervisor")
    assert (await client.get("/invoices")).status == 200
    assert (await client.get(f"/clients/{buyer.id}/invoices/new")).status == 403
    response = await client.post(f"/clients/{buyer.id}/invoices/new", data=_issue_form(csrf))
    assert response.status == 403
    await client.post("/logout", data={"csrf_token": csrf})
    _client, _operator, _csrf = await signed_in("operator")
    assert (await client.get("/invoices")).status == 403
    card = await (await client.get(f"/clients/{buyer.id}")).text()
    assert "client-invoices" not in card and "/invoices/new" not in card


async def test_without_company_requisites_the_form_says_who_must_fill_them(
    signed_in: Any, db_session: Any
) -> None:
    client, user, csrf = await signed_in("manager")
    buyer = await add_client(db_session, user)
    page = await (await client.get(f"/clients/{buyer.id}/invoices/new")).text()
    assert "An admin must fill in the company" in page and "requisites first" in page
    response = await client.post(f"/clients/{buyer.id}/invoices/new", data=_issue_form(csrf))
    assert response.status == 409 and "Монтаж системы" in await response.text()
