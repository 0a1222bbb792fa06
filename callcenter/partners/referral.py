"""A partner's referral link (``/r/{code}``): a visitor leaves a name and a phone, the CRM
finds or makes the client, attributes them to the partner and asks for a call back.

- Only an active partner's code has a page; any other code is "not found", the same for an
  unknown and a suspended one.
- The client is found by the phone, then the e-mail (the clients' own duplicate keys), else
  made, owned by the partner's manager. The visitor never learns whether the client existed:
  the answer is the same page either way, and nothing of a found client is changed (what the
  visitor typed goes into the task's notes for the operator to compare).
- The first attribution wins (``attribute_if_new``): a client of another partner stays theirs
  and the link's offer is audited.
- One open call-back task per client from links (its ``repeats`` counts requests), assigned
  to the partner's manager, else the client's owner.
- An address sends at most ``ReferralPolicy.max_requests`` requests per window, counted in
  the database under an advisory lock so every web process and every race sees the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.exceptions import ClientInvalid
from callcenter.clients.input import CleanClient, ClientInput, PhoneInput, validate_client
from callcenter.clients.models import Client, ClientEmail, ClientPhone
from callcenter.clients.service import add_client
from callcenter.db import utcnow
from callcenter.errors import DomainError, NotFound
from callcenter.i18n import N_
from callcenter.partners.attribution import attribute_if_new
from callcenter.partners.models import Partner, ReferralRequest
from callcenter.tasks.models import Task
from callcenter.tasks.webhooks import tell_webhooks

log = logging.getLogger(__name__)

# advisory lock classes (two-int keys), apart from logins' (7311, 7312)
_LOCK_ADDRESS, _LOCK_PHONE = 7321, 7322
OPEN_DEDUPE = text("status = 'open' AND dedupe_key IS NOT NULL")  # uq_tasks_open_dedupe


class ReferralLimited(DomainError):
    """Too many requests from one address in the window."""

    id = "referral_limited"
    status = 429


@dataclass(frozen=True)
class ReferralPolicy:
    max_requests: int = 5
    window_seconds: int = 3600


@dataclass
class ReferralInput:
    name: str = ""
    phone: str = ""
    email: str = ""
    comment: str = ""


@dataclass(frozen=True)
class ReferralDone:
    request_id: int
    client_id: int
    task_id: int
    outcome: str


async def referral_partner(session: AsyncSession, code: str) -> Partner:
    """The active partner whose link this is; NotFound for any other code."""
    wanted = code.strip().upper()
    partner = None
    if 4 <= len(wanted) <= 20 and wanted.isascii() and wanted.isalnum():
        partner = await session.scalar(select(Partner).where(Partner.code == wanted))
    if partner is None or partner.status != "active":
        raise NotFound(N_("This link is not valid"))
    return partner


async def _throttle(session: AsyncSession, address: str, policy: ReferralPolicy) -> None:
    await session.execute(select(func.pg_advisory_xact_lock(_LOCK_ADDRESS, func.hashtext(address))))
    since = utcnow() - timedelta(seconds=policy.window_seconds)
    sent = await session.scalar(
        select(func.count())
        .select_from(ReferralRequest)
        .where(ReferralRequest.address == address, ReferralRequest.created_at >= since)
    )
    if (sent or 0) >= policy.max_requests:
        log.warning("referral requests from %s refused: %s in the window", address, sent)
        raise ReferralLimited(N_("Too many requests from your address: please try again later"))


async def _find_client(session: AsyncSession, e164: str, email: str | None) -> int | None:
    found = await session.scalar(
        select(Client.id)
        .join(ClientPhone, ClientPhone.client_id == Client.id)
        .where(ClientPhone.e164 == e164, Client.merged_into_id.is_(None))
        .order_by(Client.id)
        .limit(1)
    )
    if found is None and email:
        found = await session.scalar(
            select(Client.id)
            .join(ClientEmail, ClientEmail.client_id == Client.id)
            .where(ClientEmail.email == email, Client.merged_into_id.is_(None))
            .order_by(Client.id)
            .limit(1)
        )
    return found


async def _callback_task(
    session: AsyncSession, client_id: int, partner: Partner, e164: str, notes: str
) -> int:
    """One open call-back per client from links; a repeat request bumps ``repeats``."""
    owner = await session.scalar(select(Client.owner_id).where(Client.id == client_id))
    key = f"referral:{client_id}"
    task_id = await session.scalar(
        insert(Task)
        .values(
            kind="call",
            title=f"Call back {e164} (partner {partner.code})",
            notes=notes,
            due_at=func.now(),
            assignee_id=partner.manager_id or owner,
            client_id=client_id,
            phone=e164,
            dedupe_key=key,
            repeats=1,
        )
        .on_conflict_do_nothing(index_elements=[Task.dedupe_key], index_where=OPEN_DEDUPE)
        .returning(Task.id)
    )
    if task_id is not None:
        await tell_webhooks(session, "task.created", [task_id])
        return int(task_id)
    bumped = await session.scalar(
        update(Task)
        .where(Task.dedupe_key == key, Task.status == "open")
        .values(repeats=Task.repeats + 1, notes=Task.notes + "\n\n" + notes)
        .returning(Task.id)
    )
    assert bumped is not None  # the insert met this open task; its row lock is ours now
    return int(bumped)


def _notes(data: ReferralInput, e164: str, email: str | None) -> str:
    lines = [f"Name: {' '.join(data.name.split())[:300]}", f"Phone: {e164}"]
    if email:
        lines.append(f"E-mail: {email}")
    if comment := data.comment.strip().replace("\x00", "")[:2000]:
        lines.append(f"Comment: {comment}")
    return "\n".join(lines)


FORM_FIELDS = {"name": "name", "phones.0": "phone", "emails.0": "email"}


def _clean(data: ReferralInput, region: str, owner_id: int | None) -> CleanClient:
    """The visitor's fields checked by the clients' own rules; errors named as the form's."""
    errors: dict[str, str] = {}
    if len(data.comment) > 2000:
        errors["comment"] = N_("The comment is too long")
    if not data.phone.strip():
        errors["phone"] = N_("A phone number is required")
    try:
        clean = validate_client(
            ClientInput(
                kind="person",
                name=data.name[:400],
                phones=[PhoneInput(data.phone[:64], "mobile")],
                emails=[data.email[:320]],
                owner_id=owner_id,
            ),
            region=region,
        )
    except ClientInvalid as exc:
        for key, message in exc.fields.items():
            errors.setdefault(FORM_FIELDS.get(key, key), message)
    if errors:
        raise ClientInvalid(N_("Please correct the marked fields"), fields=errors)
    return clean


