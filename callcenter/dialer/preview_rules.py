"""What a preview contact is checked against before an agent sees or dials it.

The law's checks, right before every dial: the global do-not-call list, the campaign's own,
and for advertising campaigns the contact's recorded, not withdrawn consent. And the call
window: the campaign's dates, weekdays and hours in the CONTACT's local time (its known time
zone, else every zone its number may be in: all of them must be inside the window).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_zones
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer.models import Campaign, CampaignDoNotCall, Consent
from callcenter.floor.models import DoNotCall
from callcenter.i18n import N_

# the reasons an excluded contact carries in ``last_outcome`` (short codes, shown translated)
DNC = "dnc"
CAMPAIGN_DNC = "campaign_dnc"
NO_CONSENT = "no_consent"
REASONS = {
    DNC: N_("the number is on the do-not-call list"),
    CAMPAIGN_DNC: N_("the number is on this campaign's do-not-call list"),
    NO_CONSENT: N_("no recorded consent to advertising calls"),
}


async def dial_refusal(session: AsyncSession, campaign: Campaign, e164: str) -> str:
    """Why this number must not be dialed for this campaign ("" when it may be)."""
    if await session.scalar(select(DoNotCall.id).where(DoNotCall.e164 == e164)):
        return DNC
    own = select(CampaignDoNotCall.id).where(
        CampaignDoNotCall.campaign_id == campaign.id, CampaignDoNotCall.e164 == e164
    )
    if await session.scalar(own):
        return CAMPAIGN_DNC
    if campaign.advertising:
        consent = select(Consent.id).where(Consent.e164 == e164, Consent.withdrawn_at.is_(None))
        if await session.scalar(consent.limit(1)) is None:
            return NO_CONSENT
    return ""


def contact_zones(e164: str, timezone: str = "") -> list[ZoneInfo]:
    """The contact's time zone if known, else every zone its number may be in."""
    names = [timezone] if timezone else []
    if not names:
        try:
            number = phonenumbers.parse(e164, None)
        except phonenumbers.NumberParseException:
            return []
        names = [z for z in number_zones.time_zones_for_number(number) if z != "Etc/Unknown"]
    zones = []
    for name in names:
        try:
            zones.append(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return zones


def window_open(campaign: Campaign, now: datetime, *, e164: str, timezone: str = "") -> bool:
    """Whether the campaign may call this contact now, in every zone the contact may be in
    (``timezone`` when known). A number with no zone at all is judged in UTC."""
    zones = contact_zones(e164, timezone) or [ZoneInfo("UTC")]
    return all(_open_in(campaign, now.astimezone(zone)) for zone in zones)


def _open_in(campaign: Campaign, local: datetime) -> bool:
    day = local.date()
    if campaign.starts_on and day < campaign.starts_on:
        return False
    if campaign.ends_on and day > campaign.ends_on:
        return False
    if campaign.weekdays and local.isoweekday() not in campaign.weekdays:
        return False
    start, end, clock = campaign.window_from, campaign.window_to, local.time()
    if start <= end:
        return start <= clock < end
    return clock >= start or clock < end  # a window across midnight
