"""The supervisor's wallboard, and the floor data the operator's workspace shows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.floor.alerts import levels
from callcenter.floor.figures import abandoned_today, callbacks, live_agents, queue_figures
from callcenter.floor.models import AgentRow, QueueRow
from callcenter.floor.service import agent_of, pause_reasons
from callcenter.phones import is_hidden_number
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.floor_access import agent_json, logins_by_extension, queue_json
from web.keys import SESSIONMAKER, SETTINGS

STATES = ("available", "ringing", "on_call", "wrap_up", "paused", "unavailable", "logged_out")


async def lost_callers(
    session: AsyncSession, request: web.Request, logins: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    """Today's lost callers for the wallboard, each with its callback and who made it."""
    settings = request.app[SETTINGS]
    stints = await abandoned_today(
        session, now=datetime.now(UTC), timezone=settings.default_timezone
    )
    found = await callbacks(session, stints, region=settings.default_region)
    rows = []
    for stint in stints:
        callback = found.get(stint.key)
        by = logins.get(callback.agent, (None, callback.agent))[1] if callback else ""
        rows.append(
            {
                "stint": stint,
                "callback": callback,
                "by": by,
                "hidden": is_hidden_number(stint.caller),
            }
        )
    return rows


def queue_row(figures: Any, region: str) -> dict[str, Any]:
    """A queue as the wallboard draws it: its JSON and each figure's alert colour."""
    row = queue_json(figures, region)
    return {**row, "levels": levels(row, row["thresholds"])}


async def wallboard_data(request: web.Request) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    now = datetime.now(UTC)
    async with request.app[SESSIONMAKER]() as session:
        figures = await queue_figures(session, now=now, timezone=settings.default_timezone)
        agents = await live_agents(session)
        logins = await logins_by_extension(session)
        abandoned = await lost_callers(session, request, logins)
        reasons = await pause_reasons(session)
    return {
        "queues": [queue_row(f, settings.default_region) for f in figures],
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
    async with request.app[SESSIONMAKER]() as session:
        logins = await logins_by_extension(session)
        return {"abandoned": await lost_callers(session, request, logins)}


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
