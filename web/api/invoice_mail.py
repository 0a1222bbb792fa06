"""JSON API for e-mailing invoices: ``/api/v1/invoices/{id}/email`` queues the letter with the
PDF attached; ``/api/v1/invoices/{id}/emails`` lists the invoice's e-mails and their state."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.invoices.mailing import (
    InvoiceLetter,
    client_addresses,
    default_letter,
    email_invoice,
)
from callcenter.invoices.service import get_invoice
from callcenter.mail.models import OutboxMessage
from callcenter.mail.service import messages_about
from callcenter.users.roles import Permission
from web.apidoc.describe import COUNT, ID, MOMENT, TEXT, Schema, described, items, nullable, obj
from web.auth import current_user, requires
from web.keys import SESSIONMAKER
from web.values import read_money_json

LETTER_BODY = obj(to=TEXT, subject=TEXT, body=TEXT)
MESSAGE: Schema = obj(
    ("id", "to", "subject", "state"),
    id=ID,
    to=TEXT,
    subject=TEXT,
    state={"enum": ["queued", "sent", "failed"]},
    attempts=COUNT,
    last_error=nullable(TEXT),
    created_at=nullable(MOMENT),
    sent_at=nullable(MOMENT),
)


def message_json(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "to": message.to_address,
        "subject": message.subject,
        "state": message.state,  # queued, sent or failed
        "attempts": message.attempts,
        "last_error": message.last_error or None,
        "created_at": message.created_at.isoformat() if message.created_at else None,
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
    }


@requires(Permission.INVOICES_VIEW)
@described(response=items(MESSAGE))
async def list_emails(request: web.Request) -> web.Response:
    invoice_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER]() as session:
        await get_invoice(session, invoice_id, actor=current_user(request))  # may they see it
        messages = await messages_about(session, "invoice", invoice_id)
    return web.json_response({"items": [message_json(m) for m in messages]})


@requires(Permission.INVOICES_EDIT)
@described(ok=201, body=LETTER_BODY, body_required=False, response=MESSAGE)
async def send_email(request: web.Request) -> web.Response:
    """``{"to", "subject", "body"}``, each optional: the client's first address and the
    Russian letter the page proposes."""
    body = await read_money_json(request)
    if any(not isinstance(body.get(k, ""), str) for k in ("to", "subject", "body")):
        raise BadRequest(N_("to, subject and body are strings"))
    actor = current_user(request)
    invoice_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        invoice = await get_invoice(session, invoice_id, actor=actor)
        proposed = default_letter(
            invoice, await client_addresses(session, invoice.client_id), actor.display_name
        )
        letter = InvoiceLetter(
            to=body.get("to") or proposed.to,
            subject=body.get("subject") or proposed.subject,
            body=body.get("body") or proposed.body,
        )
        message = await email_invoice(session, invoice_id=invoice_id, letter=letter, by=actor)
        await session.refresh(message)  # its created_at comes from the database
    return web.json_response(message_json(message), status=201)
