"""Issuing invoices: numbers per year (also under concurrency), snapshots, payments, cancel."""

import asyncio
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from callcenter.company.service import save_company
from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import Forbidden
from callcenter.invoices.exceptions import CompanyMissing, InvoiceConflict, InvoiceInvalid
from callcenter.invoices.input import LineInput
from callcenter.invoices.lists import InvoiceQuery, list_invoices, order_payment_status
from callcenter.invoices.service import (
    cancel_invoice,
    issue_invoice,
    record_payment,
    remove_payment,
)
from tests.invoices.support import add_client, add_order, company_input, set_up_company, three_lines

DAY = date(2026, 3, 5)


@pytest.fixture
async def world(db_session: Any, make_user: Any) -> dict[str, Any]:
    admin = await make_user("admin")
    manager = await make_user("manager")
    await set_up_company(db_session, admin)
    buyer = await add_client(db_session, manager)
    return {"admin": admin, "manager": manager, "buyer": buyer, "buyer_id": buyer.id}


async def _issue(session: Any, world: dict[str, Any], **kw: Any) -> Any:
    kw.setdefault("lines", three_lines())
    kw.setdefault("issued_on", DAY)
    invoice = await issue_invoice(session, client_id=world["buyer_id"], by=world["manager"], **kw)
    await session.commit()
    return invoice


async def test_an_invoice_carries_its_figures_and_frozen_parties(
    db_session: Any, world: dict[str, Any]
) -> None:
    invoice = await _issue(db_session, world, basis="Договор № 5 от 01.02.2026")
    assert (invoice.year, invoice.number, invoice.issued_on) == (2026, 1, DAY)
    assert [(line.n, line.amount, line.vat_rate, line.unit) for line in invoice.lines] == [
        (1, D("10000.00"), 22, "усл. ед"),
        (2, D("1500.00"), 22, "м"),
        (3, D("700.00"), 22, "шт"),
    ]
    assert (invoice.lines_total, invoice.vat_total, invoice.total) == (
        D("12200.00"),
        D("2200.00"),
        D("12200.00"),
    )
    assert invoice.payment_status == "unpaid" and invoice.vat_mode == "included"
    assert invoice.seller["inn"] == "7707083893" and invoice.seller["kpp"] == "773601001"
    assert invoice.buyer == {
        "kind": "company",
        "name": "ООО «Вектор»",
        "inn": "7736207543",
        "kpp": "770401001",
        "address": "119021, г. Москва, ул. Льва Толстого, д. 16",
        "phone": "+7 916 123-45-67",
        "email": "buh@vector.example",
    }
    # later edits of the company or the client leave the issued invoice as it was
    await save_company(
        db_session, data=company_input(legal_name="ПАО «Другая»"), actor=world["admin"], region="RU"
    )
    world["buyer"].name = "ООО «Новое имя»"
    await db_session.commit()
    await db_session.refresh(invoice)
    assert invoice.seller["name"] == "ПАО «Ромашка»" and invoice.buyer["name"] == "ООО «Вектор»"


async def test_a_person_without_requisites_can_be_billed(
    db_session: Any, world: dict[str, Any]
) -> None:
    person = await add_client(db_session, world["manager"], kind="person", name="Смирнов Олег")
    invoice = await issue_invoice(
        db_session, client_id=person.id, lines=three_lines(), by=world["manager"], issued_on=DAY
    )
    assert invoice.buyer["inn"] is None and invoice.buyer["kpp"] is None
    assert invoice.buyer["name"] == "Смирнов Олег"


async def test_numbers_run_per_year_and_start_again_at_one(
    db_session: Any, world: dict[str, Any]
) -> None:
    numbers = [(await _issue(db_session, world)).number for _ in range(3)]
    next_year = await _issue(db_session, world, issued_on=date(2027, 1, 10))
    assert numbers == [1, 2, 3] and (next_year.year, next_year.number) == (2027, 1)


async def test_concurrent_issues_never_share_a_number(
    database_url: str, db_session: Any, world: dict[str, Any]
) -> None:
    engine = make_engine(database_url, pool_size=12)
    sessionmaker = make_sessionmaker(engine)

    async def issue_one() -> int:
        async with sessionmaker.begin() as session:
            invoice = await issue_invoice(
                session,
                client_id=world["buyer_id"],
                lines=three_lines(),
                by=world["manager"],
                issued_on=DAY,
            )
            await asyncio.sleep(0.01)  # hold the counter while others queue behind it
            return invoice.number

    numbers = await asyncio.gather(*(issue_one() for _ in range(12)))
    await engine.dispose()
    assert sorted(numbers) == list(range(1, 13))


