"""Invoices: issue one with a number of its year, read with visibility, record payments, cancel.

Services flush and never commit: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from callcenter.audit.service import record_change
from callcenter.clients.models import Client
from callcenter.clients.service import get_client
from callcenter.company.service import get_company, seller_snapshot
from callcenter.db import utcnow
from callcenter.errors import Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.invoices.exceptions import CompanyMissing, InvoiceConflict, InvoiceInvalid
from callcenter.invoices.figures import ZERO, invoice_figures
from callcenter.invoices.for_orders import invoice_lines_of, order_to_bill
from callcenter.invoices.input import (
    LineInput,
    Terms,
    check_figures,
    validate_lines,
    validate_payment,
)
from callcenter.invoices.models import Invoice, InvoiceCounter, InvoiceLine, InvoicePayment
from callcenter.invoices.parties import buyer_snapshot
from callcenter.invoices.words import UnsupportedCurrency, amount_in_words
from callcenter.partners.commissions import accrue_for_payment, reverse_unless_paid
from callcenter.partners.periods import local_today
from callcenter.users.models import User
from callcenter.users.roles import Permission
from callcenter.webhooks.service import enqueue


def payment_status(total: Decimal, paid: Decimal) -> str:
    if paid <= 0:
        return "unpaid"
    return "paid" if paid >= total else "partly_paid"


ISSUE_LOCKS = 7303  # advisory lock space of invoice issue keys


def clean_request_key(value: object) -> str | None:
    """A request's own key as stored (at most 120 characters); None when there is none."""
    text = str(value or "").strip()[:120]
    return text or None


async def next_number(session: AsyncSession, year: int) -> int:
    """The next number of ``year``. The counter row stays locked until the transaction ends,
    so concurrent issuers wait in turn and no two invoices of a year share a number; a
    rolled-back issue gives its number back."""
    statement = (
        insert(InvoiceCounter)
        .values(year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[InvoiceCounter.year],
            set_={"last_number": InvoiceCounter.last_number + 1},
        )
        .returning(InvoiceCounter.last_number)
    )
    return int((await session.execute(statement)).scalar_one())


def _check_extras(currency: str, issued_on: date, due_on: date | None, basis: str) -> None:
    errors: dict[str, str] = {}
    try:
        amount_in_words(Decimal(1), currency)
    except UnsupportedCurrency:
        errors["currency"] = N_("Invoices cannot be written in this currency")
    if due_on is not None and due_on < issued_on:
        errors["due_on"] = N_("Payment cannot be due before the invoice is issued")
    if len(basis) > 300:
        errors["basis"] = N_("Too long")
    if errors:
        raise InvoiceInvalid(N_("Please correct the marked fields"), fields=errors)


async def _buyer_and_lines(
    session: AsyncSession,
    client_id: int | None,
    order_id: int | None,
    lines: list[LineInput] | None,
    by: User,
) -> tuple[Client, list[LineInput]]:
    """Who is billed and for what: the lines given, or the order's when none are."""
    if order_id is not None:
        order = await order_to_bill(session, order_id, client_id=client_id, actor=by)
        client_id = order.client_id
        lines = lines or invoice_lines_of(order)
    if client_id is None:
        raise InvoiceInvalid(
            N_("Please correct the marked fields"), fields={"client_id": N_("Choose a client")}
        )
    client = await get_client(session, client_id, actor=by)
    if client.merged_into_id:
        raise InvoiceInvalid(N_("This client was merged into another one"))
    return client, lines or []


