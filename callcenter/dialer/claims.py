"""Taking the next contacts of a campaign to dial, in the transaction that records them.

Due contacts (``pending``/``retry`` whose ``next_at`` has come) are locked with
``FOR UPDATE SKIP LOCKED`` (a second dialer, or a preview agent, skips them). Each gets its
time zone filled if it has none; one outside its call window waits until the window opens
(``next_at``); one refused by the do-not-call lists or for lack of consent is excluded;
the others become ``dialing`` with a new attempt, whose ActionID the Originate then carries.
The caller commits BEFORE sending the Originates: a contact is never dialed without its
attempt on record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client
from callcenter.dialer import windows
from callcenter.dialer.attempts import PREFIX
from callcenter.dialer.eligibility import exclude, refusals
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact

SCAN_EXTRA = 20  # contacts looked at beyond those wanted (some wait for their window)
CLOSED_RECHECK = timedelta(hours=6)  # a window that never opens: look again this much later


@dataclass(frozen=True)
class Claimed:
    contact_id: int
    attempt_id: int
    action_id: str
    e164: str


async def claim_contacts(
    session: AsyncSession, *, campaign: Campaign, count: int, now: datetime, default_zone: str
) -> list[Claimed]:
    """Up to ``count`` contacts to dial now, each ``dialing`` with its attempt."""
    if count <= 0:
        return []
    rows = list(
        await session.scalars(
            select(CampaignContact)
            .where(
                CampaignContact.campaign_id == campaign.id,
                CampaignContact.state.in_(("pending", "retry")),
                or_(CampaignContact.next_at.is_(None), CampaignContact.next_at <= now),
            )
            .order_by(CampaignContact.next_at.asc().nulls_first(), CampaignContact.id)
            .limit(count * 2 + SCAN_EXTRA)
            .with_for_update(skip_locked=True)
        )
    )
    await fill_time_zones(session, rows, default_zone)
    schedule = windows.Schedule.of(campaign)
    inside = []
    for contact in rows:
        zones = windows.zones_of(contact.timezone, contact.timezone_source, contact.e164,
                                 default_zone)  # fmt: skip
        if windows.open_now(schedule, zones, now):
            inside.append(contact)
        else:
            opens = windows.next_opening(schedule, zones, now)
            contact.next_at = opens or now + CLOSED_RECHECK
    refused = await refusals(
        session,
        campaign_id=campaign.id,
        advertising=campaign.advertising,
        numbers=[c.e164 for c in inside],
        at=now,
    )
    claimed: list[Claimed] = []
    for contact in inside:
        if contact.e164 in refused:
            await exclude(session, contact_id=contact.id, reason=refused[contact.e164])
        elif len(claimed) < count:
            claimed.append(await _dial(session, campaign, contact, now))
    await session.flush()
    return claimed


async def _dial(
    session: AsyncSession, campaign: Campaign, contact: CampaignContact, now: datetime
) -> Claimed:
    action_id = f"{PREFIX}{uuid.uuid4().hex}"
    attempt = CampaignAttempt(
        campaign_id=campaign.id,
        contact_id=contact.id,
        action_id=action_id,
        number=contact.e164,
        started_at=now,
    )
    session.add(attempt)
    contact.state, contact.agent_id, contact.updated_at = "dialing", None, now
    await session.flush()
    return Claimed(contact.id, attempt.id, action_id, contact.e164)


async def fill_time_zones(
    session: AsyncSession, contacts: list[CampaignContact], default_zone: str
) -> None:
    """Contacts with no time zone get one: the client's postal (else legal) address, the
    number, the default."""
    missing = [c for c in contacts if not c.timezone_source]
    if not missing:
        return
    client_ids = {c.client_id for c in missing if c.client_id is not None}
    addresses: dict[int, str] = {}
    if client_ids:
        found = await session.execute(
            select(Client.id, Client.postal_address, Client.legal_address).where(
                Client.id.in_(client_ids)
            )
        )
        addresses = {i: postal or legal for i, postal, legal in found}
    for contact in missing:
        address = addresses.get(contact.client_id, "") if contact.client_id else ""
        zones, source = windows.contact_zones(address, contact.e164, default_zone)
        contact.timezone, contact.timezone_source = windows.stored_timezone(zones), source
