"""A website form's lead (``POST /api/v1/leads``): the client found or made, the channel
from the UTM source, a call-back task for the key's pool, exactly once per request.

- The key is the form's (``keys.py``), not a user's: the lead is nobody's action.
- The client is found by the clients' own duplicate keys, the phone (E.164), then the
  e-mail, among live (unmerged) clients; else made. A found client is not changed, apart
  from its last touch: what the visitor typed goes into the task's notes.
- The channel is the admin's map of ``utm_source`` to channels; the client's first touch is
  kept, its last touch moves (``touches.py``).
- One open call-back task per client from forms (``repeats`` counts the leads), for the
  client's owner, else the key's queue pool, due the key's minutes from now.
- A retry with the same ``Idempotency-Key`` is answered with the first lead, made once
  (``uq_leads_key_request``, taken under a transaction lock so a concurrent twin waits).
- At most ``LeadPolicy.per_key`` leads per key and ``per_address`` per address in the
  window, counted in the database so every web process and every race sees the same;
  past it LeadLimited (429) says how many seconds until a slot frees.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, fields
from datetime import timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.exceptions import ClientInvalid
from callcenter.clients.input import CleanClient, ClientInput, PhoneInput, validate_client
from callcenter.clients.models import Client, ClientEmail, ClientPhone
from callcenter.clients.service import add_client
from callcenter.db import utcnow
from callcenter.errors import DomainError, Invalid
from callcenter.i18n import N_
from callcenter.marketing.models import Lead, LeadFormKey
from callcenter.marketing.touches import channel_for_utm, touch_client
from callcenter.tasks.models import Task

log = logging.getLogger(__name__)

# advisory lock classes (two-int keys), apart from logins' (7311, 7312) and referrals' (7321-2)
_LOCK_REQUEST, _LOCK_KEY, _LOCK_ADDRESS, _LOCK_CONTACT = 7331, 7332, 7333, 7334
OPEN_DEDUPE = text("status = 'open' AND dedupe_key IS NOT NULL")  # uq_tasks_open_dedupe
LIMITS = {  # field -> the longest value kept
    "name": 300,
    "phone": 64,
    "email": 254,
    "comment": 2000,
    "utm_source": 100,
    "utm_medium": 100,
    "utm_campaign": 200,
    "utm_term": 200,
    "utm_content": 200,
    "page": 2000,
}
TOO_LONG = N_("At most %(limit)s characters")


class LeadLimited(DomainError):
    """Too many leads from this key or this address in the window."""

    id = "lead_limited"
    status = 429

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class LeadPolicy:
    per_key: int = 120
    per_address: int = 10
    window_seconds: int = 600


@dataclass
class LeadInput:
    name: str = ""
    phone: str = ""
    email: str = ""
    comment: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_term: str = ""
    utm_content: str = ""
    page: str = ""


@dataclass(frozen=True)
class LeadDone:
    lead_id: int
    client_id: int
    task_id: int
    channel_id: int | None
    created_client: bool
    repeated: bool = False  # a retry answered with the first lead


def check_lead(data: LeadInput, region: str) -> CleanClient:
    """The visitor's fields checked by the clients' own rules; errors named as the API's."""
    errors: dict[str, str] = {}
    for f in fields(data):
        value = getattr(data, f.name)
        if "\x00" in value:
            errors[f.name] = N_("The text contains a NUL character")
        elif len(value) > LIMITS[f.name]:
            errors[f.name] = TOO_LONG
    if not data.phone.strip() and not data.email.strip():
        errors["phone"] = N_("A phone or an e-mail is required")
    if errors:
        raise Invalid(N_("Please correct the marked fields"), fields=errors)
    name = " ".join(data.name.split()) or data.phone.strip() or data.email.strip()
    try:
        return validate_client(
            ClientInput(
                kind="person",
                name=name,
                phones=[PhoneInput(data.phone, "mobile")] if data.phone.strip() else [],
                emails=[data.email] if data.email.strip() else [],
            ),
            region=region,
        )
    except ClientInvalid as exc:
        named = {"phones.0": "phone", "emails.0": "email"}
        raise Invalid(
            N_("Please correct the marked fields"),
            fields={named.get(k, k): v for k, v in exc.fields.items()},
        ) from None


async def _lock(session: AsyncSession, kind: int, value: str) -> None:
    await session.execute(select(func.pg_advisory_xact_lock(kind, func.hashtext(value))))


async def _earlier(session: AsyncSession, key: LeadFormKey, request_key: str) -> LeadDone | None:
    lead = await session.scalar(
        select(Lead).where(Lead.form_key_id == key.id, Lead.request_key == request_key)
    )
    if lead is None:
        return None
    return LeadDone(
        lead.id,
        lead.client_id or 0,
        lead.task_id or 0,
        lead.channel_id,
        lead.created_client,
        repeated=True,
    )


