"""What the filter bar offers: queues, campaigns, managers, channels and segments by name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Channel, Segment
from callcenter.dialer.models import Campaign
from callcenter.floor.models import QueueRow
from callcenter.users.models import User


@dataclass
class FilterOptions:
    """(value, name) pairs per filter, in the order a list shows them."""

    queue: list[tuple[str, str]] = field(default_factory=list)
    campaign: list[tuple[int, str]] = field(default_factory=list)
    manager: list[tuple[int, str]] = field(default_factory=list)
    channel: list[tuple[int, str]] = field(default_factory=list)
    segment: list[tuple[int, str]] = field(default_factory=list)


async def filter_options(
    session: AsyncSession, *, user: Any, wanted: tuple[str, ...]
) -> FilterOptions:
    """Only the lists the report filters by; a manager kept to their own clients is the only
    manager they may pick."""
    options = FilterOptions()
    if "queue" in wanted:
        rows = await session.execute(select(QueueRow.name, QueueRow.title).order_by(QueueRow.name))
        options.queue = [(name, title or name) for name, title in rows]
    if "campaign" in wanted:
        campaigns = await session.execute(
            select(Campaign.id, Campaign.name).order_by(Campaign.created_at.desc())
        )
        options.campaign = [(i, name) for i, name in campaigns]
    if "manager" in wanted:
        query = select(User.id, User.full_name, User.login).where(User.role == "manager")
        if not user.sees_every_client:
            query = select(User.id, User.full_name, User.login).where(User.id == user.id)
        managers = await session.execute(query.order_by(User.full_name, User.login))
        options.manager = [(i, name or login) for i, name, login in managers]
    for name, model in (("channel", Channel), ("segment", Segment)):
        if name in wanted:
            named = await session.execute(select(model.id, model.name).order_by(model.name))
            setattr(options, name, [(i, n) for i, n in named])
    return options
