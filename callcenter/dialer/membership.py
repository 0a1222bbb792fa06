"""Who works a campaign: the users it names in ``agent_ids``, and the agents logged into its
queue on the PBX (as the floor board has them)."""

from __future__ import annotations

from sqlalchemy import any_, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer.models import Campaign
from callcenter.errors import Forbidden, NotFound
from callcenter.floor.models import AgentRow
from callcenter.i18n import N_
from callcenter.users.models import User


async def _agent_queues(session: AsyncSession, user: User) -> set[tuple[str, str]]:
    """(pbx, queue) pairs the user's extension is logged into, as the PBX reports them."""
    if not user.extension:
        return set()
    rows = await session.execute(
        select(AgentRow.pbx, AgentRow.queues).where(AgentRow.extension == user.extension)
    )
    return {(pbx, queue) for pbx, queues in rows for queue in queues or ()}


async def worked_campaigns(
    session: AsyncSession, *, user: User, mode: str | None = None
) -> list[Campaign]:
    """Running and paused campaigns the user works, by name."""
    works = literal(user.id) == any_(Campaign.agent_ids)
    queues = await _agent_queues(session, user)
    if queues:
        works = works | tuple_(Campaign.pbx, Campaign.queue).in_(sorted(queues))
    query = select(Campaign).where(works, Campaign.state.in_(("running", "paused")))
    if mode:
        query = query.where(Campaign.mode == mode)
    return list(await session.scalars(query.order_by(Campaign.name, Campaign.id)))


async def works_on(session: AsyncSession, campaign: Campaign, user: User) -> bool:
    if user.id in (campaign.agent_ids or []):
        return True
    return bool(campaign.queue) and (campaign.pbx, campaign.queue) in await _agent_queues(
        session, user
    )


async def worked_campaign(session: AsyncSession, *, campaign_id: int, user: User) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(N_("No such campaign"))
    if not await works_on(session, campaign, user):
        raise Forbidden(N_("You do not work this campaign"))
    return campaign
