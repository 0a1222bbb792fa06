"""May this number be dialed for this campaign? Checked right before EVERY dial.

A number is refused when it is on the global do-not-call list (``dnc``), on the campaign's
own list (``campaign_dnc``), or, for an advertising campaign, when no consent of the
contact is on record or every one was withdrawn (``no_consent``). A refused contact is
``excluded`` with the reason in ``last_outcome`` and is never dialed.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer.models import CampaignContact, CampaignDoNotCall, Consent
from callcenter.floor.models import DoNotCall

DNC, CAMPAIGN_DNC, NO_CONSENT = "dnc", "campaign_dnc", "no_consent"


async def refusals(
    session: AsyncSession,
    *,
    campaign_id: int,
    advertising: bool,
    numbers: Collection[str],
    at: datetime | None = None,
) -> dict[str, str]:
    """The numbers that may not be dialed now, with the reason (three queries at most)."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    refused: dict[str, str] = {}
    if advertising:
        moment = at or datetime.now(UTC)
        consented = set(
            await session.scalars(
                select(Consent.e164).where(
                    Consent.channel == "call",
                    Consent.e164.in_(wanted),
                    Consent.withdrawn_at.is_(None),
                    Consent.given_at <= moment,
                )
            )
        )
        refused |= {n: NO_CONSENT for n in wanted if n not in consented}
    listed = await session.scalars(
        select(CampaignDoNotCall.e164).where(
            CampaignDoNotCall.campaign_id == campaign_id, CampaignDoNotCall.e164.in_(wanted)
        )
    )
    refused |= dict.fromkeys(listed, CAMPAIGN_DNC)
    banned = await session.scalars(select(DoNotCall.e164).where(DoNotCall.e164.in_(wanted)))
    refused |= dict.fromkeys(banned, DNC)
    return refused


async def refusal(
    session: AsyncSession, *, campaign_id: int, advertising: bool, e164: str
) -> str | None:
    """Why this one number may not be dialed now, or None when it may."""
    found = await refusals(
        session, campaign_id=campaign_id, advertising=advertising, numbers=[e164]
    )
    return found.get(e164)


async def exclude(session: AsyncSession, *, contact_id: int, reason: str) -> None:
    """Take a contact out of the campaign for good: ``excluded`` with the reason."""
    await session.execute(
        update(CampaignContact)
        .where(CampaignContact.id == contact_id)
        .values(
            state="excluded",
            last_outcome=reason,
            next_at=None,
            updated_at=datetime.now(UTC),
        )
    )
