"""E-mailing an invoice to its client: an outbox message with the invoice's PDF attached.

The letter goes to one of the client's own addresses (the first unless another is chosen);
its subject and text start in Russian, as the invoice itself is, and the sender may edit them.
The message is queued in the caller's transaction and shows on the invoice's page with its
state (waiting, sent, not sent).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.clients.models import ClientEmail
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.invoices.exceptions import InvoiceConflict, InvoiceInvalid
from callcenter.invoices.models import Invoice
from callcenter.invoices.pdf import invoice_filename, invoice_pdf
from callcenter.invoices.service import get_invoice
from callcenter.invoices.words import currency_short, format_amount, russian_date
from callcenter.mail.models import OutboxMessage
from callcenter.mail.service import Attachment, queue_message
from callcenter.users.models import User
from callcenter.users.roles import Permission

MAX_BODY = 20_000


@dataclass
class InvoiceLetter:
    """The letter as the sender leaves it: the address, the subject and the text."""

    to: str = ""
    subject: str = ""
    body: str = ""


async def client_addresses(session: AsyncSession, client_id: int) -> list[str]:
    """The client's e-mail addresses, the main one first."""
    rows = await session.scalars(
        select(ClientEmail.email)
        .where(ClientEmail.client_id == client_id)
        .order_by(ClientEmail.position, ClientEmail.id)
    )
    return list(rows)


def default_letter(invoice: Invoice, addresses: list[str], manager: str = "") -> InvoiceLetter:
    """What the form proposes: to the first address, in Russian."""
    seller = invoice.seller.get("short_name") or invoice.seller.get("name") or ""
    title = f"Счёт на оплату № {invoice.number} от {russian_date(invoice.issued_on)}"
    amount = f"{format_amount(invoice.total)} {currency_short(invoice.currency)}"
    sent = f"Направляем {title[:1].lower()}{title[1:]} на сумму {amount}".removesuffix(".")
    lines = [f"Здравствуйте, {invoice.client.name}!", "", f"{sent}. Счёт — во вложении."]
    if invoice.due_on:
        lines.append(f"Просим оплатить его до {russian_date(invoice.due_on)}.")
    lines += ["", "С уважением,", *(name for name in (manager, seller) if name)]
    subject = f"{title} — {seller}" if seller else title
    return InvoiceLetter(
        to=addresses[0] if addresses else "", subject=subject, body="\n".join(lines)
    )


def _check(letter: InvoiceLetter, addresses: list[str]) -> InvoiceLetter:
    errors: dict[str, str] = {}
    clean = InvoiceLetter(
        to=letter.to.strip(), subject=" ".join(letter.subject.split()), body=letter.body.strip()
    )
    if not addresses:
        errors["to"] = N_("The client has no e-mail address: add one on the client's card")
    elif clean.to not in addresses:
        errors["to"] = N_("Choose one of the client's addresses")
    if not clean.subject:
        errors["subject"] = N_("Give the letter a subject")
    elif len(clean.subject) > 300:
        errors["subject"] = N_("Too long")
    if not clean.body:
        errors["body"] = N_("Write a few words to go with the invoice")
    elif len(clean.body) > MAX_BODY:
        errors["body"] = N_("Too long")
    if errors:
        raise InvoiceInvalid(N_("Please correct the marked fields"), fields=errors)
    return clean


async def email_invoice(
    session: AsyncSession, *, invoice_id: int, letter: InvoiceLetter, by: User
) -> OutboxMessage:
    """Queue the letter with the invoice's PDF; a cancelled invoice is not sent."""
    if not by.can(Permission.INVOICES_EDIT):
        raise Forbidden(N_("You may not send invoices"))
    invoice = await get_invoice(session, invoice_id, actor=by)
    if invoice.cancelled:
        raise InvoiceConflict(N_("This invoice was cancelled"))
    clean = _check(letter, await client_addresses(session, invoice.client_id))
    pdf = await asyncio.to_thread(invoice_pdf, invoice)  # ~80 ms of drawing: off the loop
    message = await queue_message(
        session,
        to=clean.to,
        subject=clean.subject,
        body=clean.body,
        entity="invoice",
        entity_id=invoice.id,
        attachments=[Attachment(invoice_filename(invoice), pdf, "application/pdf")],
    )
    await record_change(
        session,
        actor=by,
        entity="invoice",
        entity_id=invoice.id,
        action="emailed",
        changes={"to": [None, clean.to]},
    )
    return message
