"""Where a mailing's audience comes from besides the client list's filters: the clients who
clicked, opened or did not open an earlier mailing, and an uploaded file of e-mails or phones.

Both narrow the client list's filters (which may be left empty). The earlier mailing must be
one the author may see. A file is read by the imports' bounded readers; each row's first
cell is an e-mail (it has an @) or a phone, matched to the author's clients. A row that is
neither, or that no client has, is reported with its line and reason, and then nothing is
changed: the file is taken whole or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client, ClientEmail, ClientPhone
from callcenter.clients.service import visible_to
from callcenter.errors import Conflict, Invalid
from callcenter.i18n import N_
from callcenter.imports.limits import UploadLimits
from callcenter.imports.reading import detect_shape, read_rows
from callcenter.mailings.models import AudienceMember, Mailing, MailingRecipient
from callcenter.phones import PhoneError, parse_phone
from callcenter.users.models import User

WHO = {
    "clicked": N_("those who clicked a link"),
    "opened": N_("those who opened it"),
    "not_opened": N_("those who did not open it"),
}
# what a deliverable address looks like: one @, no spaces, a dot in the domain, 254 at most
ADDRESS_PATTERN = r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+$"
ADDRESS = re.compile(ADDRESS_PATTERN)
CHUNK = 5_000
SHOWN_BAD = 200  # bad rows told one by one; the rest are counted


@dataclass(frozen=True)
class BadRow:
    line: int
    value: str
    reason: str  # msgid


@dataclass
class FileAudience:
    rows: int = 0
    clients: set[int] = field(default_factory=set)
    bad: list[BadRow] = field(default_factory=list)


class AudienceFileInvalid(Invalid):
    """Rows of the file are bad: each is listed; nothing was changed."""

    id = "audience_file_invalid"

    def __init__(self, bad: list[BadRow]) -> None:
        super().__init__(
            N_("%(count)s rows of the file are bad; nothing was changed"),
            params={"count": str(len(bad))},
        )
        self.bad = bad


def source_conditions(mailing: Mailing) -> list[ColumnElement[bool]]:
    """The conditions on clients the mailing's sources add to its filters."""
    audience = mailing.audience or {}
    conds: list[ColumnElement[bool]] = []
    earlier, who = audience.get("from_mailing_id"), audience.get("from_mailing_who")
    if isinstance(earlier, int) and who in WHO:
        row = MailingRecipient
        picked = select(row.client_id).where(row.mailing_id == earlier)
        if who == "clicked":
            picked = picked.where(row.first_clicked_at.is_not(None))
        elif who == "opened":
            picked = picked.where(row.first_opened_at.is_not(None))
        else:
            picked = picked.where(row.state == "sent", row.first_opened_at.is_(None))
        conds.append(Client.id.in_(picked.where(row.client_id.is_not(None))))
    if audience.get("file"):
        members = select(AudienceMember.client_id).where(AudienceMember.mailing_id == mailing.id)
        conds.append(Client.id.in_(members))
    return conds


async def check_sources(
    session: AsyncSession, audience: dict[str, Any], *, actor: User, mailing_id: int | None
) -> None:
    """The earlier mailing named exists, is not this one, and the author may see it."""
    earlier = audience.get("from_mailing_id")
    if earlier is None:
        return
    found = await session.get(Mailing, earlier)
    may_see = found is not None and (actor.sees_every_client or found.created_by_id == actor.id)
    if not may_see or earlier == mailing_id or (found is not None and found.state == "draft"):
        message = N_("Choose a mailing that was sent")
        raise Invalid(message, fields={"audience_from_mailing_id": message})


def read_values(content: bytes, limits: UploadLimits, file_name: str = "") -> list[tuple[int, str]]:
    """Each row's first cell with its line; a first row with no @ and no digit is a header.
    Blocking work, within ``limits``: for a reader process."""
    rows = [(line, (cells[0] if cells else "").strip()) for line, cells in
            read_rows(content, detect_shape(content, file_name), limits)]  # fmt: skip
    if rows and "@" not in rows[0][1] and not any(c.isdigit() for c in rows[0][1]):
        rows = rows[1:]
    return [(line, value) for line, value in rows if value]


