"""What an operator does in a campaign: take the next contact, dial or skip it, and record
the call's disposition.

A preview contact is HELD by the agent who sees it: ``dialing`` with ``agent_id`` set and no
attempt yet, so neither another agent nor the dialer gets it; a hold left alone for
``PREVIEW_HOLD`` goes back to the list. Dialing inserts the attempt (ActionID
``crm-dial-p-…``, also the call's linkedid) and queues the Originate as click-to-call does:
the agent's phone first, then the customer. The dialer's ``record_outcome`` writes the
attempt's outcome from the PBX's events; the agent writes its disposition.

Who works a campaign: the users it names in ``agent_ids``, and the agents logged into its
queue on the PBX (the floor board).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.dialer.card import Preview, preview_of
from callcenter.dialer.membership import worked_campaign, worked_campaigns, works_on
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.dialer.preview_rules import (
    REASONS,
    dial_refusal,
    hold_time_zone,
    window_open,
    zones_of_contacts,
)
from callcenter.dialer.wrapup import set_disposition
from callcenter.errors import Conflict, Invalid, NotFound
from callcenter.floor.dialplan import DialPlan
from callcenter.floor.models import PbxCommand
from callcenter.floor.placing import place_once
from callcenter.floor.service import command_of_key, queue_command
from callcenter.i18n import N_
from callcenter.users.exceptions import require_extension
from callcenter.users.models import User

PREVIEW_PREFIX = "crm-dial-p-"  # a preview dial: the Originate's ActionID and ChannelId
SKIP_PREFIX = "crm-skip-"  # a skipped contact's attempt: nothing was sent to the PBX
PREVIEW_HOLD = timedelta(minutes=15)  # a card nobody acts on goes back to the list
SKIP_AGAIN_AFTER = timedelta(minutes=30)  # a skipped contact is offered again after this
CANDIDATES = 50  # due contacts looked at for one whose call window is open

__all__ = [
    "Preview",
    "dial_preview",
    "next_preview",
    "set_disposition",
    "skip_preview",
    "worked_campaign",
    "worked_campaigns",
    "works_on",
]


@dataclass
class PreviewDial:
    """What pressing Dial did: an attempt and its Originate, or the contact excluded."""

    attempt: CampaignAttempt | None = None
    command: PbxCommand | None = None
    excluded: str = ""  # preview_rules reason code when the number may not be dialed

    @property
    def excluded_message(self) -> str:
        return REASONS.get(self.excluded, "")


# -- preview: the next contact -------------------------------------------------------------


async def next_preview(
    session: AsyncSession,
    *,
    campaign_id: int,
    user: User,
    now: datetime | None = None,
    default_zone: str = "Europe/Moscow",
) -> Preview | None:
    """The contact the agent holds in this campaign, or the next due one, now held for them.
    None when no contact may be called now."""
    now = now or utcnow()
    campaign = await worked_campaign(session, campaign_id=campaign_id, user=user)
    if campaign.mode != "preview":
        raise Invalid(N_("This campaign dials by itself: its calls come to you"))
    held = await _held(session, campaign.id, user)
    if held is None:
        if campaign.state != "running":
            raise Conflict(N_("The campaign is not running"))
        await _release_stale_holds(session, campaign.id, now)
        held = await _reserve(session, campaign, user, now, default_zone)
    return await preview_of(session, campaign, held) if held else None


async def _held(session: AsyncSession, campaign_id: int, user: User) -> CampaignContact | None:
    return await session.scalar(
        select(CampaignContact)
        .where(
            CampaignContact.campaign_id == campaign_id,
            CampaignContact.state == "dialing",
            CampaignContact.agent_id == user.id,
        )
        .order_by(CampaignContact.id)
        .limit(1)
    )


async def _release_stale_holds(session: AsyncSession, campaign_id: int, now: datetime) -> None:
    in_flight = select(CampaignAttempt.id).where(
        CampaignAttempt.contact_id == CampaignContact.id, CampaignAttempt.outcome == ""
    )
    await session.execute(
        update(CampaignContact)
        .where(
            CampaignContact.campaign_id == campaign_id,
            CampaignContact.state == "dialing",
            CampaignContact.agent_id.is_not(None),
            CampaignContact.updated_at < now - PREVIEW_HOLD,
            ~in_flight.exists(),
        )
        .values(  # pending if never dialed, else waiting for its retry
            state=case((CampaignContact.attempts > 0, "retry"), else_="pending"),
            agent_id=None,
            updated_at=now,
        )
    )


async def _reserve(
    session: AsyncSession, campaign: Campaign, user: User, now: datetime, default_zone: str
) -> CampaignContact | None:
    """Hold the first due contact whose window is open: the agent's own callbacks first,
    then retries by their time, then contacts never dialed, in list order. Candidates are
    read unlocked and locked one by one (``SKIP LOCKED``), so agents asking at once each
    get their own contact and nobody waits."""
    due = (
        CampaignContact.campaign_id == campaign.id,
        CampaignContact.state.in_(("pending", "retry")),
        CampaignContact.next_at.is_(None) | (CampaignContact.next_at <= now),
    )
    mine = case((CampaignContact.agent_id == user.id, 0), else_=1)
    candidates = list(
        await session.scalars(
            select(CampaignContact)
            .where(*due)
            .order_by(mine, CampaignContact.next_at.asc().nulls_last(), CampaignContact.id)
            .limit(CANDIDATES)
        )
    )
    zones = await zones_of_contacts(session, candidates, default_zone)
    for candidate in candidates:
        if not window_open(campaign, now, zones[candidate.id]):
            continue
        contact_id = candidate.id
        contact = await session.scalar(
            select(CampaignContact)
            .where(CampaignContact.id == contact_id, *due)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if contact is None:  # another agent took it meanwhile
            continue
        refusal = await dial_refusal(session, campaign, contact.e164)
        if refusal:
            contact.state, contact.last_outcome, contact.updated_at = "excluded", refusal, now
            continue
        await hold_time_zone(session, contact, default_zone)
        contact.state, contact.agent_id, contact.updated_at = "dialing", user.id, now
        await session.flush()
        return contact
    await session.flush()
    return None


# -- preview: dial or skip -----------------------------------------------------------------


async def _locked_contact(session: AsyncSession, contact_id: int) -> CampaignContact:
    """The contact, locked: two presses of Dial (or Dial and Skip) take turns on it."""
    contact = await session.scalar(
        select(CampaignContact)
        .where(CampaignContact.id == contact_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if contact is None:
        raise NotFound(N_("No such contact"))
    return contact


async def _held_for_action(session: AsyncSession, contact_id: int, user: User) -> CampaignContact:
    contact = await _locked_contact(session, contact_id)
    return await _check_held(session, contact, user)


async def _check_held(
    session: AsyncSession, contact: CampaignContact, user: User
) -> CampaignContact:
    if contact.state != "dialing" or contact.agent_id != user.id:
        raise Conflict(N_("This contact is not held for you any more: take the next one"))
    in_flight = await session.scalar(
        select(CampaignAttempt.id).where(
            CampaignAttempt.contact_id == contact.id, CampaignAttempt.outcome == ""
        )
    )
    if in_flight is not None:
        raise Conflict(N_("This contact is being dialed now"))
    return contact


async def _dial_of_key(
    session: AsyncSession, key: str, user: User, contact_id: int
) -> PreviewDial | None:
    command = await command_of_key(session, key, user=user)
    if command is None:
        return None
    attempt = await session.scalar(
        select(CampaignAttempt).where(CampaignAttempt.action_id == command.linkedid)
    )
    if attempt is None or attempt.contact_id != contact_id:
        raise Conflict(N_("This request key was used to call another number"))
    return PreviewDial(attempt=attempt, command=command)


async def dial_preview(
    session: AsyncSession,
    *,
    contact_id: int,
    user: User,
    plan: DialPlan,
    key: str | None = None,
    now: datetime | None = None,
    default_zone: str = "Europe/Moscow",
) -> PreviewDial:
    """Dial the held contact: the agent's phone rings, then the customer's. Idempotent by
    ``key`` (looked up once the contact is locked, so a duplicate racing the first press
    finds its dial); one call at a time per agent (``placing``); a number that may not be
    dialed excludes the contact instead (no call)."""
    now = now or utcnow()
    require_extension(user)
    contact = await _locked_contact(session, contact_id)
    if key and (done := await _dial_of_key(session, key, user, contact_id)) is not None:
        return done
    await _check_held(session, contact, user)
    campaign = await worked_campaign(session, campaign_id=contact.campaign_id, user=user)
    if campaign.state != "running":
        raise Conflict(N_("The campaign is not running"))
    await hold_time_zone(session, contact, default_zone)
    zones = await zones_of_contacts(session, [contact], default_zone)
    if not window_open(campaign, now, zones[contact.id]):
        raise Conflict(N_("It is outside the call window in the contact's time zone"))
    refusal = await dial_refusal(session, campaign, contact.e164)
    if refusal:
        contact.state, contact.last_outcome, contact.updated_at = "excluded", refusal, now
        contact.agent_id = None
        await session.flush()
        return PreviewDial(excluded=refusal)

    async def place() -> PreviewDial:
        return await _place(session, campaign, contact, user, plan, key, now)

    async def replay() -> PreviewDial | None:
        return await _dial_of_key(session, key, user, contact_id) if key else None

    return await place_once(session, user_id=user.id, place=place, replay=replay)


async def _place(
    session: AsyncSession,
    campaign: Campaign,
    contact: CampaignContact,
    user: User,
    plan: DialPlan,
    key: str | None,
    now: datetime,
) -> PreviewDial:
    """The attempt and its Originate command (the agent's phone first)."""
    assert user.extension
    action_id = f"{PREVIEW_PREFIX}{uuid.uuid4().hex}"
    attempt = CampaignAttempt(
        campaign_id=campaign.id,
        contact_id=contact.id,
        action_id=action_id,
        number=contact.e164,
        started_at=now,
        linkedid=action_id,
        agent_id=user.id,
        agent_interface=plan.member_interface(user.extension),
    )
    session.add(attempt)
    contact.attempts, contact.updated_at = contact.attempts + 1, now
    await session.flush()
    command = await queue_command(
        session,
        kind="originate",
        payload=_originate(plan, user.extension, campaign, contact, attempt),
        user=user,
        key=key,
        linkedid=action_id,
        pbx=plan.pbx,
    )
    return PreviewDial(attempt=attempt, command=command)


def _originate(
    plan: DialPlan,
    extension: str,
    campaign: Campaign,
    contact: CampaignContact,
    attempt: CampaignAttempt,
) -> dict:
    return {
        "channel": plan.agent_channel(extension),
        "context": plan.outbound_context,
        "exten": plan.dial_number(contact.e164),
        "number": contact.e164,
        "caller_id": campaign.caller_id or plan.caller_id,
        "extension": extension,
        "variables": {
            "CRM_CAMPAIGN": str(campaign.id),
            "CRM_CONTACT": str(contact.id),
            "CRM_ATTEMPT": str(attempt.id),
        },
    }


async def skip_preview(
    session: AsyncSession, *, contact_id: int, user: User, now: datetime | None = None
) -> CampaignAttempt:
    """Give the held contact back undialed: a ``skipped`` attempt on record, the contact
    offered again later (its dial count unchanged)."""
    now = now or utcnow()
    contact = await _held_for_action(session, contact_id, user)
    await worked_campaign(session, campaign_id=contact.campaign_id, user=user)
    attempt = CampaignAttempt(
        campaign_id=contact.campaign_id,
        contact_id=contact.id,
        action_id=f"{SKIP_PREFIX}{uuid.uuid4().hex}",
        number=contact.e164,
        started_at=now,
        ended_at=now,
        outcome="skipped",
        agent_id=user.id,
    )
    session.add(attempt)
    contact.state = "retry" if contact.attempts > 0 else "pending"
    contact.agent_id, contact.last_outcome = None, "skipped"
    contact.next_at, contact.updated_at = now + SKIP_AGAIN_AFTER, now
    await session.flush()
    return attempt
