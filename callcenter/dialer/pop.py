"""The campaign part of a screen-pop: which campaign a call belongs to, its contact, the
script, and the dispositions the wrap-up offers.

A dialer call is found by its linkedid: the Originate's ChannelId is the attempt's ActionID
(so the call's linkedid is the ``action_id``), and the dialer stores the linkedid it saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.dialer.wrapup import Disposition, dispositions_of


@dataclass
class CampaignPop:
    campaign: Campaign
    attempt: CampaignAttempt
    contact: CampaignContact
    dispositions: list[Disposition] = field(default_factory=list)

    @property
    def refusal_reasons(self) -> list[str]:
        return [str(r) for r in self.campaign.refusal_reasons or []]

    @property
    def has_refusals(self) -> bool:
        return any(d.kind == "refusal" for d in self.dispositions)

    @property
    def has_callbacks(self) -> bool:
        return any(d.kind == "callback" for d in self.dispositions)


async def campaign_pop(session: AsyncSession, attempt_id: int) -> CampaignPop | None:
    """The campaign part of the pop of this attempt's call (the pop's statement finds the
    attempt by the call's linkedid)."""
    found = await session.execute(
        select(CampaignAttempt, Campaign, CampaignContact)
        .join(Campaign, Campaign.id == CampaignAttempt.campaign_id)
        .join(CampaignContact, CampaignContact.id == CampaignAttempt.contact_id)
        .where(CampaignAttempt.id == attempt_id)
    )
    row = found.first()
    if row is None:
        return None
    attempt, campaign, contact = row
    return CampaignPop(campaign, attempt, contact, dispositions_of(campaign))