def _sort(values: Iterable[tuple[int, str]], region: str, found: FileAudience) -> tuple[
    dict[str, list[tuple[int, str]]], dict[str, list[tuple[int, str]]]
]:  # fmt: skip
    """E-mails and phones (normalized) with the rows naming them; the rest are bad rows."""
    emails: dict[str, list[tuple[int, str]]] = {}
    phones: dict[str, list[tuple[int, str]]] = {}
    for line, value in values:
        found.rows += 1
        if "@" in value:
            address = value.lower()
            if ADDRESS.match(address) and len(address) <= 254:
                emails.setdefault(address, []).append((line, value))
            else:
                found.bad.append(BadRow(line, value[:200], N_("invalid address")))
            continue
        try:
            phones.setdefault(parse_phone(value, region).e164, []).append((line, value))
        except PhoneError as exc:
            found.bad.append(BadRow(line, value[:200], str(exc)))
    return emails, phones


async def _match(
    session: AsyncSession, column: Any, key: Any, wanted: list[str], author: User
) -> dict[str, set[int]]:
    """Each wanted key with the author's clients holding it."""
    holders: dict[str, set[int]] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = await session.execute(
            select(key, Client.id)
            .join(Client, Client.id == column)
            .where(
                key.in_(wanted[start : start + CHUNK]),
                Client.merged_into_id.is_(None),
                visible_to(author),
            )  # fmt: skip
        )
        for value, client_id in rows:
            holders.setdefault(value, set()).add(client_id)
    return holders


async def match_file(
    session: AsyncSession, values: list[tuple[int, str]], *, author: User, region: str
) -> FileAudience:
    found = FileAudience()
    emails, phones = _sort(values, region, found)
    email_key = func.lower(func.btrim(ClientEmail.email))
    for named, column, key, reason in (
        (emails, ClientEmail.client_id, email_key, N_("No client of yours has this address")),
        (phones, ClientPhone.client_id, ClientPhone.e164, N_("No client of yours has this number")),
    ):
        holders = await _match(session, column, key, list(named), author)
        for value, rows in named.items():
            if value in holders:
                found.clients |= holders[value]
            else:
                found.bad += [BadRow(line, text[:200], reason) for line, text in rows]
    found.bad.sort(key=lambda bad: bad.line)
    return found


async def set_audience_file(
    session: AsyncSession,
    mailing: Mailing,
    values: list[tuple[int, str]],
    *,
    author: User,
    region: str,
    file_name: str,
) -> FileAudience:
    """The file's clients become the (draft) mailing's, replacing an earlier file's; a bad
    row refuses the whole file (AudienceFileInvalid) with nothing changed."""
    if mailing.state != "draft":
        raise Conflict(N_("Only a draft mailing can be changed"))
    found = await match_file(session, values, author=author, region=region)
    if found.bad:
        raise AudienceFileInvalid(found.bad)
    if not found.clients:
        raise Invalid(N_("The file has no rows"), fields={"file": N_("The file has no rows")})
    await session.execute(delete(AudienceMember).where(AudienceMember.mailing_id == mailing.id))
    ids = sorted(found.clients)
    for start in range(0, len(ids), CHUNK):
        rows = [{"mailing_id": mailing.id, "client_id": i} for i in ids[start : start + CHUNK]]
        await session.execute(pg_insert(AudienceMember).values(rows).on_conflict_do_nothing())
    file = {"name": file_name[:200], "rows": found.rows, "clients": len(ids)}
    mailing.audience = {**(mailing.audience or {}), "file": file}
    await session.flush()
    return found


async def drop_audience_file(session: AsyncSession, mailing: Mailing) -> None:
    if mailing.state != "draft":
        raise Conflict(N_("Only a draft mailing can be changed"))
    await session.execute(delete(AudienceMember).where(AudienceMember.mailing_id == mailing.id))
    mailing.audience = {k: v for k, v in (mailing.audience or {}).items() if k != "file"}
    await session.flush()
