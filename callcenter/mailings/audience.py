"""Who a mailing reaches, and who is left out and why, in one SQL statement over the clients.

The audience is the client list under the mailing's filters (a saved segment, a channel, a
tag, a kind, a search), held to what the mailing's author may see: a manager kept to their
own clients mails only those. Each client is written to at their first valid e-mail address
(the first one when none is valid). A client is left out, in this order of reasons, with:
no address; an invalid address; an address unsubscribed; an address that bounced before; for
an advertising mailing, no e-mail consent recorded for that very address (38-FZ art. 18:
a consent to calls or texts is no consent to e-mail); an address an earlier client
of the audience already has (each address is written to once).

An SMS mailing texts each client's first mobile number (phonenumbers judges which of the
audience's numbers are mobile, in one pass before the statement, and hands them to it as an
array). Left out: no number; no mobile number; a number unsubscribed (by a link or STOP); for
advertising, no SMS consent recorded for that very number (a consent to calls is none to
texts); a number an earlier client has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    String,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client, ClientEmail, ClientPhone
from callcenter.clients.search import ClientQuery
from callcenter.clients.search import _conditions as client_conditions
from callcenter.db import utcnow
from callcenter.dialer.models import Consent
from callcenter.dialer.windows import contact_zones
from callcenter.i18n import N_
from callcenter.imports.client_writer import driver_connection
from callcenter.mailings.models import Mailing, Suppression
from callcenter.mailings.sources import ADDRESS_PATTERN, source_conditions
from callcenter.sms.numbers import is_mobile
from callcenter.users.models import User

REASONS: dict[str, str] = {
    "no_address": N_("no e-mail address"),
    "invalid_address": N_("invalid address"),
    "unsubscribed": N_("unsubscribed"),
    "bounced": N_("bounced before"),
    "no_consent": N_("no consent to advertising"),
    "duplicate": N_("duplicate address"),
    "no_number": N_("no number"),
    "not_mobile": N_("not a mobile number"),
    "cancelled": N_("the mailing was cancelled"),
}
AUDIENCE_KEYS = ("segment_id", "channel_id", "tag_id", "kind", "q")
RECIPIENT_CHUNK = 5_000  # recipients read and written at a time when a mailing is scheduled
RECIPIENT_COLUMNS = (
    "mailing_id", "client_id", "name", "address", "zones", "state", "reason", "attempts",
    "next_try_at", "provider", "message_id",
)  # fmt: skip


@dataclass
class AudienceCount:
    """How many clients the audience holds, how many get the mailing, the rest by reason."""

    total: int = 0
    reached: int = 0
    left_out: dict[str, int] = field(default_factory=dict)


def client_query(audience: dict[str, Any]) -> ClientQuery:
    """The stored audience as the client list's filters (unknown keys ignored)."""

    def number(name: str) -> int | None:
        value = audience.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    kind = audience.get("kind")
    return ClientQuery(
        q=str(audience.get("q") or "")[:200],
        segment_id=number("segment_id"),
        channel_id=number("channel_id"),
        tag_id=number("tag_id"),
        kind=kind if kind in ("person", "company") else "",
    )


def _valid(address: Any) -> ColumnElement[bool]:
    return and_(address.op("~")(ADDRESS_PATTERN), func.length(address) <= 254)


def _judged(mailing: Mailing, author: User, region: str, mobiles: list[str]) -> Any:
    """(client_id, name, address, reason): reason NULL for those who get the mailing."""
    if mailing.channel == "sms":
        return _ranked(_judged_numbers(mailing, author, region, mobiles))
    return _ranked(_judged_emails(mailing, author, region))


def _audience(mailing: Mailing, author: User, region: str, address: Any) -> Any:
    conds = client_conditions(client_query(mailing.audience or {}), author, region)
    conds = [*conds, *source_conditions(mailing)]  # an earlier mailing's, or a file's
    # materialized: each client's first address is looked up once, not once for every
    # reason the CASE below tests it against (inlined, that was ten lookups a client)
    return (
        select(Client.id.label("client_id"), Client.name, address.label("address"))
        .where(*conds)
        .cte("audience")
        .prefix_with("MATERIALIZED")
    )


def _suppressed(address: Any, reason: str) -> Any:
    return exists().where(Suppression.address == address, Suppression.reason == reason)


def _judged_numbers(mailing: Mailing, author: User, region: str, mobiles: list[str]) -> Any:
    textable = bindparam("mobiles", mobiles, type_=ARRAY(String))
    first_number = (
        select(ClientPhone.e164)
        .where(ClientPhone.client_id == Client.id, ClientPhone.e164 != "")
        .order_by((ClientPhone.e164 == any_(textable)).desc(), ClientPhone.position, ClientPhone.id)
        .limit(1)
        .scalar_subquery()
    )
    audience = _audience(mailing, author, region, first_number)
    address = audience.c.address
    consent = exists().where(
        Consent.withdrawn_at.is_(None), Consent.channel == "sms", Consent.e164 == address
    )
    reason = case(
        (address.is_(None), literal("no_number")),
        (~(address == any_(textable)), literal("not_mobile")),
        (_suppressed(address, "unsubscribed"), literal("unsubscribed")),
        (and_(literal(mailing.kind == "advertising"), ~consent), literal("no_consent")),
        else_=null(),
    ).label("reason")
    return select(audience.c.client_id, audience.c.name, address, reason).cte("judged")