async def test_a_failed_issue_gives_its_number_back(db_session: Any, world: dict[str, Any]) -> None:
    await _issue(db_session, world)
    with pytest.raises(InvoiceInvalid) as caught:
        await _issue(db_session, world, lines=[LineInput(name="Товар", price="abc")])
    assert caught.value.fields == {"lines.0.price": "A price like 1 500,00"}
    await db_session.rollback()
    assert (await _issue(db_session, world)).number == 2


async def test_bad_lines_are_reported_by_the_field(db_session: Any, world: dict[str, Any]) -> None:
    lines = [
        LineInput(name="", quantity="0", price="10"),
        LineInput(name="", price=""),  # blank: left out
        LineInput(name="Товар", quantity="1,5", price="1,005", discount="120", vat_rate="18"),
        LineInput(name="Работа", price="100", unit_code="999"),
    ]
    with pytest.raises(InvoiceInvalid) as caught:
        await _issue(db_session, world, lines=lines)
    assert caught.value.fields == {
        "lines.0.name": "Name the goods or service",
        "lines.0.quantity": "Quantity must be above zero",
        "lines.2.price": "A price like 1 500,00",
        "lines.2.discount": "A discount in per cent, 0 to 100",
        "lines.2.vat_rate": "Choose a VAT rate from the list",
        "lines.3.unit_code": "Choose a unit from the list",
    }


async def test_vat_rate_follows_the_date_and_22_is_refused_before_2026(
    db_session: Any, world: dict[str, Any]
) -> None:
    december = await _issue(db_session, world, issued_on=date(2025, 12, 20))
    assert {line.vat_rate for line in december.lines} == {20}
    assert december.vat_total == D("2033.33")  # 12 200 × 20/120
    with pytest.raises(InvoiceInvalid) as caught:
        await _issue(
            db_session,
            world,
            issued_on=date(2025, 12, 20),
            lines=[LineInput(name="Товар", price="100", vat_rate="22")],
        )
    assert caught.value.fields == {
        "lines.0.vat_rate": "The 22 per cent rate applies from 1 January 2026"
    }


async def test_vat_on_top_and_mixed_rates(db_session: Any, world: dict[str, Any]) -> None:
    lines = [
        LineInput(name="Книга", price="1000", vat_rate="10"),
        LineInput(name="Услуга", price="1000", vat_rate="22"),
        LineInput(name="Обучение", price="500", vat_rate="none"),
    ]
    invoice = await _issue(db_session, world, lines=lines, vat_mode="on_top")
    assert [line.vat_rate for line in invoice.lines] == [10, 22, None]
    assert (invoice.lines_total, invoice.vat_total, invoice.total) == (
        D("2500.00"),
        D("320.00"),
        D("2820.00"),
    )


async def test_without_vat_needs_a_reason(db_session: Any, world: dict[str, Any]) -> None:
    with pytest.raises(InvoiceInvalid) as caught:
        await _issue(db_session, world, vat_mode="none", vat_exempt_reason="")
    assert "vat_exempt_reason" in caught.value.fields
    await db_session.rollback()
    invoice = await _issue(db_session, world, vat_mode="none", vat_exempt_reason="УСН")
    assert invoice.vat_total == 0 and invoice.total == D("12200.00")
    assert {line.vat_rate for line in invoice.lines} == {None}


async def test_no_invoice_before_the_company_is_filled_in(db_session: Any, make_user: Any) -> None:
    manager = await make_user("manager")
    buyer = await add_client(db_session, manager)
    with pytest.raises(CompanyMissing):
        await issue_invoice(db_session, client_id=buyer.id, lines=three_lines(), by=manager)


async def test_payments_move_the_status_from_unpaid_to_paid(
    db_session: Any, world: dict[str, Any]
) -> None:
    invoice = await _issue(db_session, world)
    manager = world["manager"]
    invoice = await record_payment(
        db_session, invoice_id=invoice.id, amount="5 000,00", paid_on="06.03.2026", by=manager
    )
    assert (invoice.paid, invoice.payment_status, invoice.outstanding) == (
        D("5000.00"),
        "partly_paid",
        D("7200.00"),
    )
    with pytest.raises(InvoiceInvalid) as caught:
        await record_payment(
            db_session, invoice_id=invoice.id, amount="7200.01", paid_on=DAY, by=manager
        )
    assert caught.value.fields == {"amount": "More than is still owed on this invoice"}
    invoice = await record_payment(
        db_session, invoice_id=invoice.id, amount="7200", paid_on=DAY, by=manager, note="п/п 42"
    )
    assert invoice.payment_status == "paid" and invoice.outstanding == 0
    assert [p.note for p in invoice.payments] == ["п/п 42", ""]  # by date: 05.03, then 06.03
    invoice = await remove_payment(
        db_session, invoice_id=invoice.id, payment_id=invoice.payments[0].id, by=manager
    )
    assert invoice.payment_status == "partly_paid" and invoice.paid == D("5000.00")


