"""Campaigns as managers keep them: create, edit, start, pause, resume, stop.

A running campaign is read by the dialer every second; the dialer never changes a campaign's
state except running -> finished. Every change goes to the audit trail and tells open pages
(a ``campaign`` live frame carrying only the id) to fetch the figures again.

A manager kept to their own clients sees and runs the campaigns they made; supervisors,
admins and managers given all clients see every campaign.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import diff, record_change
from callcenter.db import utcnow
from callcenter.dialer.campaign_input import (
    CampaignInput,
    CampaignInvalid,
    CleanCampaign,
    DispositionInput,
    RetryInput,
    default_retry,
    validate_campaign,
)
from callcenter.dialer.models import Campaign, CampaignContact
from callcenter.errors import Conflict, Forbidden, NotFound
from callcenter.floor.models import QueueRow
from callcenter.i18n import N_
from callcenter.live import LiveKind, notify
from callcenter.users.models import User
from callcenter.users.roles import Permission
from callcenter.webhooks.service import enqueue

LEFT_STATES = ("pending", "retry", "dialing")  # a contact the campaign still has to finish
EDITABLE_STATES = ("draft", "running", "paused")
# action: (the states it starts from, the state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "start": (("draft", "paused"), "running"),
    "resume": (("paused",), "running"),
    "pause": (("running",), "paused"),
    "stop": (("draft", "running", "paused"), "stopped"),
}


class AlreadyInState(Conflict):
    """The campaign is where the move leads already: a repeated click (the first moved it)."""


def visible_campaigns(actor: User) -> ColumnElement[bool]:
    if actor.sees_every_client:
        return true()
    return Campaign.created_by_id == actor.id


async def get_campaign(
    session: AsyncSession, campaign_id: int, *, actor: User, for_update: bool = False
) -> Campaign:
    if not actor.can(Permission.CAMPAIGNS_VIEW):
        raise Forbidden(N_("You may not see campaigns"))
    stmt = select(Campaign).where(Campaign.id == campaign_id)
    campaign = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if campaign is None:
        raise NotFound(N_("No such campaign"))
    if not await session.scalar(select(visible_campaigns(actor)).where(Campaign.id == campaign_id)):
        raise Forbidden(N_("This campaign is another manager's"))
    return campaign


async def list_campaigns(session: AsyncSession, *, actor: User, state: str = "") -> list[Campaign]:
    if not actor.can(Permission.CAMPAIGNS_VIEW):
        raise Forbidden(N_("You may not see campaigns"))
    stmt = select(Campaign).where(visible_campaigns(actor))
    if state:
        stmt = stmt.where(Campaign.state == state)
    stmt = stmt.order_by(Campaign.created_at.desc(), Campaign.id.desc())
    return list(await session.scalars(stmt))


def _plain(value: Any) -> Any:
    """A value as the audit trail stores it (JSON)."""
    if isinstance(value, date | time | Decimal):
        return str(value)
    return value


def snapshot(campaign: Campaign) -> dict[str, Any]:
    names = CleanCampaign.__dataclass_fields__
    return {name: _plain(getattr(campaign, name)) for name in names}


async def _check_links(session: AsyncSession, clean: CleanCampaign, pbx: str) -> None:
    errors: dict[str, str] = {}
    if clean.queue:
        query = select(QueueRow.id).where(QueueRow.name == clean.queue).limit(1)
        if pbx != "default":  # "default": the installation's one PBX, whatever its name
            query = query.where(QueueRow.pbx == pbx)
        found = await session.scalar(query)
        if found is None:
            errors["queue"] = N_("The PBX has no such queue")
    if clean.agent_ids:
        agents = await session.scalars(
            select(User.id).where(
                User.id.in_(clean.agent_ids), User.active, User.extension.is_not(None)
            )
        )
        if set(agents) != set(clean.agent_ids):
            errors["agent_ids"] = N_("Agents are active users with an extension")
    if errors:
        raise CampaignInvalid(N_("Please correct the marked fields"), fields=errors)


def _check_manage(actor: User) -> None:
    if not actor.can(Permission.CAMPAIGNS_MANAGE):
        raise Forbidden(N_("You may not run campaigns"))


async def create_campaign(
    session: AsyncSession, *, data: CampaignInput, actor: User, region: str
) -> Campaign:
    _check_manage(actor)
    clean = validate_campaign(data, region=region)
    await _check_links(session, clean, "default")
    campaign = Campaign(**clean.values(), state="draft", created_by_id=actor.id)
    session.add(campaign)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="campaign",
        entity_id=campaign.id,
        action="create",
        changes=diff({}, snapshot(campaign)),
    )
    return campaign


async def update_campaign(
    session: AsyncSession, *, campaign_id: int, data: CampaignInput, actor: User, region: str
) -> Campaign:
    """Any field while the campaign is a draft, running or paused; the mode not while it
    runs (pause it first), since the dialer paces by it."""
    _check_manage(actor)
    campaign = await get_campaign(session, campaign_id, actor=actor, for_update=True)
    if campaign.state not in EDITABLE_STATES:
        raise Conflict(N_("A stopped or finished campaign is not edited"))
    clean = validate_campaign(data, region=region)
    if campaign.state == "running" and clean.mode != campaign.mode:
        message = N_("Pause the campaign to change its mode")
        raise CampaignInvalid(message, fields={"mode": message})
    await _check_links(session, clean, campaign.pbx)
    before = snapshot(campaign)
    for name, value in clean.values().items():
        setattr(campaign, name, value)
    changes = diff(before, snapshot(campaign))
    if changes:
        await record_change(
            session,
            actor=actor,
            entity="campaign",
            entity_id=campaign.id,
            action="update",
            changes=changes,
        )
        await tell_pages(session, campaign.id)
    await session.flush()
    return campaign


async def contacts_left(session: AsyncSession, campaign_id: int) -> int:
    return (
        await session.scalar(
            select(func.count()).where(
                CampaignContact.campaign_id == campaign_id,
                CampaignContact.state.in_(LEFT_STATES),
            )
        )
        or 0
    )


async def change_state(
    session: AsyncSession, *, campaign_id: int, action: str, actor: User
) -> Campaign:
    """start (a draft or a paused one), resume, pause, stop; a refused move is a Conflict."""
    _check_manage(actor)
    if action not in TRANSITIONS:
        raise NotFound(N_("No such action"))
    campaign = await get_campaign(session, campaign_id, actor=actor, for_update=True)
    sources, target = TRANSITIONS[action]
    if campaign.state not in sources:  # read under the row's lock: two starts, one start
        refused = AlreadyInState if campaign.state == target else Conflict
        raise refused(_refusal(action, campaign.state))
    if target == "running":
        if not await contacts_left(session, campaign.id):
            raise Conflict(N_("The campaign has no contacts left to call: add some first"))
        campaign.started_at = campaign.started_at or utcnow()
    if target == "stopped":
        campaign.stopped_at = utcnow()
    before = campaign.state
    campaign.state = target
    await record_change(
        session,
        actor=actor,
        entity="campaign",
        entity_id=campaign.id,
        action=action,
        changes={"state": [before, target]},
    )
    await tell_pages(session, campaign.id)
    await session.flush()
    if target == "stopped":
        await enqueue(session, "campaign.finished", f"campaign:{campaign.id}", finished(campaign))
    return campaign


def finished(campaign: Campaign) -> dict[str, Any]:
    """What ``campaign.finished`` tells: the campaign and how it ended (stopped by a manager
    or finished, every contact done)."""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "state": campaign.state,
        "started_at": campaign.started_at,
        "stopped_at": campaign.stopped_at,
    }


def _refusal(action: str, state: str) -> str:
    if state in ("stopped", "finished"):
        return N_("The campaign is over: a stopped or finished campaign does not run again")
    if action in ("start", "resume") and state == "running":
        return N_("The campaign is running already")
    if action == "pause":
        return N_("Only a running campaign can be paused")
    return N_("Only a paused campaign can be resumed")


async def tell_pages(session: AsyncSession, campaign_id: int) -> None:
    """Open campaign pages fetch the figures again (delivered at commit)."""
    await notify(session, LiveKind.CAMPAIGN, id=campaign_id, event_at=utcnow().isoformat())


def to_input(campaign: Campaign) -> CampaignInput:
    rules = default_retry()
    for outcome, rule in (campaign.retry_rules or {}).items():
        rules[outcome] = RetryInput(str(rule.get("after_minutes", "")), str(rule.get("max", "")))
    return CampaignInput(
        name=campaign.name,
        mode=campaign.mode,
        queue=campaign.queue,
        agent_ids=list(campaign.agent_ids or []),
        caller_id=campaign.caller_id,
        script=campaign.script,
        dispositions=[
            DispositionInput(d.get("code", ""), d.get("label", ""), d.get("kind", "other"))
            for d in campaign.dispositions or []
        ],
        refusal_reasons="\n".join(campaign.refusal_reasons or []),
        advertising=campaign.advertising,
        starts_on=campaign.starts_on.isoformat() if campaign.starts_on else "",
        ends_on=campaign.ends_on.isoformat() if campaign.ends_on else "",
        weekdays=list(campaign.weekdays or []),
        window_from=campaign.window_from.strftime("%H:%M"),
        window_to=campaign.window_to.strftime("%H:%M"),
        retry=rules,
        max_attempts=str(campaign.max_attempts),
        ring_seconds=str(campaign.ring_seconds),
        max_dial_ratio=str(campaign.max_dial_ratio),
        abandon_cap_percent=str(campaign.abandon_cap_percent),
        abandon_grace_seconds=str(campaign.abandon_grace_seconds),
    )