async def issue_invoice(
    session: AsyncSession,
    *,
    client_id: int | None,
    lines: list[LineInput] | None,
    by: User,
    order_id: int | None = None,
    vat_mode: str | None = None,
    vat_exempt_reason: str | None = None,
    issued_on: date | None = None,
    due_on: date | None = None,
    basis: str = "",
    currency: str = "RUB",
    request_key: object = None,
) -> Invoice:
    """Issue an invoice to a client; VAT mode and reason default to the company's.

    With ``order_id`` the invoice is for that order (of that client: with no ``client_id``,
    the order's client); with no lines it takes the order's lines. ``request_key`` is the
    form's (or API request's) own key: sent again, even at the same moment, it answers the
    invoice the first one issued (a lock on the key, then ``uq_invoices_request_key``).
    """
    if not by.can(Permission.INVOICES_EDIT):
        raise Forbidden(N_("You may not issue invoices"))
    key = clean_request_key(request_key)
    if key is not None:
        issued = await _issued_by_key(session, by, key)
        if issued is not None:
            return await get_invoice(session, issued, actor=by)
    company = await get_company(session)
    if company is None:
        raise CompanyMissing(N_("An admin must fill in the company's requisites first"))
    client, lines = await _buyer_and_lines(session, client_id, order_id, lines, by)
    mode = vat_mode or company.vat_mode
    reason = vat_exempt_reason if vat_exempt_reason is not None else company.vat_exempt_reason
    terms = Terms(mode, reason.strip() if mode == "none" else "", issued_on or date.today())
    clean = validate_lines(lines, terms)
    basis = " ".join(basis.split())
    _check_extras(currency, terms.issued_on, due_on, basis)
    figures = invoice_figures([(line.amount, line.vat_rate) for line in clean], terms.vat_mode)
    check_figures(figures)
    invoice = Invoice(
        year=terms.issued_on.year,
        number=await next_number(session, terms.issued_on.year),
        issued_on=terms.issued_on,
        due_on=due_on,
        order_id=order_id,
        client_id=client.id,
        seller=seller_snapshot(company),
        buyer=buyer_snapshot(client),
        basis=basis,
        vat_mode=terms.vat_mode,
        vat_exempt_reason=terms.vat_exempt_reason,
        currency=currency,
        lines_total=figures.lines_total,
        vat_total=figures.vat_total,
        total=figures.total,
        paid=ZERO,
        payment_status="unpaid",
        created_by_id=by.id,
        request_key=key,
        lines=[InvoiceLine(**vars(line)) for line in clean],
        payments=[],
    )
    session.add(invoice)
    await session.flush()
    await _audit(session, by, invoice, "issued", {"number": invoice.number, "total": invoice.total})
    return await get_invoice(session, invoice.id, actor=by)


