"""A client's mailings, for the client card: every letter they got (or are about to) with
what became of it, and which of their addresses get no more mailings and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.i18n import N_
from callcenter.mailings.models import Mailing, MailingRecipient, Suppression

MESSAGE_LABELS = {
    "waiting": N_("waiting"),
    "sent": N_("sent"),
    "opened": N_("opened"),
    "clicked": N_("clicked"),
    "bounced": N_("bounced"),
    "failed": N_("not sent"),
    "unsubscribed": N_("unsubscribed"),
}
SUPPRESSION_LABELS = {
    "unsubscribed": N_("unsubscribed from mailings"),
    "bounced": N_("bounced: mailings do not go here"),
}


@dataclass(frozen=True)
class ClientMessage:
    mailing_id: int
    mailing_name: str
    address: str
    state: str  # a key of MESSAGE_LABELS: what became of the letter last
    sent_at: datetime | None
    opened_at: datetime | None
    clicked_at: datetime | None
    unsubscribed_at: datetime | None


def letter_state(row: MailingRecipient) -> str:
    """The furthest the letter got: unsubscribing beats clicking beats opening."""
    if row.unsubscribed_at is not None:
        return "unsubscribed"
    if row.state in ("bounced", "failed"):
        return row.state
    if row.first_clicked_at is not None:
        return "clicked"
    if row.first_opened_at is not None:
        return "opened"
    return "sent" if row.state == "sent" else "waiting"


async def client_messages(
    session: AsyncSession, client_id: int, *, limit: int = 50
) -> list[ClientMessage]:
    """The client's letters, newest first (those left out of a mailing were never sent)."""
    rows = await session.execute(
        select(MailingRecipient, Mailing.name)
        .join(Mailing, Mailing.id == MailingRecipient.mailing_id)
        .where(MailingRecipient.client_id == client_id, MailingRecipient.state != "skipped")
        .order_by(MailingRecipient.id.desc())
        .limit(limit)
    )
    return [
        ClientMessage(
            row.mailing_id,
            name,
            row.address,
            letter_state(row),
            row.sent_at,
            row.first_opened_at,
            row.first_clicked_at,
            row.unsubscribed_at,
        )  # fmt: skip
        for row, name in rows
    ]


async def suppressed_addresses(
    session: AsyncSession, addresses: Iterable[str]
) -> dict[str, list[str]]:
    """Each given address (lower case) that gets no more mailings, with its reasons."""
    wanted = {a.strip().lower() for a in addresses if a.strip()}
    if not wanted:
        return {}
    found: dict[str, list[str]] = {}
    rows = await session.execute(
        select(Suppression.address, Suppression.reason)
        .where(Suppression.address.in_(wanted))
        .order_by(Suppression.address, Suppression.reason)
    )
    for address, reason in rows:
        found.setdefault(address, []).append(reason)
    return found
