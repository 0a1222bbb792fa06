"""The supervisor's wallboard, and the floor data the operator's workspace shows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.floor.figures import abandoned_today, live_agents, queue_figures
from callcenter.floor.models import AgentRow, QueueRow
from callcenter.floor.service import agent_of, pause_reasons
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.floor_access import agent_json, logins_by_extension, queue_json
from web.keys import SESSIONMAKER, SETTINGS

STATES = ("available", "ringing", "on_call", "wrap_up", "paused", "unavailable", "logged_out")


async def wallboard_data(request: web.Request) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    now = datetime.now(UTC)
    async with request.app[SESSIONMAKER]() as session:
        figures = await queue_figures(session, now=now, timezone=settings.default_timezone)
        agents = await live_agents(session)
        logins = await logins_by_extension(session)
        abandoned = await abandoned_today(session, now=now, timezone=settings.default_timezone)
        reasons = await pause_reasons(session)
    return {
        "queues": [queue_json(f, settings.default_region) for f in figures],
        "agents": [agent_json(a, logins, now) for a in agents],
        "abandoned": abandoned,
        "reasons": reasons,
        "states": STATES,
        "can_control": current_user(request).can(Permission.FLOOR_CONTROL),
    }


@requires(Permission.FLOOR_VIEW)
@aiohttp_jinja2.template("floor/wallboard.html")
async def wallboard(request: web.Request) -> dict[str, Any]:
    return await wallboard_data(request)


@requires(Permission.FLOOR_VIEW)
@aiohttp_jinja2.template("floor/_abandoned.html")
async def wallboard_abandoned(request: web.Request) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    async with request.app[SESSIONMAKER]() as session:
        rows = await abandoned_today(
            session, now=datetime.now(UTC), timezone=settings.default_timezone
        )
    return {"abandoned": rows}


async def my_floor(session: AsyncSession, user: User) -> dict[str, Any]:
    """The operator's own agent: status, the queues they may log into, the pause reasons."""
    agent: AgentRow | None = await agent_of(session, user.extension) if user.extension else None
    queues = [
        q
        for q in await session.scalars(
            select(QueueRow).where(QueueRow.on_pbx).order_by(QueueRow.name)
        )
        if not q.allowed_user_ids or user.id in q.allowed_user_ids
    ]
    return {
        "agent": agent_json(agent, {}, datetime.now(UTC)) if agent else None,
        "queues": queues,
        "reasons": await pause_reasons(session),
        "can_work": user.can(Permission.QUEUES_WORK) and bool(user.extension),
    }