async def submit_referral(
    session: AsyncSession,
    *,
    code: str,
    data: ReferralInput,
    address: str,
    region: str,
    policy: ReferralPolicy | None = None,
) -> ReferralDone:
    """Store a visitor's request (ClientInvalid on its fields, ReferralLimited past the rate,
    NotFound for a code that has no link)."""
    partner = await referral_partner(session, code)
    await _throttle(session, address[:64], policy or ReferralPolicy())
    clean = _clean(data, region, partner.manager_id)
    e164, email = clean.phones[0].e164, (clean.emails[0] if clean.emails else None)
    await session.execute(select(func.pg_advisory_xact_lock(_LOCK_PHONE, func.hashtext(e164))))
    client_id = await _find_client(session, e164, email)
    if client_id is None:
        client_id = await add_client(session, clean=clean, actor=None)
    outcome = await attribute_if_new(
        session, client_id=client_id, partner=partner, actor=None, source="link"
    )
    task_id = await _callback_task(session, client_id, partner, e164, _notes(data, e164, email))
    request = ReferralRequest(
        partner_id=partner.id,
        client_id=client_id,
        task_id=task_id,
        address=address[:64],
        outcome=outcome.value,
    )
    session.add(request)
    await session.flush()
    log.info("referral of partner %s: client %s, %s", partner.code, client_id, outcome.value)
    return ReferralDone(request.id, client_id, task_id, outcome.value)