async def _throttle(
    session: AsyncSession, key: LeadFormKey, address: str, policy: LeadPolicy
) -> None:
    """Refuse past either rate; the wait is until the oldest lead counted leaves the window."""
    window = timedelta(seconds=policy.window_seconds)
    for lock, where, most in (
        (_LOCK_KEY, Lead.form_key_id == key.id, policy.per_key),
        (_LOCK_ADDRESS, Lead.address == address, policy.per_address),
    ):
        await _lock(session, lock, str(key.id) if lock == _LOCK_KEY else address)
        since = utcnow() - window
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(Lead.created_at)).where(
                    where, Lead.created_at >= since
                )
            )
        ).one()
        if count >= most:
            wait = (oldest + window - utcnow()).total_seconds()
            log.warning("leads of key %s from %s refused: %s in the window", key.id, address, count)
            raise LeadLimited(
                N_("Too many requests: please try again later"), max(1, math.ceil(wait))
            )


async def _find_client(session: AsyncSession, clean: CleanClient) -> int | None:
    live = Client.merged_into_id.is_(None)
    if clean.phones:
        found = await session.scalar(
            select(Client.id)
            .join(ClientPhone, ClientPhone.client_id == Client.id)
            .where(ClientPhone.e164 == clean.phones[0].e164, live)
            .order_by(Client.id)
            .limit(1)
        )
        if found is not None:
            return int(found)
    if clean.emails:
        found = await session.scalar(
            select(Client.id)
            .join(ClientEmail, ClientEmail.client_id == Client.id)
            .where(ClientEmail.email == clean.emails[0], live)
            .order_by(Client.id)
            .limit(1)
        )
    return int(found) if found is not None else None


def _notes(data: LeadInput, clean: CleanClient, key: LeadFormKey) -> str:
    lines = [f"Website form: {key.name}", f"Name: {clean.name}"]
    if clean.phones:
        lines.append(f"Phone: {clean.phones[0].e164}")
    if clean.emails:
        lines.append(f"E-mail: {clean.emails[0]}")
    for label, value in (
        ("Comment", data.comment),
        ("Page", data.page),
        ("UTM", " / ".join(getattr(data, f"utm_{n}") for n in UTM_PARTS).strip(" /")),
    ):
        if value.strip():
            lines.append(f"{label}: {value.strip()}")
    return "\n".join(lines)


UTM_PARTS = ("source", "medium", "campaign", "term", "content")


async def _callback_task(
    session: AsyncSession, client_id: int, key: LeadFormKey, clean: CleanClient, notes: str
) -> int:
    """One open call-back per client from website forms; a repeat lead bumps ``repeats``."""
    owner = await session.scalar(select(Client.owner_id).where(Client.id == client_id))
    contact = clean.phones[0].e164 if clean.phones else clean.emails[0]
    dedupe = f"lead:{client_id}"
    task_id = await session.scalar(
        insert(Task)
        .values(
            kind="call" if clean.phones else "email",
            title=f"Website lead {contact}",
            notes=notes,
            due_at=func.now() + timedelta(minutes=key.due_minutes),
            assignee_id=owner,
            queue="" if owner else key.queue,
            client_id=client_id,
            phone=clean.phones[0].e164 if clean.phones else "",
            dedupe_key=dedupe,
            repeats=1,
        )
        .on_conflict_do_nothing(index_elements=[Task.dedupe_key], index_where=OPEN_DEDUPE)
        .returning(Task.id)
    )
    if task_id is not None:
        return int(task_id)
    bumped = await session.scalar(
        update(Task)
        .where(Task.dedupe_key == dedupe, Task.status == "open")
        .values(repeats=Task.repeats + 1, notes=Task.notes + "\n\n" + notes)
        .returning(Task.id)
    )
    assert bumped is not None  # the insert met this open task; its row lock is ours now
    return int(bumped)


async def submit_lead(
    session: AsyncSession,
    *,
    key: LeadFormKey,
    data: LeadInput,
    address: str,
    region: str,
    request_key: str | None = None,
    policy: LeadPolicy | None = None,
) -> LeadDone:
    """Store a website lead (Invalid naming the field, LeadLimited past the rates)."""
    address = address[:64]
    request_key = request_key[:120] if request_key else None
    if request_key:
        await _lock(session, _LOCK_REQUEST, f"{key.id}:{request_key}")
        if (earlier := await _earlier(session, key, request_key)) is not None:
            return earlier
    clean = check_lead(data, region)
    await _throttle(session, key, address, policy or LeadPolicy())
    contact = clean.phones[0].e164 if clean.phones else clean.emails[0]
    await _lock(session, _LOCK_CONTACT, contact)
    client_id = await _find_client(session, clean)
    created = client_id is None
    if client_id is None:
        client_id = await add_client(session, clean=clean, actor=None)
    channel_id = await channel_for_utm(session, data.utm_source)
    await touch_client(session, client_id=client_id, channel_id=channel_id, source="lead")
    task_id = await _callback_task(session, client_id, key, clean, _notes(data, clean, key))
    lead = Lead(
        form_key_id=key.id,
        request_key=request_key,
        address=address,
        client_id=client_id,
        task_id=task_id,
        channel_id=channel_id,
        created_client=created,
        **{f"utm_{n}": getattr(data, f"utm_{n}").strip() for n in UTM_PARTS},
        page=data.page.strip(),
    )
    session.add(lead)
    await session.execute(
        update(LeadFormKey).where(LeadFormKey.id == key.id).values(last_used_at=func.now())
    )
    await session.flush()
    log.info("lead %s of form %s: client %s (new: %s)", lead.id, key.id, client_id, created)
    return LeadDone(lead.id, client_id, task_id, channel_id, created)
