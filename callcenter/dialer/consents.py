"""Consents to advertising, each for one channel (38-FZ art. 18 asks for the recipient's
consent to advertising by that means): calls or SMS to a number, e-mail to an address; who
gave it, when, how. Withdrawn ones stay on record. An advertising campaign dials a number only
with a call consent for it not withdrawn; an advertising mailing texts a number only with an
SMS consent for it, and writes to an address only with an e-mail consent for it.

Recorded and withdrawn from the client's card by whoever may edit that client; each change
goes to the client's audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.clients.models import Client, ClientEmail, ClientPhone
from callcenter.clients.service import get_client
from callcenter.db import utcnow
from callcenter.dialer.models import CONSENT_CHANNELS, Consent
from callcenter.errors import Conflict, Forbidden, Invalid, NotFound
from callcenter.i18n import N_
from callcenter.limits import DAY_OUT_OF_RANGE, sane_day
from callcenter.phones import PhoneError, normalize_email, parse_phone
from callcenter.users.models import User
from callcenter.users.roles import Permission

METHODS = ("call", "web_form", "paper", "sms", "email", "other")


class ConsentInvalid(Invalid):
    id = "consent_invalid"


@dataclass
class ConsentInput:
    number: str = ""  # the channel's contact: a number for calls and SMS
    email: str = ""  # an address for e-mail
    channel: str = "call"
    given_by: str = ""
    given_at: str = ""  # "2026-03-01T14:30" in the user's time zone, as a form sends it
    method: str = "call"
    evidence: str = ""


def _given_at(errors: dict[str, str], text: str, timezone: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        errors["given_at"] = N_("When it was given: a date and time")
        return utcnow()
    if not sane_day(value):
        errors["given_at"] = DAY_OUT_OF_RANGE
        return utcnow()
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    if value > utcnow() + timedelta(minutes=5):
        errors["given_at"] = N_("A consent is recorded once given, not ahead")
    return value


def _contact(errors: dict[str, str], data: ConsentInput, region: str) -> tuple[str, str]:
    """(number, address): the one the channel names, checked; the other one empty."""
    if data.channel not in CONSENT_CHANNELS:
        errors["channel"] = N_("Choose what the consent is for: calls, SMS or e-mail")
        return "", ""
    if data.channel == "email":
        try:
            return "", normalize_email(data.email)
        except ValueError:
            errors["email"] = N_("Not an e-mail address")
            return "", ""
    try:
        return parse_phone(data.number, region).e164, ""
    except PhoneError as exc:
        errors["number"] = str(exc)
        return "", ""


def validate_consent(data: ConsentInput, *, region: str, timezone: str) -> Consent:
    errors: dict[str, str] = {}
    e164, email = _contact(errors, data, region)
    given_by = data.given_by.strip()
    if not given_by or len(given_by) > 300:
        errors["given_by"] = N_("Name who gave the consent")
    if data.method not in METHODS:
        errors["method"] = N_("Choose how the consent was given")
    if len(data.evidence) > 2000:
        errors["evidence"] = N_("The text is too long")
    given_at = _given_at(errors, data.given_at, timezone)
    if errors:
        raise ConsentInvalid(N_("Please correct the marked fields"), fields=errors)
    return Consent(
        channel=data.channel,
        e164=e164 or None,
        email=email or None,
        given_by=given_by,
        given_at=given_at,
        method=data.method,
        evidence=data.evidence.strip(),
    )


async def consents_of_client(session: AsyncSession, client: Client) -> list[Consent]:
    """Consents recorded for the client or for any of its numbers and addresses, the newest
    first."""
    numbers = select(ClientPhone.e164).where(ClientPhone.client_id == client.id)
    addresses = select(func.lower(func.btrim(ClientEmail.email))).where(
        ClientEmail.client_id == client.id
    )
    rows = await session.scalars(
        select(Consent)
        .where(
            or_(
                Consent.client_id == client.id,
                Consent.e164.in_(numbers),
                Consent.email.in_(addresses),
            )
        )
        .order_by(Consent.given_at.desc(), Consent.id.desc())
    )
    return list(rows)


def contact_of(consent: Consent) -> str:
    """The number or address the consent is for."""
    return consent.email or consent.e164 or ""


def consented_channels(consents: list[Consent]) -> set[str]:
    """The channels with a consent not withdrawn among ``consents``."""
    return {c.channel for c in consents if c.withdrawn_at is None}


def _check_edit(actor: User) -> None:
    if not actor.can(Permission.CLIENTS_EDIT):
        raise Forbidden(N_("You may not record consents"))


async def record_consent(
    session: AsyncSession,
    *,
    client_id: int,
    data: ConsentInput,
    actor: User,
    region: str,
    timezone: str,
) -> Consent:
    _check_edit(actor)
    client = await get_client(session, client_id, actor=actor)
    consent = validate_consent(data, region=region, timezone=timezone)
    consent.client_id, consent.recorded_by_id = client.id, actor.id
    session.add(consent)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="client",
        entity_id=client.id,
        action="consent_given",
        changes={
            "consent": [
                None,
                f"{consent.channel} {contact_of(consent)} · {consent.given_by} · {consent.method}",
            ]
        },  # fmt: skip
    )
    return consent


async def withdraw_consent(session: AsyncSession, *, consent_id: int, actor: User) -> Consent:
    _check_edit(actor)
    consent = await session.get(Consent, consent_id, with_for_update=True)
    if consent is None:
        raise NotFound(N_("No such consent"))
    if consent.client_id is not None:
        await get_client(session, consent.client_id, actor=actor)  # visibility
    elif not actor.can(Permission.CAMPAIGNS_MANAGE):
        raise Forbidden(N_("You may not record consents"))
    if consent.withdrawn_at is not None:
        raise Conflict(N_("This consent is withdrawn already"))
    consent.withdrawn_at = utcnow()
    if consent.client_id is not None:
        await record_change(
            session,
            actor=actor,
            entity="client",
            entity_id=consent.client_id,
            action="consent_withdrawn",
            changes={"consent": [f"{consent.channel} {contact_of(consent)}", None]},
        )
    await session.flush()
    return consent
