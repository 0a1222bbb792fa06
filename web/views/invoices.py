"""Invoice pages: the list with its filters, one invoice with payments and cancel, the PDF."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import list_history
from callcenter.errors import DomainError
from callcenter.invoices.figures import invoice_figures
from callcenter.invoices.lists import list_invoices
from callcenter.invoices.models import Invoice
from callcenter.invoices.parties import party_line
from callcenter.invoices.pdf import invoice_filename, invoice_pdf
from callcenter.invoices.service import cancel_invoice, get_invoice, record_payment, remove_payment
from callcenter.invoices.terms import HISTORY_LABELS, STATUS_LABELS, VAT_MODE_LABELS
from callcenter.invoices.words import amount_in_words
from callcenter.mail.service import messages_about
from callcenter.users.roles import Permission
from web import i18n
from web.auth import current_user, requires
from web.keys import SESSIONMAKER
from web.queries import invoice_query


@requires(Permission.INVOICES_VIEW)
@aiohttp_jinja2.template("invoices/list.html")
async def invoice_list(request: web.Request) -> dict[str, Any]:
    query = invoice_query(request)
    async with request.app[SESSIONMAKER]() as session:
        page = await list_invoices(session, query, actor=current_user(request))
    args = {k: v for k, v in request.query.items() if k != "page" and v}
    this_year = i18n.today().year
    return {
        "page": page,
        "query": query,
        "args": args,
        "statuses": STATUS_LABELS,
        "years": list(range(this_year + 1, this_year - 6, -1)),
    }


async def _page_context(session: AsyncSession, invoice: Invoice) -> dict[str, Any]:
    figures = invoice_figures([(li.amount, li.vat_rate) for li in invoice.lines], invoice.vat_mode)
    return {
        "invoice": invoice,
        "status": invoice.status,
        "statuses": STATUS_LABELS,
        "vat_modes": VAT_MODE_LABELS,
        "labels": HISTORY_LABELS,
        "figures": figures,
        "words": amount_in_words(invoice.total, invoice.currency),
        "seller_line": party_line(invoice.seller),
        "buyer_line": party_line(invoice.buyer),
        "history": await list_history(session, entity="invoice", entity_ids=[invoice.id]),
        "messages": await messages_about(session, "invoice", invoice.id),
        "order": invoice.order,
        "payment": {
            "amount": invoice.outstanding,
            "paid_on": i18n.today().isoformat(),
            "note": "",
            "request_key": uuid.uuid4().hex,  # the form sent twice records one payment
        },
        "errors": {},
        "message": "",
    }


@requires(Permission.INVOICES_VIEW)
async def invoice_page(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        invoice = await get_invoice(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
        context = await _page_context(session, invoice)
    return aiohttp_jinja2.render_template("invoices/view.html", request, context)


@requires(Permission.INVOICES_VIEW)
async def invoice_pdf_download(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        invoice = await get_invoice(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
    disposition = "attachment" if request.query.get("download") == "1" else "inline"
    return web.Response(
        body=await asyncio.to_thread(invoice_pdf, invoice),  # ~80 ms of drawing: off the loop
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'{disposition}; filename="{invoice_filename(invoice)}"',
            "Cache-Control": "private, no-store",
        },
    )


async def _render_failure(
    request: web.Request, invoice_id: int, exc: DomainError, typed: dict[str, Any] | None
) -> web.StreamResponse:
    """The invoice page again, with the error by its field and what was typed kept."""
    async with request.app[SESSIONMAKER]() as session:
        invoice = await get_invoice(session, invoice_id, actor=current_user(request))
        context = await _page_context(session, invoice)
    context.update(errors=exc.fields, message=exc.message)
    if typed is not None:
        context["payment"] = typed
    return aiohttp_jinja2.render_template("invoices/view.html", request, context, status=exc.status)


@requires(Permission.INVOICES_EDIT)
async def payment_add(request: web.Request) -> web.StreamResponse:
    invoice_id = int(request.match_info["id"])
    form = await request.post()
    typed = {name: str(form.get(name, "")) for name in ("amount", "paid_on", "note", "request_key")}
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await record_payment(session, invoice_id=invoice_id, by=current_user(request), **typed)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return await _render_failure(request, invoice_id, exc, typed)
    raise web.HTTPFound(f"/invoices/{invoice_id}")


@requires(Permission.INVOICES_EDIT)
async def payment_remove(request: web.Request) -> web.StreamResponse:
    invoice_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        await remove_payment(
            session,
            invoice_id=invoice_id,
            payment_id=int(request.match_info["payment"]),
            by=current_user(request),
        )
    raise web.HTTPFound(f"/invoices/{invoice_id}")


@requires(Permission.INVOICES_EDIT)
async def cancel(request: web.Request) -> web.StreamResponse:
    invoice_id = int(request.match_info["id"])
    form = await request.post()
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await cancel_invoice(
                session,
                invoice_id=invoice_id,
                by=current_user(request),
                reason=str(form.get("reason", "")),
            )
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return await _render_failure(request, invoice_id, exc, None)
    raise web.HTTPFound(f"/invoices/{invoice_id}")
