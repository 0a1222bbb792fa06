"""A campaign's contact list: from the client list's filters (a segment among them), from an
imported CSV/XLSX file, or picked by hand (client ids or numbers).

Numbers become E.164; each number is called once per campaign. A bad number makes the whole
addition fail with every bad one named (nothing is half-added) unless the manager asks to skip
them; duplicates (in the list itself or already in the campaign) are reported and skipped.
A number that belongs to a client is linked to that client (for the card and orders made).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client, ClientPhone
from callcenter.clients.search import ClientQuery
from callcenter.clients.search import _conditions as client_conditions
from callcenter.clients.service import visible_to
from callcenter.dialer.campaigns import EDITABLE_STATES, tell_pages
from callcenter.dialer.models import Campaign, CampaignContact
from callcenter.errors import Conflict, Invalid
from callcenter.i18n import N_
from callcenter.imports.limits import UploadLimits
from callcenter.imports.reading import detect_shape, read_rows
from callcenter.phones import PhoneError, parse_phone
from callcenter.users.models import User

CHUNK = 1_000
PHONE_HEADERS = ("телефон", "тел", "номер", "мобильный", "phone", "number", "mobile", "tel")
NAME_HEADERS = ("фио", "имя", "клиент", "контакт", "наименование", "name", "client", "contact")


@dataclass(frozen=True)
class Candidate:
    """A number to call, with whom it belongs to and where the list named it."""

    e164: str
    name: str = ""
    client_id: int | None = None
    where: str = ""  # a file's line, a client's id, the text typed


@dataclass(frozen=True)
class BadEntry:
    where: str
    text: str
    reason: str  # a msgid


@dataclass
class ContactReport:
    added: int = 0
    duplicates: list[Candidate] = field(default_factory=list)
    bad: list[BadEntry] = field(default_factory=list)


class ContactsInvalid(Invalid):
    """The list has bad entries and skipping them was not asked for: nothing was added."""

    id = "contacts_invalid"

    def __init__(self, report: ContactReport) -> None:
        message = N_("Some entries are not numbers to call: nothing was added")
        super().__init__(message, fields={"contacts": message})
        self.report = report


def _split(line: str) -> tuple[str, str]:
    """``+7 916 123-45-67; Иванов Иван``: the number, then an optional name."""
    parts = re.split(r"[;\t,]", line, maxsplit=1)
    return parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")


def from_numbers(text: str, region: str) -> tuple[list[Candidate], list[BadEntry]]:
    """One number per line, optionally followed by a name after ``;``, ``,`` or a tab."""
    found: list[Candidate] = []
    bad: list[BadEntry] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        number, name = _split(line)
        try:
            found.append(Candidate(parse_phone(number, region).e164, name[:300], where=number))
        except PhoneError as exc:
            bad.append(BadEntry(number, line.strip()[:100], str(exc)))
    return found, bad


def _columns(header: list[str]) -> tuple[int | None, int | None]:
    def find(words: tuple[str, ...]) -> int | None:
        for index, cell in enumerate(header):
            text = cell.strip().lower().replace("ё", "е")
            if any(text == w or text.startswith(w + " ") for w in words):
                return index
        return None

    return find(PHONE_HEADERS), find(NAME_HEADERS)


def from_file(
    content: bytes, region: str, limits: UploadLimits, file_name: str = ""
) -> tuple[list[Candidate], list[BadEntry]]:
    """A CSV or XLSX with a phone column («Телефон», «Phone»...) and optionally a name one;
    a file without a header row is read as numbers in its first column. The file is held to
    ``limits``; reading it is blocking work, for a worker thread."""
    rows = list(read_rows(content, detect_shape(content, file_name), limits))
    if not rows:
        raise Invalid(N_("The file has no rows"), fields={"file": N_("The file has no rows")})
    phone_col, name_col = _columns(rows[0][1])
    if phone_col is None:
        phone_col, name_col = 0, 1 if len(rows[0][1]) > 1 else None
    else:
        rows = rows[1:]
    found: list[Candidate] = []
    bad: list[BadEntry] = []
    for line, cells in rows:
        number = cells[phone_col] if phone_col < len(cells) else ""
        name = cells[name_col] if name_col is not None and name_col < len(cells) else ""
        try:
            found.append(Candidate(parse_phone(number, region).e164, name[:300], where=str(line)))
        except PhoneError as exc:
            bad.append(BadEntry(str(line), number[:100], str(exc)))
    return found, bad


async def _from_client_rows(
    session: AsyncSession, conds: list[ColumnElement[bool]]
) -> tuple[list[Candidate], list[BadEntry]]:
    """Each client's first phone that is not a fax; a client with none is reported."""
    rows = await session.execute(
        select(Client.id, Client.name, ClientPhone.e164)
        .outerjoin(ClientPhone, (ClientPhone.client_id == Client.id) & (ClientPhone.kind != "fax"))
        .where(*conds)
        .ext(distinct_on(Client.id))
        .order_by(Client.id, ClientPhone.position, ClientPhone.id)
    )
    found: list[Candidate] = []
    bad: list[BadEntry] = []
    for client_id, name, e164 in rows:
        if e164:
            found.append(Candidate(e164, name, client_id, where=f"#{client_id}"))
        else:
            bad.append(BadEntry(f"#{client_id}", name, N_("The client has no phone to call")))
    return found, bad