async def test_a_cancelled_invoice_takes_no_payment_and_keeps_its_number(
    db_session: Any, world: dict[str, Any]
) -> None:
    first = await _issue(db_session, world)
    paid = await _issue(db_session, world)
    await record_payment(db_session, invoice_id=paid.id, amount="1", paid_on=DAY, by=world["admin"])
    with pytest.raises(InvoiceConflict):
        await cancel_invoice(db_session, invoice_id=paid.id, by=world["manager"])
    cancelled = await cancel_invoice(
        db_session, invoice_id=first.id, by=world["manager"], reason="Клиент передумал"
    )
    assert cancelled.cancelled and cancelled.cancel_reason == "Клиент передумал"
    with pytest.raises(InvoiceConflict):
        await record_payment(
            db_session, invoice_id=first.id, amount="1", paid_on=DAY, by=world["manager"]
        )
    assert (await _issue(db_session, world)).number == 3


async def test_the_list_filters_by_payment_status_client_and_year(
    db_session: Any, world: dict[str, Any], settings: Any
) -> None:
    first, second = [
        (await add_order(db_session, world["manager"], world["buyer"], settings)).id
        for _ in range(2)
    ]
    unpaid = await _issue(db_session, world)
    partly = await _issue(db_session, world, order_id=first)
    paid = await _issue(db_session, world, order_id=second, issued_on=date(2027, 2, 1))
    cancelled = await _issue(db_session, world)
    other = await add_client(db_session, world["manager"], name="ООО «Другой»", inn=None)
    other_invoice = await _issue(db_session, {**world, "buyer_id": other.id})
    admin = world["admin"]
    await record_payment(db_session, invoice_id=partly.id, amount="100", paid_on=DAY, by=admin)
    await record_payment(
        db_session, invoice_id=paid.id, amount="12200", paid_on=date(2027, 2, 2), by=admin
    )
    await cancel_invoice(db_session, invoice_id=cancelled.id, by=admin)
    await db_session.commit()

    async def ids(**filters: Any) -> list[int]:
        page = await list_invoices(db_session, InvoiceQuery(**filters), actor=admin)
        return [invoice.id for invoice in page.items]

    assert await ids(status="unpaid") == [other_invoice.id, unpaid.id]
    assert await ids(status="partly_paid") == [partly.id]
    assert await ids(status="paid") == [paid.id]
    assert await ids(status="cancelled") == [cancelled.id]
    assert await ids(client_id=other.id) == [other_invoice.id]
    assert await ids(year=2027) == [paid.id]
    assert await ids(order_id=first) == [partly.id]
    page = await list_invoices(db_session, InvoiceQuery(), actor=admin)
    assert page.total == 5 and page.amount == D("48800.00")  # the cancelled one not counted
    assert page.outstanding == D("12200.00") * 2 + D("12100.00")
    statuses = dict((await db_session.execute(order_payment_status())).all())
    assert statuses == {first: "partly_paid", second: "paid"}


async def test_a_manager_sees_only_invoices_of_own_clients(
    db_session: Any, world: dict[str, Any], make_user: Any
) -> None:
    invoice = await _issue(db_session, world)
    stranger = await make_user("manager")
    page = await list_invoices(db_session, InvoiceQuery(), actor=stranger)
    assert page.items == [] and page.total == 0
    with pytest.raises(Forbidden):
        await record_payment(
            db_session, invoice_id=invoice.id, amount="1", paid_on=DAY, by=stranger
        )
    supervisor = await make_user("supervisor")
    assert (await list_invoices(db_session, InvoiceQuery(), actor=supervisor)).total == 1
    with pytest.raises(Forbidden):
        await cancel_invoice(db_session, invoice_id=invoice.id, by=supervisor)
    operator = await make_user("operator")
    with pytest.raises(Forbidden):
        await list_invoices(db_session, InvoiceQuery(), actor=operator)
