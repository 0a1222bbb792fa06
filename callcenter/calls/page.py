"""One call's page: the call as stored with its legs, its timeline, the client, the wrap-ups
and a campaign's disposition, after the same visibility rule as the calls list."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from callcenter.calls.models import CallEventRow, CallLegRow, CallRow, CallWrapup
from callcenter.calls.service import get_call
from callcenter.calls.store import extension_of
from callcenter.clients.models import Client
from callcenter.dialer.models import Campaign, CampaignAttempt
from callcenter.users.models import User


@dataclass(frozen=True)
class Disposition:
    """What a campaign's agent set for the call: the campaign, the disposition's label."""

    campaign_id: int
    campaign: str
    label: str
    refusal_reason: str
    note: str


@dataclass
class CallPage:
    call: CallRow
    events: list[CallEventRow]
    client: Client | None
    wrapups: list[CallWrapup]
    dispositions: list[Disposition]
    users: dict[int, str] = field(default_factory=dict)  # user id -> name
    agents: dict[str, str] = field(default_factory=dict)  # extension -> the user's name

    def leg_agent(self, leg: CallLegRow) -> str:
        """The leg's agent by name ("Анна (101)"), or "" for a leg that is no agent's."""
        extension = extension_of(leg.agent) if leg.agent else ""
        name = self.users.get(leg.user_id or 0) or self.agents.get(extension, "")
        if name and extension:
            return f"{name} ({extension})"
        return name or extension


def _extensions(call: CallRow, events: list[CallEventRow]) -> set[str]:
    """Every extension the legs and the timeline name (agents, parkers, transfer targets)."""
    found = {extension_of(leg.agent) for leg in call.legs if leg.agent}
    for event in events:
        for key in ("agent", "parker", "by", "exten", "target"):
            value = (event.detail or {}).get(key)
            if isinstance(value, str) and value:
                found.add(extension_of(value))
    return {e for e in found if e and len(e) <= 32}


async def _names(
    session: AsyncSession, call: CallRow, events: list[CallEventRow], wrapups: list[CallWrapup]
) -> tuple[dict[int, str], dict[str, str]]:
    ids = {leg.user_id for leg in call.legs if leg.user_id} | {
        w.user_id for w in wrapups if w.user_id
    }
    extensions = _extensions(call, events)
    if not ids and not extensions:
        return {}, {}
    users = await session.scalars(
        select(User).where(or_(User.id.in_(ids), User.extension.in_(extensions)))
    )
    by_id, by_extension = {}, {}
    for user in users:
        by_id[user.id] = user.display_name
        if user.extension:
            by_extension[user.extension] = user.display_name
    return by_id, by_extension


async def _dispositions(session: AsyncSession, linkedid: str) -> list[Disposition]:
    rows = await session.execute(
        select(CampaignAttempt, Campaign)
        .join(Campaign, Campaign.id == CampaignAttempt.campaign_id)
        .where(CampaignAttempt.linkedid == linkedid, CampaignAttempt.disposition != "")
        .order_by(CampaignAttempt.id)
    )
    found = []
    for attempt, campaign in rows:
        labels = {d.get("code"): d.get("label", "") for d in campaign.dispositions or []}
        label = labels.get(attempt.disposition) or attempt.disposition
        found.append(Disposition(campaign.id, campaign.name, label, attempt.refusal_reason,
                                 attempt.note))  # fmt: skip
    return found


async def call_page(session: AsyncSession, *, linkedid: str, actor: User) -> CallPage:
    """The call ``linkedid`` if ``actor`` may see it (``NotFound`` otherwise, as the API)."""
    found = await get_call(session, linkedid, actor=actor)
    call = await session.scalar(
        select(CallRow).where(CallRow.id == found.id).options(selectinload(CallRow.legs))
    )
    assert call is not None
    events = list(
        await session.scalars(
            select(CallEventRow).where(CallEventRow.call_id == call.id).order_by(CallEventRow.seq)
        )
    )
    wrapups = list(
        await session.scalars(
            select(CallWrapup).where(CallWrapup.call_id == call.id).order_by(CallWrapup.id)
        )
    )
    client = await session.get(Client, call.client_id) if call.client_id else None
    users, agents = await _names(session, call, events, wrapups)
    dispositions = await _dispositions(session, call.linkedid)
    return CallPage(call, events, client, wrapups, dispositions, users, agents)