async def from_client_query(
    session: AsyncSession, query: ClientQuery, *, actor: User, region: str
) -> tuple[list[Candidate], list[BadEntry]]:
    """The clients the client list shows under these filters (a segment is one of them)."""
    return await _from_client_rows(session, client_conditions(query, actor, region))


async def from_client_ids(
    session: AsyncSession, ids: Iterable[int], *, actor: User
) -> tuple[list[Candidate], list[BadEntry]]:
    wanted = list(dict.fromkeys(ids))
    conds = [Client.id.in_(wanted), Client.merged_into_id.is_(None), visible_to(actor)]
    found, bad = await _from_client_rows(session, conds)
    seen = {c.client_id for c in found} | {int(b.where[1:]) for b in bad}
    for client_id in wanted:
        if client_id not in seen:
            bad.append(BadEntry(f"#{client_id}", "", N_("No such client, or not yours")))
    return found, bad


async def _link_clients(
    session: AsyncSession, found: list[Candidate], actor: User
) -> list[Candidate]:
    """A number without a client gets the (newest) visible client holding it."""
    loose = list({c.e164 for c in found if c.client_id is None})
    owners: dict[str, tuple[int, str]] = {}
    for start in range(0, len(loose), CHUNK):
        rows = await session.execute(
            select(ClientPhone.e164, Client.id, Client.name)
            .join(Client, Client.id == ClientPhone.client_id)
            .where(
                ClientPhone.e164.in_(loose[start : start + CHUNK]),
                Client.merged_into_id.is_(None),
                visible_to(actor),
            )
            .order_by(Client.updated_at)
        )
        owners.update({e164: (client_id, name) for e164, client_id, name in rows})
    linked = []
    for c in found:
        if c.client_id is None and c.e164 in owners:
            client_id, name = owners[c.e164]
            c = Candidate(c.e164, c.name or name, client_id, c.where)
        linked.append(c)
    return linked


async def add_contacts(
    session: AsyncSession,
    *,
    campaign: Campaign,
    found: list[Candidate],
    bad: list[BadEntry],
    actor: User,
    skip_bad: bool = False,
) -> ContactReport:
    """All or nothing: with a bad entry (and no ``skip_bad``) ContactsInvalid, none added."""
    if campaign.state not in EDITABLE_STATES:
        raise Conflict(N_("A stopped or finished campaign takes no more contacts"))
    report = ContactReport(bad=bad)
    if bad and not skip_bad:
        raise ContactsInvalid(report)
    taken = set(
        await session.scalars(
            select(CampaignContact.e164).where(CampaignContact.campaign_id == campaign.id)
        )
    )
    fresh: list[Candidate] = []
    for candidate in found:
        if candidate.e164 in taken:
            report.duplicates.append(candidate)
        else:
            taken.add(candidate.e164)
            fresh.append(candidate)
    fresh = await _link_clients(session, fresh, actor)
    for start in range(0, len(fresh), CHUNK):
        rows = [
            {"campaign_id": campaign.id, "e164": c.e164, "name": c.name, "client_id": c.client_id}
            for c in fresh[start : start + CHUNK]
        ]
        stmt = pg_insert(CampaignContact).values(rows).on_conflict_do_nothing()
        result = await session.execute(stmt.returning(CampaignContact.id))
        report.added += len(result.all())
    if report.added:
        await tell_pages(session, campaign.id)
    return report


async def count_contacts(session: AsyncSession, campaign_id: int) -> int:
    stmt = select(func.count()).where(CampaignContact.campaign_id == campaign_id)
    return await session.scalar(stmt) or 0
