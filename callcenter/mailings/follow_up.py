"""One click turns a mailing's interested recipients into an outbound call campaign: those who
clicked but did not buy (no order, cancelled ones aside, since their first click), or those
who opened but did not click. The campaign is a draft on the chosen queue, with the clients as
contacts (a client with no phone is left out and counted); nobody to call is refused, and a
second click gives the first click's campaign (the mailing's row is locked, and the database
keeps one campaign per mailing and kind)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer.campaign_input import CampaignInput, DispositionInput
from callcenter.dialer.campaigns import create_campaign, get_campaign
from callcenter.dialer.contacts import add_contacts, from_client_ids
from callcenter.dialer.models import Campaign
from callcenter.errors import Conflict, NotFound
from callcenter.i18n import N_, translations
from callcenter.mailings.models import FollowUp, MailingRecipient
from callcenter.mailings.service import get_mailing
from callcenter.orders.models import Order, OrderStatus
from callcenter.users.models import User

FOLLOW_UPS = {
    "clicked_no_order": N_("Clicked but did not buy"),
    "opened_no_click": N_("Opened but did not click"),
}
DISPOSITIONS = (
    ("sale", N_("Sale"), "success"),
    ("not_interested", N_("Not interested"), "refusal"),
    ("call_later", N_("Call later"), "callback"),
)
REFUSALS = (N_("Too expensive"), N_("Bought elsewhere"), N_("Not now"))


@dataclass(frozen=True)
class FollowUpMade:
    campaign: Campaign
    created: bool  # False: an earlier click made it
    added: int = 0  # contacts
    without_phone: int = 0


def _chosen(mailing_id: int, kind: str) -> Select[int | None]:
    row = MailingRecipient
    chosen = select(row.client_id).where(row.mailing_id == mailing_id, row.client_id.is_not(None))
    if kind == "opened_no_click":
        return chosen.where(row.first_opened_at.is_not(None), row.first_clicked_at.is_(None))
    cancelled = select(OrderStatus.id).where(OrderStatus.kind == "cancel")
    bought = (
        select(Order.id)
        .where(
            Order.client_id == row.client_id,
            Order.created_at >= row.first_clicked_at,
            Order.status_id.not_in(cancelled),
        )
        .exists()
    )
    return chosen.where(row.first_clicked_at.is_not(None), ~bought)


async def follow_up_clients(session: AsyncSession, mailing_id: int, kind: str) -> list[int]:
    if kind not in FOLLOW_UPS:
        raise NotFound(N_("No such list of recipients"))
    rows = await session.scalars(_chosen(mailing_id, kind).order_by(MailingRecipient.id))
    return [client_id for client_id in rows if client_id is not None]


def _campaign_input(
    name: str, kind: str, queue: str, advertising: bool, language: str
) -> CampaignInput:
    words = translations(language).gettext
    return CampaignInput(
        name=f"{name}: {words(FOLLOW_UPS[kind])}"[:200],
        queue=queue,
        advertising=advertising,
        refusal_reasons="\n".join(words(reason) for reason in REFUSALS),
        dispositions=[DispositionInput(code, words(label), k) for code, label, k in DISPOSITIONS],
    )


async def create_follow_up(
    session: AsyncSession, *, mailing_id: int, kind: str, queue: str, actor: User, region: str
) -> FollowUpMade:
    mailing = await get_mailing(session, mailing_id, actor=actor, for_update=True)
    if kind not in FOLLOW_UPS:
        raise NotFound(N_("No such list of recipients"))
    earlier = await session.scalar(
        select(FollowUp.campaign_id).where(FollowUp.mailing_id == mailing.id, FollowUp.kind == kind)
    )
    if earlier is not None:
        return FollowUpMade(await get_campaign(session, earlier, actor=actor), created=False)
    client_ids = await follow_up_clients(session, mailing.id, kind)
    if not client_ids:
        raise Conflict(N_("Nobody in the mailing fits: there is nobody to call"))
    data = _campaign_input(mailing.name, kind, queue, mailing.kind == "advertising", actor.language)
    campaign = await create_campaign(session, data=data, actor=actor, region=region)
    found, bad = await from_client_ids(session, client_ids, actor=actor)
    if not found:
        raise Conflict(N_("None of them has a phone number: there is nobody to call"))
    report = await add_contacts(
        session, campaign=campaign, found=found, bad=bad, actor=actor, skip_bad=True
    )
    session.add(FollowUp(mailing_id=mailing.id, kind=kind, campaign_id=campaign.id))
    await session.flush()
    return FollowUpMade(campaign, created=True, added=report.added, without_phone=len(bad))
