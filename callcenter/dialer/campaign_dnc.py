"""A campaign's own do-not-call list: numbers this campaign must not dial (a contact asked
this seller's campaign to stop, a partner's clients...). The global list is ``/dnc``; the
dialer checks both right before every dial."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.dialer.models import Campaign, CampaignDoNotCall
from callcenter.errors import Conflict, Invalid, NotFound
from callcenter.i18n import N_
from callcenter.phones import PhoneError, parse_phone
from callcenter.users.models import User

REASON_MAX = 200


async def list_campaign_dnc(session: AsyncSession, campaign_id: int) -> list[CampaignDoNotCall]:
    rows = await session.scalars(
        select(CampaignDoNotCall)
        .where(CampaignDoNotCall.campaign_id == campaign_id)
        .order_by(CampaignDoNotCall.created_at.desc(), CampaignDoNotCall.id.desc())
    )
    return list(rows)


async def add_campaign_dnc(
    session: AsyncSession,
    *,
    campaign: Campaign,
    number: str,
    reason: str,
    actor: User,
    region: str,
) -> CampaignDoNotCall:
    errors: dict[str, str] = {}
    try:
        e164 = parse_phone(number, region).e164
    except PhoneError as exc:
        errors["number"] = str(exc)
    if len(reason.strip()) > REASON_MAX:
        errors["reason"] = N_("A reason is up to 200 characters")
    if errors:
        raise Invalid(N_("Please correct the marked fields"), fields=errors)
    taken = await session.scalar(
        select(CampaignDoNotCall.id).where(
            CampaignDoNotCall.campaign_id == campaign.id, CampaignDoNotCall.e164 == e164
        )
    )
    if taken is not None:
        message = N_("This number is already on the campaign's do-not-call list")
        raise Conflict(message, fields={"number": message})
    entry = CampaignDoNotCall(campaign_id=campaign.id, e164=e164, reason=reason.strip())
    session.add(entry)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="campaign",
        entity_id=campaign.id,
        action="dnc_add",
        changes={"do_not_call": [None, f"{e164} {entry.reason}".strip()]},
    )
    return entry


async def remove_campaign_dnc(
    session: AsyncSession, *, campaign: Campaign, entry_id: int, actor: User
) -> None:
    entry = await session.get(CampaignDoNotCall, entry_id)
    if entry is None or entry.campaign_id != campaign.id:
        raise NotFound(N_("No such number on the campaign's list"))
    await session.delete(entry)
    await record_change(
        session,
        actor=actor,
        entity="campaign",
        entity_id=campaign.id,
        action="dnc_remove",
        changes={"do_not_call": [entry.e164, None]},
    )
    await session.flush()
