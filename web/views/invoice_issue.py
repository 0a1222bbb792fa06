"""Issuing an invoice from a client's card, its lines typed by hand, or from an order, its
lines taken from the order (and still editable before issuing)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.clients.service import get_client
from callcenter.company.service import get_company
from callcenter.errors import DomainError
from callcenter.i18n import N_
from callcenter.invoices.figures import VAT_RATES, general_vat_rate
from callcenter.invoices.for_orders import invoice_lines_of, order_to_bill
from callcenter.invoices.input import (
    InvoiceInvalid,
    LineInput,
    Terms,
    parse_date,
    preview_lines,
)
from callcenter.invoices.service import issue_invoice
from callcenter.invoices.terms import VAT_MODE_LABELS
from callcenter.orders.search import find_order_id
from callcenter.products.units import DEFAULT_UNIT, DOCUMENT_UNITS
from callcenter.users.roles import Permission
from web import i18n
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.values import int_field

LINE_FIELDS = ("name", "quantity", "unit_code", "price", "discount", "vat_rate")
BLANK_LINES = 3
# the VAT rows as the invoice page names them
VAT_INCLUDED, VAT_ON_TOP = N_("including VAT (%(rate)s%%)"), N_("VAT (%(rate)s%%)")
NO_VAT_ROW = N_("No VAT")


@dataclass
class IssueForm:
    """The issue form as typed, so a refused form comes back with everything in it."""

    issued_on: str = ""
    due_on: str = ""
    vat_mode: str = ""
    vat_exempt_reason: str = ""
    basis: str = ""
    order: str = ""  # the order's number, «2026-00042», as people know it
    lines: list[LineInput] = field(default_factory=list)
    # the form's own key: sent twice (a double click, a retry) it issues one invoice
    request_key: str = field(default_factory=lambda: uuid.uuid4().hex)


def form_from_post(form: Any) -> IssueForm:
    columns = {name: [str(v) for v in form.getall(f"line_{name}", [])] for name in LINE_FIELDS}
    count = max((len(values) for values in columns.values()), default=0)
    lines = [
        LineInput(
            **{name: values[i] if i < len(values) else "" for name, values in columns.items()}
        )
        for i in range(count)
    ]
    texts = (
        "issued_on",
        "due_on",
        "vat_mode",
        "vat_exempt_reason",
        "basis",
        "order",
        "request_key",
    )
    return IssueForm(**{name: str(form.get(name, "")) for name in texts}, lines=lines)


def _blank_line(rate: int) -> LineInput:
    return LineInput(quantity="1", unit_code=DEFAULT_UNIT, price="", vat_rate=str(rate))


async def _render(
    request: web.Request,
    form: IssueForm,
    *,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> web.StreamResponse:
    actor = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        client = await get_client(session, int(request.match_info["id"]), actor=actor)
        company = await get_company(session)
    try:
        rate = general_vat_rate(parse_date(form.issued_on, "issued_on") or i18n.today())
    except InvoiceInvalid:
        rate = general_vat_rate(i18n.today())
    while len(form.lines) < BLANK_LINES or not any(line.is_blank() for line in form.lines):
        form.lines.append(_blank_line(rate))
    context = {
        "client": client,
        "company": company,
        "form": form,
        "errors": errors or {},
        "message": message,
        "units": DOCUMENT_UNITS,
        "rates": VAT_RATES,
        "default_rate": rate,
        "vat_modes": VAT_MODE_LABELS,
    }
    return aiohttp_jinja2.render_template("invoices/form.html", request, context, status=status)


@requires(Permission.INVOICES_EDIT)
async def new_page(request: web.Request) -> web.StreamResponse:
    """A blank invoice, or with ``?order=<id>`` one filled in from that order."""
    order_id = int_field(request.query, "order")
    async with request.app[SESSIONMAKER]() as session:
        company = await get_company(session)
        form = IssueForm(
            issued_on=i18n.today().isoformat(),
            vat_mode=company.vat_mode if company else "included",
            vat_exempt_reason=company.vat_exempt_reason if company else "",
        )
        if order_id is not None:
            try:
                order = await order_to_bill(
                    session,
                    order_id,
                    client_id=int(request.match_info["id"]),
                    actor=current_user(request),
                )
            except InvoiceInvalid as exc:
                return await _render(request, form, errors=exc.fields, message=exc.message)
            form.order, form.lines = order.number, invoice_lines_of(order)
    return await _render(request, form)


async def _issue(request: web.Request, form: IssueForm) -> int:
    errors: dict[str, str] = {}
    dates = {}
    for name in ("issued_on", "due_on"):
        try:
            dates[name] = parse_date(getattr(form, name), name)
        except InvoiceInvalid as exc:
            errors.update(exc.fields)
    async with request.app[SESSIONMAKER].begin() as session:
        order_id = await find_order_id(session, form.order)
        if form.order.strip() and order_id is None:
            errors["order_id"] = N_("No order has this number")
        if errors:
            raise InvoiceInvalid(N_("Please correct the marked fields"), fields=errors)
        invoice = await issue_invoice(
            session,
            client_id=int(request.match_info["id"]),
            lines=form.lines,
            by=current_user(request),
            order_id=order_id,
            vat_mode=form.vat_mode or None,
            vat_exempt_reason=form.vat_exempt_reason,
            issued_on=dates["issued_on"] or i18n.today(),
            due_on=dates["due_on"],
            basis=form.basis,
            currency=request.app[SETTINGS].currency,
            request_key=form.request_key,
        )
    return invoice.id


@requires(Permission.INVOICES_EDIT)
async def issue(request: web.Request) -> web.StreamResponse:
    form = form_from_post(await request.post())
    try:
        invoice_id = await _issue(request, form)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return await _render(
            request, form, errors=exc.fields, message=exc.message, status=exc.status
        )
    raise web.HTTPFound(f"/invoices/{invoice_id}")


@requires(Permission.INVOICES_EDIT)
async def preview(request: web.Request) -> web.StreamResponse:
    """The form's line amounts, VAT and total as issuing it would make them (the same
    functions), in the reader's number format; what cannot be read yet is left out."""
    form = form_from_post(await request.post())
    async with request.app[SESSIONMAKER]() as session:
        await get_client(session, int(request.match_info["id"]), actor=current_user(request))
        company = await get_company(session)
    try:
        issued_on = parse_date(form.issued_on, "issued_on") or i18n.today()
    except InvoiceInvalid:
        issued_on = i18n.today()
    mode = form.vat_mode or (company.vat_mode if company else "included")
    shown = preview_lines(form.lines, Terms(mode, form.vat_exempt_reason, issued_on))
    currency = request.app[SETTINGS].currency
    figures = shown.figures
    row_label = VAT_INCLUDED if mode == "included" else VAT_ON_TOP
    vat = [
        {
            "label": i18n.gettext(row_label) % {"rate": row.rate},
            "amount": i18n.money_text(row.vat, currency),
        }
        for row in figures.vat_rows
    ]
    answer = {
        "lines": [None if a is None else i18n.money_text(a, currency) for a in shown.amounts],
        "subtotal": i18n.money_text(figures.lines_total, currency),
        "vat": vat or [{"label": i18n.gettext(NO_VAT_ROW), "amount": "—"}],
        "total": i18n.money_text(figures.total, currency),
    }
    return web.json_response(answer, headers={"Cache-Control": "no-store"})