async def _issued_by_key(session: AsyncSession, by: User, key: str) -> int | None:
    """The invoice this user's request ``key`` issued, if any. Taken under a lock on the key
    (until the transaction ends), so a duplicate sent at the same moment waits for the first
    to commit and then finds its invoice."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
        {"space": ISSUE_LOCKS, "key": f"{by.id}:{key}"},
    )
    return await session.scalar(
        select(Invoice.id).where(Invoice.created_by_id == by.id, Invoice.request_key == key)
    )


async def _audit(
    session: AsyncSession, actor: User, invoice: Invoice, action: str, changes: dict
) -> None:
    await record_change(
        session,
        actor=actor,
        entity="invoice",
        entity_id=invoice.id,
        action=action,
        changes={key: [None, str(value)] for key, value in changes.items()},
    )


def may_see(actor: User, client: Client) -> bool:
    return actor.sees_every_client or client.owner_id == actor.id


async def get_invoice(
    session: AsyncSession, invoice_id: int, *, actor: User, for_update: bool = False
) -> Invoice:
    if not actor.can(Permission.INVOICES_VIEW):
        raise Forbidden(N_("You may not see invoices"))
    query = (
        select(Invoice)
        .where(Invoice.id == invoice_id)
        .options(
            selectinload(Invoice.lines),
            selectinload(Invoice.payments),
            selectinload(Invoice.client),
            selectinload(Invoice.order),
        )
        .execution_options(populate_existing=True)
    )
    if for_update:
        query = query.with_for_update(of=Invoice)
    invoice = await session.scalar(query)
    if invoice is None:
        raise NotFound(N_("No such invoice"))
    if not may_see(actor, invoice.client):
        raise Forbidden(N_("This invoice belongs to another manager's client"))
    return invoice


async def _editable(session: AsyncSession, invoice_id: int, by: User) -> Invoice:
    if not by.can(Permission.INVOICES_EDIT):
        raise Forbidden(N_("You may not change invoices"))
    invoice = await get_invoice(session, invoice_id, actor=by, for_update=True)
    if invoice.cancelled:
        raise InvoiceConflict(N_("This invoice was cancelled"))
    return invoice


async def _settle(session: AsyncSession, invoice: Invoice) -> None:
    was = invoice.payment_status
    invoice.paid = sum((p.amount for p in invoice.payments), ZERO)
    invoice.payment_status = payment_status(invoice.total, invoice.paid)
    await session.flush()
    if invoice.payment_status == "paid" and was != "paid":
        event = {
            "id": invoice.id,
            "number": f"{invoice.number}/{invoice.year}",
            "client_id": invoice.client_id,
            "order_id": invoice.order_id,
            "total": invoice.total,
            "paid": invoice.paid,
        }
        await enqueue(session, "invoice.paid", f"invoice:{invoice.id}", event)


async def record_payment(
    session: AsyncSession,
    *,
    invoice_id: int,
    amount: object,
    paid_on: object,
    by: User,
    note: str = "",
    request_key: object = None,
) -> Invoice:
    """Record money received; more than is still owed is refused as a likely typo.

    ``request_key`` is the form's (or API request's) own key: the same form sent twice (a
    double click, a resent request) records one payment. The invoice's row is locked first,
    so a second sending waits for the first and then finds its payment; the unique key
    ``uq_invoice_payments_request_key`` holds it whatever the path."""
    invoice = await _editable(session, invoice_id, by)
    key = clean_request_key(request_key)
    if key and any(p.request_key == key for p in invoice.payments):
        return await get_invoice(session, invoice.id, actor=by)  # recorded by the first sending
    value, day = validate_payment(amount, paid_on)
    if value > invoice.outstanding:
        raise InvoiceInvalid(
            N_("Please correct the marked fields"),
            fields={"amount": N_("More than is still owed on this invoice")},
        )
    if day < invoice.issued_on:
        raise InvoiceInvalid(
            N_("Please correct the marked fields"),
            fields={"paid_on": N_("Paid before the invoice was issued?")},
        )
    note = " ".join(note.split())[:300]
    payment = InvoicePayment(
        amount=value, paid_on=day, note=note, recorded_by_id=by.id, request_key=key
    )
    invoice.payments.append(payment)
    await _settle(session, invoice)
    if invoice.order_id is not None:  # the payment that pays the order accrues commissions
        await accrue_for_payment(
            session,
            order_id=invoice.order_id,
            payment_id=payment.id,
            paid_on=day,
            vat_mode=invoice.vat_mode,
        )
    await _audit(session, by, invoice, "payment", {"amount": value, "paid_on": day})
    return await get_invoice(session, invoice.id, actor=by)


async def remove_payment(
    session: AsyncSession, *, invoice_id: int, payment_id: int, by: User
) -> Invoice:
    """Take back a payment recorded by mistake."""
    invoice = await _editable(session, invoice_id, by)
    payment = next((p for p in invoice.payments if p.id == payment_id), None)
    if payment is None:
        raise NotFound(N_("No such payment"))
    invoice.payments.remove(payment)
    await _settle(session, invoice)
    if invoice.order_id is not None:  # money taken back: the order's commissions reverse
        await reverse_unless_paid(session, order_id=invoice.order_id, on=local_today(by))
    await _audit(
        session,
        by,
        invoice,
        "payment_removed",
        {"amount": payment.amount, "paid_on": payment.paid_on},
    )
    return await get_invoice(session, invoice.id, actor=by)


async def cancel_invoice(
    session: AsyncSession, *, invoice_id: int, by: User, reason: str = ""
) -> Invoice:
    """Cancel an unpaid invoice; its number stays taken so the year's numbering has no reuse."""
    invoice = await _editable(session, invoice_id, by)
    if invoice.payments:
        raise InvoiceConflict(N_("Payments are recorded on this invoice: remove them first"))
    invoice.cancelled = True
    invoice.cancel_reason = " ".join(reason.split())[:300]
    invoice.cancelled_by_id = by.id
    invoice.cancelled_at = utcnow()
    await session.flush()
    await _audit(session, by, invoice, "cancelled", {"reason": invoice.cancel_reason or "—"})
    return await get_invoice(session, invoice.id, actor=by)