def _judged_emails(mailing: Mailing, author: User, region: str) -> Any:
    email = func.lower(func.btrim(ClientEmail.email))
    first_address = (
        select(email)
        .where(ClientEmail.client_id == Client.id, func.btrim(ClientEmail.email) != "")
        .order_by(_valid(email).desc(), ClientEmail.position, ClientEmail.id)
        .limit(1)
        .scalar_subquery()
    )
    audience = _audience(mailing, author, region, first_address)
    address = audience.c.address
    consent = exists().where(
        Consent.withdrawn_at.is_(None), Consent.channel == "email", Consent.email == address
    )
    reason = case(
        (address.is_(None), literal("no_address")),
        (~_valid(address), literal("invalid_address")),
        (_suppressed(address, "unsubscribed"), literal("unsubscribed")),
        (_suppressed(address, "bounced"), literal("bounced")),
        (and_(literal(mailing.kind == "advertising"), ~consent), literal("no_consent")),
        else_=null(),
    ).label("reason")
    return select(audience.c.client_id, audience.c.name, address, reason).cte("judged")


def _ranked(judged: Any) -> Any:
    """Each address written to once: the earliest client keeps it, the rest are duplicates."""
    earlier = func.row_number().over(
        partition_by=(judged.c.address, judged.c.reason.is_(None)), order_by=judged.c.client_id
    )
    final = case(
        (and_(judged.c.reason.is_(None), earlier > 1), literal("duplicate")),
        else_=judged.c.reason,
    )
    return select(
        judged.c.client_id, judged.c.name, judged.c.address, final.label("reason")
    ).subquery("ranked")


async def _mobiles(session: AsyncSession, mailing: Mailing, author: User, region: str) -> list[str]:
    """The audience's numbers that can get a text (none for an e-mail mailing)."""
    if mailing.channel != "sms":
        return []
    conds = client_conditions(client_query(mailing.audience or {}), author, region)
    numbers = await session.scalars(
        select(ClientPhone.e164)
        .distinct()
        .join(Client, Client.id == ClientPhone.client_id)
        .where(*conds, ClientPhone.e164 != "")
    )
    return [number for number in numbers if is_mobile(number)]


async def _judge(session: AsyncSession, mailing: Mailing, author: User, region: str) -> Any:
    return _judged(mailing, author, region, await _mobiles(session, mailing, author, region))


async def count_audience(
    session: AsyncSession, mailing: Mailing, *, author: User, region: str
) -> AudienceCount:
    ranked = await _judge(session, mailing, author, region)
    rows = await session.execute(select(ranked.c.reason, func.count()).group_by(ranked.c.reason))
    found = AudienceCount()
    for reason, count in rows:
        found.total += count
        if reason is None:
            found.reached = count
        else:
            found.left_out[reason] = count
    return found


async def sample_clients(
    session: AsyncSession, mailing: Mailing, *, author: User, region: str, limit: int = 20
) -> list[tuple[int, str, str]]:
    """A few of those the mailing reaches (id, name, address): whom to preview it for."""
    ranked = await _judge(session, mailing, author, region)
    rows = await session.execute(
        select(ranked.c.client_id, ranked.c.name, ranked.c.address)
        .where(ranked.c.reason.is_(None))
        .order_by(ranked.c.client_id)
        .limit(limit)
    )
    return [(i, n, a) for i, n, a in rows]


async def write_recipients(
    session: AsyncSession,
    mailing: Mailing,
    *,
    author: User,
    region: str,
    default_zone: str,
    due_at: datetime,
) -> int:
    """The audience as recipient rows (those left out as ``skipped`` with the reason), each
    one sendable from ``due_at`` with its time zones; returns how many will be sent to. Run
    once, when scheduled.

    The audience is read once, as a stream, and each chunk written whole: its zones are
    found here (as the dialer finds a contact's, which takes Python), so every row is
    written once, by COPY. Rows inserted bare and then updated with their zones and their
    time were written three times over (12.7 s for 94,000 recipients)."""
    ranked = await _judge(session, mailing, author, region)
    first_phone = (
        select(ClientPhone.e164)
        .where(ClientPhone.client_id == ranked.c.client_id)
        .order_by(ClientPhone.position, ClientPhone.id)
        .limit(1)
        .scalar_subquery()
    )
    audience = await session.stream(
        select(
            ranked.c.client_id,
            ranked.c.name,
            ranked.c.address,
            ranked.c.reason,
            Client.postal_address,
            Client.legal_address,
            case((ranked.c.reason.is_(None), first_phone), else_=null()),
        )
        .join(Client, Client.id == ranked.c.client_id)
        .order_by(ranked.c.client_id)
        .execution_options(yield_per=RECIPIENT_CHUNK)
    )
    reached = 0
    driver = await driver_connection(session)  # COPY, in the session's transaction
    skipped_at = utcnow()
    async for chunk in audience.partitions():
        rows = []
        for client_id, name, address, reason, postal, legal, e164 in chunk:
            if reason is None:
                reached += 1
                found, _source = contact_zones(f"{postal} {legal}", e164 or "", default_zone)
                zones, state, due = ",".join(found)[:200], "queued", due_at
            else:
                zones, state, due = "", "skipped", skipped_at
            row = (mailing.id, client_id, (name or "")[:300], (address or "")[:254], zones)
            rows.append((*row, state, reason or "", 0, due, "", ""))
        await driver.copy_records_to_table(
            "mailing_recipients", records=rows, columns=RECIPIENT_COLUMNS
        )
    return reached
