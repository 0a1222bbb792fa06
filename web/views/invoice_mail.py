"""E-mailing an invoice to its client: the letter's form (from the invoice page or the client
card) and sending it, which queues it in the outbox with the PDF attached."""

from __future__ import annotations

import re

import aiohttp_jinja2
from aiohttp import web

from callcenter.errors import DomainError
from callcenter.invoices.mailing import (
    InvoiceLetter,
    client_addresses,
    default_letter,
    email_invoice,
)
from callcenter.invoices.pdf import invoice_filename
from callcenter.invoices.service import get_invoice
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.keys import SESSIONMAKER

BACK = re.compile(r"/(clients|invoices|orders)/\d+")  # where the form may send the user back


def back_to(value: object, invoice_id: int) -> str:
    text = str(value or "")
    return text if BACK.fullmatch(text) else f"/invoices/{invoice_id}"


async def _render(
    request: web.Request,
    letter: InvoiceLetter | None,
    *,
    back: str,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> web.StreamResponse:
    actor = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        invoice = await get_invoice(session, int(request.match_info["id"]), actor=actor)
        addresses = await client_addresses(session, invoice.client_id)
    context = {
        "invoice": invoice,
        "addresses": addresses,
        "filename": invoice_filename(invoice),
        "letter": letter or default_letter(invoice, addresses, actor.display_name),
        "back": back,
        "errors": errors or {},
        "message": message,
    }
    return aiohttp_jinja2.render_template("invoices/email.html", request, context, status=status)


@requires(Permission.INVOICES_EDIT)
async def email_page(request: web.Request) -> web.StreamResponse:
    invoice_id = int(request.match_info["id"])
    return await _render(request, None, back=back_to(request.query.get("next"), invoice_id))


@requires(Permission.INVOICES_EDIT)
async def email_send(request: web.Request) -> web.StreamResponse:
    invoice_id = int(request.match_info["id"])
    form = await request.post()
    letter = InvoiceLetter(
        to=str(form.get("to", "")),
        subject=str(form.get("subject", "")),
        body=str(form.get("body", "")),
    )
    back = back_to(form.get("next"), invoice_id)
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await email_invoice(
                session, invoice_id=invoice_id, letter=letter, by=current_user(request)
            )
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return await _render(
            request, letter, back=back, errors=exc.fields, message=exc.message, status=exc.status
        )
    raise web.HTTPFound(back)
