"""JSON API for invoices: ``/api/v1/invoices``. Money travels as strings ("12200.00")."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from aiohttp import web

from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.invoices.figures import invoice_figures
from callcenter.invoices.input import LineInput, parse_date
from callcenter.invoices.lists import list_invoices
from callcenter.invoices.models import Invoice
from callcenter.invoices.pdf import invoice_filename, invoice_pdf
from callcenter.invoices.service import cancel_invoice, get_invoice, issue_invoice, record_payment
from callcenter.invoices.words import amount_in_words
from callcenter.users.roles import Permission
from web import i18n
from web.api.lists import list_response
from web.apidoc.describe import (
    BOOL,
    DAY,
    ID,
    MOMENT,
    MONEY,
    MONEY_IN,
    PAGING,
    TEXT,
    Schema,
    array,
    described,
    listing,
    nullable,
    obj,
)
from web.apidoc.describe import (
    ref as link,
)
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.queries import invoice_query
from web.values import read_money_json, ref

LINE_KEYS = ("name", "quantity", "unit_code", "price", "discount", "vat_rate")


_DATE: Schema = nullable({**TEXT, "description": "YYYY-MM-DD or DD.MM.YYYY"})
LINE_IN = obj(
    ("name", "price"),
    name=TEXT,
    quantity=nullable(MONEY_IN),
    unit_code=nullable(TEXT),
    price=MONEY_IN,
    discount=nullable(MONEY_IN),
    vat_rate=nullable({"anyOf": [TEXT, {"type": "integer"}]}),
)  # ``LINE_KEYS``
INVOICE_BODY = obj(
    client_id=nullable(ID),
    order_id=nullable(ID),
    lines=nullable(array(LINE_IN)),
    vat_mode=nullable(TEXT),
    vat_exempt_reason=nullable(TEXT),
    issued_on=_DATE,
    due_on=_DATE,
    basis=nullable(TEXT),
)
PAYMENT_BODY = obj(("amount",), amount=MONEY_IN, paid_on=_DATE, note=nullable(TEXT), key=TEXT)
CANCEL_BODY = obj(reason=nullable(TEXT))
ROW: Schema = obj(
    ("id", "number", "year", "issued_on", "client", "total", "paid", "payment_status"),
    id=ID,
    number={"type": "integer"},
    year={"type": "integer"},
    issued_on=DAY,
    due_on=nullable(DAY),
    order_id=nullable(ID),
    order=link("number"),
    client=obj(("id", "name"), id=ID, name=TEXT),
    currency=TEXT,
    total=MONEY,
    paid=MONEY,
    payment_status=TEXT,
    status=TEXT,
)
INVOICE: Schema = obj(
    (*ROW["required"], "lines", "vat_rows", "outstanding", "payments", "pdf"),
    **ROW["properties"],
    seller=obj(),
    buyer=obj(),
    basis=TEXT,
    vat_mode=TEXT,
    vat_exempt_reason=nullable(TEXT),
    lines=array(
        obj(
            ("n", "name", "quantity", "price", "amount"),
            n={"type": "integer"},
            name=TEXT,
            quantity=MONEY,
            unit_code=TEXT,
            unit=TEXT,
            price=MONEY,
            discount=MONEY,
            amount=MONEY,
            vat_rate=nullable({"type": "integer"}),
        )
    ),
    vat_rows=array(obj(("rate", "base", "vat"), rate={"type": "integer"}, base=MONEY, vat=MONEY)),
    lines_total=MONEY,
    vat_total=MONEY,
    amount_in_words=TEXT,
    outstanding=MONEY,
    cancelled=BOOL,
    cancel_reason=nullable(TEXT),
    payments=array(obj(("id", "amount", "paid_on"), id=ID, amount=MONEY, paid_on=DAY, note=TEXT)),
    pdf=TEXT,
    created_at=MOMENT,
)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _order_json(invoice: Invoice) -> dict[str, Any] | None:
    return {"id": invoice.order.id, "number": invoice.order.number} if invoice.order else None


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    figures = invoice_figures([(li.amount, li.vat_rate) for li in invoice.lines], invoice.vat_mode)
    return {
        "id": invoice.id,
        "number": invoice.number,
        "year": invoice.year,
        "issued_on": invoice.issued_on.isoformat(),
        "due_on": invoice.due_on.isoformat() if invoice.due_on else None,
        "order_id": invoice.order_id,
        "order": _order_json(invoice),
        "client": {"id": invoice.client_id, "name": invoice.client.name},
        "seller": invoice.seller,
        "buyer": invoice.buyer,
        "basis": invoice.basis,
        "vat_mode": invoice.vat_mode,
        "vat_exempt_reason": invoice.vat_exempt_reason,
        "currency": invoice.currency,
        "lines": [
            {
                "n": li.n,
                "name": li.name,
                "quantity": f"{li.quantity.normalize():f}",
                "unit_code": li.unit_code,
                "unit": li.unit,
                "price": _money(li.price),
                "discount": f"{li.discount.normalize():f}",
                "amount": _money(li.amount),
                "vat_rate": li.vat_rate,
            }
            for li in invoice.lines
        ],
        "vat_rows": [
            {"rate": r.rate, "base": _money(r.base), "vat": _money(r.vat)} for r in figures.vat_rows
        ],
        "lines_total": _money(invoice.lines_total),
        "vat_total": _money(invoice.vat_total),
        "total": _money(invoice.total),
        "amount_in_words": amount_in_words(invoice.total, invoice.currency),
        "paid": _money(invoice.paid),
        "outstanding": _money(invoice.outstanding),
        "payment_status": invoice.payment_status,
        "status": invoice.status,
        "cancelled": invoice.cancelled,
        "cancel_reason": invoice.cancel_reason,
        "payments": [
            {
                "id": p.id,
                "amount": _money(p.amount),
                "paid_on": p.paid_on.isoformat(),
                "note": p.note,
            }
            for p in invoice.payments
        ],
        "pdf": f"/api/v1/invoices/{invoice.id}.pdf",
        "created_at": invoice.created_at.isoformat(),
    }


def _row_json(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.id,
        "number": invoice.number,
        "year": invoice.year,
        "issued_on": invoice.issued_on.isoformat(),
        "due_on": invoice.due_on.isoformat() if invoice.due_on else None,
        "order_id": invoice.order_id,
        "order": _order_json(invoice),
        "client": {"id": invoice.client_id, "name": invoice.client.name},
        "currency": invoice.currency,
        "total": _money(invoice.total),
        "paid": _money(invoice.paid),
        "payment_status": invoice.payment_status,
        "status": invoice.status,
    }


def _lines(value: Any) -> list[LineInput]:
    if not isinstance(value, list) or not all(isinstance(line, dict) for line in value):
        raise BadRequest(N_("lines must be a list of objects"))
    lines = []
    for line in value:
        fields = {key: line[key] for key in LINE_KEYS if line.get(key) is not None}
        if not isinstance(fields.get("name", ""), str) or not isinstance(
            fields.get("unit_code", ""), str
        ):
            raise BadRequest(N_("A line's name and unit_code are strings"))
        lines.append(LineInput(**fields))
    return lines


@requires(Permission.INVOICES_VIEW)
@described(
    response=obj(
        ("items", "total", "amount", "outstanding"),
        **listing(ROW)["properties"],
        amount=MONEY,
        outstanding=MONEY,
    ),
    query=PAGING,
)
async def list_invoices_api(request: web.Request) -> web.Response:
    query = invoice_query(request)
    async with request.app[SESSIONMAKER]() as session:
        page = await list_invoices(session, query, actor=current_user(request))
    return list_response(
        [_row_json(invoice) for invoice in page.items],
        page,
        amount=_money(page.amount),
        outstanding=_money(page.outstanding),
    )


@requires(Permission.INVOICES_VIEW)
@described(response=INVOICE)
async def get_invoice_api(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        invoice = await get_invoice(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
    return web.json_response(invoice_json(invoice))


@requires(Permission.INVOICES_VIEW)
@described(content=("application/pdf",))
async def invoice_pdf_api(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        invoice = await get_invoice(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
    return web.Response(
        body=await asyncio.to_thread(invoice_pdf, invoice),  # ~80 ms of drawing: off the loop
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{invoice_filename(invoice)}"'},
    )


@requires(Permission.INVOICES_EDIT)
@described(ok=201, body=INVOICE_BODY, response=INVOICE)
async def create_invoice_api(request: web.Request) -> web.Response:
    """With ``order_id`` and no ``lines``, the invoice takes the order's lines (and client)."""
    body = await read_money_json(request)
    client_id, order_id = (
        ref(body.get("client_id"), "client_id"),
        ref(body.get("order_id"), "order_id"),
    )
    if client_id is None and order_id is None:
        raise BadRequest(N_("client_id or order_id is required"))
    lines = None if body.get("lines") is None and order_id else _lines(body.get("lines"))
    reason = body.get("vat_exempt_reason")
    async with request.app[SESSIONMAKER].begin() as session:
        invoice = await issue_invoice(
            session,
            client_id=client_id,
            lines=lines,
            by=current_user(request),
            order_id=order_id,
            vat_mode=str(body.get("vat_mode") or "") or None,
            vat_exempt_reason=None if reason is None else str(reason),
            issued_on=parse_date(body.get("issued_on"), "issued_on") or i18n.today(),
            due_on=parse_date(body.get("due_on"), "due_on"),
            basis=str(body.get("basis") or ""),
            currency=request.app[SETTINGS].currency,
            request_key=request.headers.get("Idempotency-Key"),
        )
    return web.json_response(
        invoice_json(invoice), status=201, headers={"Location": f"/api/v1/invoices/{invoice.id}"}
    )


@requires(Permission.INVOICES_EDIT)
@described(ok=201, body=PAYMENT_BODY, response=INVOICE)
async def add_payment_api(request: web.Request) -> web.Response:
    body = await read_money_json(request)
    async with request.app[SESSIONMAKER].begin() as session:
        invoice = await record_payment(
            session,
            invoice_id=int(request.match_info["id"]),
            amount=body.get("amount"),
            paid_on=body.get("paid_on") or i18n.today(),
            note=str(body.get("note") or ""),
            by=current_user(request),
            request_key=request.headers.get("Idempotency-Key") or body.get("key"),
        )
    return web.json_response(invoice_json(invoice), status=201)


@requires(Permission.INVOICES_EDIT)
@described(body=CANCEL_BODY, body_required=False, response=INVOICE)
async def cancel_invoice_api(request: web.Request) -> web.Response:
    body = await read_money_json(request)
    async with request.app[SESSIONMAKER].begin() as session:
        invoice = await cancel_invoice(
            session,
            invoice_id=int(request.match_info["id"]),
            by=current_user(request),
            reason=str(body.get("reason") or ""),
        )
    return web.json_response(invoice_json(invoice))
