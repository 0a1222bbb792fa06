"""The card an agent sees for the contact they hold: the campaign and its script, the
contact, its client's card, the dial in progress and the earlier attempts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from callcenter.clients.models import Client
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact


@dataclass
class Preview:
    """The contact an agent holds, with what the card shows."""

    campaign: Campaign
    contact: CampaignContact
    client: Client | None
    attempt: CampaignAttempt | None = None  # the latest dial of this hold, if any
    history: list[CampaignAttempt] = field(default_factory=list)  # earlier ones, newest first


async def preview_of(
    session: AsyncSession, campaign: Campaign, contact: CampaignContact
) -> Preview:
    client = None
    if contact.client_id is not None:
        client = await session.scalar(
            select(Client)
            .where(Client.id == contact.client_id)
            .options(
                joinedload(Client.company),
                joinedload(Client.owner),
                selectinload(Client.tags),
                selectinload(Client.phones),
            )
        )
    attempts = list(
        await session.scalars(
            select(CampaignAttempt)
            .where(CampaignAttempt.contact_id == contact.id)
            .order_by(CampaignAttempt.started_at.desc(), CampaignAttempt.id.desc())
        )
    )
    latest = next((a for a in attempts if _of_this_hold(a, contact)), None)
    history = [a for a in attempts if a is not latest]
    return Preview(campaign, contact, client, latest, history)


def _of_this_hold(attempt: CampaignAttempt, contact: CampaignContact) -> bool:
    """The agent's dial of the contact they hold: in flight, or answered and awaiting its
    disposition (a dispositioned or unanswered call has let the contact go already)."""
    return (
        attempt.agent_id == contact.agent_id
        and not attempt.disposition
        and attempt.outcome in ("", "answered")
    )
