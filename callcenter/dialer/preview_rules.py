"""What a preview contact is checked against before an agent sees or dials it: the engine's
own rules (``eligibility`` and ``windows``), so a dial the agent starts obeys exactly what
an automatic one does.

The law's checks, right before every dial: the global do-not-call list, the campaign's own,
and for advertising campaigns the contact's recorded, not withdrawn consent. And the call
window: the campaign's dates, weekdays and hours in the CONTACT's local time (from the
client's address, else every zone its number may be in: all of them must be in the window).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client
from callcenter.dialer import eligibility, windows
from callcenter.dialer.claims import fill_time_zones
from callcenter.dialer.eligibility import CAMPAIGN_DNC, DNC, NO_CONSENT
from callcenter.dialer.models import Campaign, CampaignContact
from callcenter.i18n import N_

# the reasons an excluded contact carries in ``last_outcome`` (short codes, shown translated)
REASONS = {
    DNC: N_("the number is on the do-not-call list"),
    CAMPAIGN_DNC: N_("the number is on this campaign's do-not-call list"),
    NO_CONSENT: N_("no recorded consent to advertising calls"),
}


async def dial_refusal(session: AsyncSession, campaign: Campaign, e164: str) -> str:
    """Why this number must not be dialed for this campaign ("" when it may be)."""
    found = await eligibility.refusal(
        session, campaign_id=campaign.id, advertising=campaign.advertising, e164=e164
    )
    return found or ""


async def zones_of_contacts(
    session: AsyncSession, contacts: list[CampaignContact], default_zone: str
) -> dict[int, tuple[str, ...]]:
    """Every zone each contact may be in, without writing (the rows are not locked yet):
    the stored zone, else the client's address, else the number, else the default."""
    missing = {
        c.client_id for c in contacts if not (c.timezone_source or c.timezone) and c.client_id
    }
    addresses: dict[int, str] = {}
    if missing:
        rows = await session.execute(
            select(Client.id, Client.postal_address, Client.legal_address).where(
                Client.id.in_(missing)
            )
        )
        addresses = {i: postal or legal for i, postal, legal in rows}
    zones = {}
    for c in contacts:
        if c.timezone_source or c.timezone:
            zones[c.id] = windows.zones_of(c.timezone, c.timezone_source, c.e164, default_zone)
        else:
            address = addresses.get(c.client_id, "") if c.client_id else ""
            zones[c.id] = windows.contact_zones(address, c.e164, default_zone)[0]
    return zones


def window_open(campaign: Campaign, now: datetime, zones: tuple[str, ...]) -> bool:
    """Whether the campaign may call now in every zone the contact may be in."""
    return windows.open_now(windows.Schedule.of(campaign), zones, now)


async def hold_time_zone(
    session: AsyncSession, contact: CampaignContact, default_zone: str
) -> None:
    """Store the zone on a contact this transaction holds, as the engine does."""
    await fill_time_zones(session, [contact], default_zone)
