"""Invoices issued at once never share a number nor skip one; a payment sent twice at once
(the page's form double-clicked, an API request retried with its key) is recorded once."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from callcenter.invoices.models import Invoice, InvoicePayment
from tests.invoices.support import add_client, set_up_company
from tests.invoices.test_api import LINES
from tests.invoices.test_pages import _issue_form

AT_ONCE = 16


async def _ready(api_as: Any, db_session: Any, make_user: Any) -> tuple[Any, int]:
    await set_up_company(db_session, await make_user("admin"))
    client, user = await api_as("manager")
    buyer = await add_client(db_session, user)
    return client, buyer.id


async def _issue(client: Any, buyer_id: int, issued_on: str) -> Any:
    body = {"client_id": buyer_id, "lines": LINES, "issued_on": issued_on}
    return await client.post("/api/v1/invoices", json=body)


async def test_invoices_issued_at_once_are_numbered_without_repeats_or_gaps(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    client, buyer_id = await _ready(api_as, db_session, make_user)
    days = ["2026-03-05", "2027-01-10"] * (AT_ONCE // 2)  # two years, numbered apart
    answers = await asyncio.gather(*(_issue(client, buyer_id, day) for day in days))
    assert [r.status for r in answers] == [201] * AT_ONCE
    rows = (await db_session.execute(select(Invoice.year, Invoice.number))).all()
    for year in (2026, 2027):
        numbers = sorted(n for y, n in rows if y == year)
        assert numbers == list(range(1, AT_ONCE // 2 + 1))


async def test_a_refused_issue_among_many_gives_its_number_back(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    client, buyer_id = await _ready(api_as, db_session, make_user)
    bad = {"client_id": buyer_id, "lines": [{"name": "", "quantity": -1, "price": "x"}]}
    good = [_issue(client, buyer_id, "2026-03-05") for _ in range(AT_ONCE // 2)]
    refused = [client.post("/api/v1/invoices", json=bad) for _ in range(AT_ONCE // 2)]
    answers = await asyncio.gather(*good, *refused)
    assert sorted(r.status for r in answers) == [201] * (AT_ONCE // 2) + [422] * (AT_ONCE // 2)
    numbers = sorted(await db_session.scalars(select(Invoice.number)))
    assert numbers == list(range(1, AT_ONCE // 2 + 1))


async def test_a_payment_sent_many_times_with_one_key_is_recorded_once(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    client, buyer_id = await _ready(api_as, db_session, make_user)
    invoice = await (await _issue(client, buyer_id, "2026-03-05")).json()
    url = f"/api/v1/invoices/{invoice['id']}/payments"
    pay = {"amount": "1000.00", "paid_on": "2026-03-06", "note": "п/п 42"}
    retried = [
        client.post(url, json=pay, headers={"Idempotency-Key": "pp-42"}) for _ in range(AT_ONCE)
    ]
    answers = await asyncio.gather(*retried)
    assert [r.status for r in answers] == [201] * AT_ONCE
    assert {(await r.json())["paid"] for r in answers} == {"1000.00"}
    payments = list(await db_session.scalars(select(InvoicePayment)))
    assert [(p.amount, p.request_key) for p in payments] == [(Decimal("1000.00"), "pp-42")]
    other = await client.post(url, json=pay | {"key": "pp-43"})  # another key: another payment
    assert (await other.json())["paid"] == "2000.00"


async def test_the_payment_form_double_clicked_records_one_payment(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    await set_up_company(db_session, await make_user("admin"))
    client, user, csrf = await signed_in("manager")
    buyer = await add_client(db_session, user)
    issued = await client.post(
        f"/clients/{buyer.id}/invoices/new", data=_issue_form(csrf), allow_redirects=False
    )
    url = issued.headers["Location"]
    page = await (await client.get(url)).text()
    key = re.search(r'name="request_key" value="([0-9a-f]{32})"', page)
    assert key, "the payment form carries its own key"
    form = {
        "csrf_token": csrf,
        "amount": "5000",
        "paid_on": "2026-03-06",
        "note": "",
        "request_key": key.group(1),
    }
    clicks = [
        client.post(f"{url}/payments", data=form, allow_redirects=False) for _ in range(AT_ONCE)
    ]
    answers = await asyncio.gather(*clicks)
    assert [r.status for r in answers] == [302] * AT_ONCE
    payments = list(await db_session.scalars(select(InvoicePayment)))
    assert [p.amount for p in payments] == [Decimal("5000.00")]
    fresh = await (await client.get(url)).text()
    again = re.search(r'name="request_key" value="([0-9a-f]{32})"', fresh)
    assert again and again.group(1) != key.group(1)  # the next payment is a new one


async def test_one_issue_request_sent_many_times_at_once_issues_one_invoice(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    client, buyer_id = await _ready(api_as, db_session, make_user)
    body = {"client_id": buyer_id, "lines": LINES, "issued_on": "2026-03-05"}
    answers = await asyncio.gather(
        *(
            client.post("/api/v1/invoices", json=body, headers={"Idempotency-Key": "issue-1"})
            for _ in range(AT_ONCE)
        )
    )
    assert {r.status for r in answers} == {201}
    assert len({(await r.json())["id"] for r in answers}) == 1
    assert list(await db_session.scalars(select(Invoice.number))) == [1]
    again = await _issue(client, buyer_id, "2026-03-05")  # another request: another invoice
    assert again.status == 201 and (await again.json())["number"] == 2


async def test_the_issue_form_double_clicked_issues_one_invoice(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    await set_up_company(db_session, await make_user("admin"))
    client, user, csrf = await signed_in("manager")
    buyer = await add_client(db_session, user)
    page = await (await client.get(f"/clients/{buyer.id}/invoices/new")).text()
    key = re.search(r'name="request_key" value="([0-9a-f]+)"', page)
    assert key, "the issue form carries no key of its own"
    form = [*_issue_form(csrf), ("request_key", key.group(1))]
    answers = await asyncio.gather(
        *(
            client.post(f"/clients/{buyer.id}/invoices/new", data=form, allow_redirects=False)
            for _ in range(AT_ONCE)
        )
    )
    assert {r.status for r in answers} == {302}
    assert len({r.headers["Location"] for r in answers}) == 1
    assert len(list(await db_session.scalars(select(Invoice.id)))) == 1
