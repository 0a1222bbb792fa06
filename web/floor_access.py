"""Shared pieces of the floor's pages and API: who acts on which agent, and the JSON shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import Forbidden, NotFound
from callcenter.floor.figures import QueueFigures
from callcenter.floor.models import AgentRow, PbxCommand
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.users.roles import Permission, role_can
from web.i18n import caller_text, gettext


async def agent_user(session: AsyncSession, actor: User, login: str) -> User:
    """The user ``login`` names, if ``actor`` may act on them: oneself, or anyone for those
    who control the floor."""
    if login == actor.login:
        if not role_can(actor.role, Permission.QUEUES_WORK):
            raise Forbidden(N_("You may not work queues"))
        return actor
    if not role_can(actor.role, Permission.FLOOR_CONTROL):
        raise Forbidden(N_("Only supervisors may act for another agent"))
    user = await session.scalar(select(User).where(User.login == login, User.active))
    if user is None:
        raise NotFound(N_("No such user"))
    return user


def agent_json(
    agent: AgentRow, logins: dict[str, tuple[str, str]], now: datetime | None = None
) -> dict:
    """An agent as the floor shows it: ``name`` is the CRM user's name when a user has this
    extension, else the member name the PBX gave (``pbx_name``)."""
    now = now or datetime.now(UTC)
    login, user_name = logins.get(agent.extension, (None, ""))
    return {
        "login": login,
        "extension": agent.extension,
        "interface": agent.interface,
        "name": user_name or agent.name,
        "pbx_name": agent.name,
        "state": agent.status,
        "reason": agent.reason or None,
        "since": agent.since.isoformat(),
        "seconds_in_state": max(0, round((now - agent.since).total_seconds())),
        "queues": agent.queues,
        "paused_queues": agent.paused_queues,
        "linkedid": agent.linkedid or None,
        "queue": agent.queue or None,
    }


def with_display(callers: list[dict[str, Any]], region: str) -> list[dict[str, Any]]:
    """Waiting callers with their number as people read it (``display``): "hidden number"
    in the request's language when the caller withheld it."""
    return [{**c, "display": caller_text(c.get("caller") or "", region)} for c in callers]


def queue_json(f: QueueFigures, region: str) -> dict[str, Any]:
    return {
        "queue": f.queue,
        "title": f.title or f.queue,
        "waiting": f.waiting,
        "longest_wait_seconds": f.longest_wait_seconds,
        "offered_today": f.offered_today,
        "answered_today": f.answered_today,
        "abandoned_today": f.abandoned_today,
        "exited_today": f.exited_today,
        "lost_today": f.lost_today,
        "completed_today": f.completed_today,
        "talking": f.talking,
        "service_level_seconds": f.service_level_threshold,
        "service_level_today": f.service_level_today,
        "service_level2_today": f.service_level2_today,
        "asa_seconds": f.asa_seconds,
        "aht_seconds": f.aht_seconds,
        "callers": with_display(f.callers, region),
        "thresholds": f.thresholds,
    }


async def logins_by_extension(session: AsyncSession) -> dict[str, tuple[str, str]]:
    """Each extension's user: (login, name shown)."""
    rows = await session.execute(
        select(User.extension, User.login, User.full_name).where(User.extension != "")
    )
    return {ext: (login, name or login) for ext, login, name in rows if ext}


FAILURES = {
    "busy": N_("the line is busy"),
    "no_answer": N_("no answer"),
    "failed": N_("the call could not be made"),
    "unroutable": N_("the PBX cannot route this number: check it"),
    "abandoned": N_("the call could not be made"),
    "agent_no_answer": N_("your phone did not answer"),
    "given_up": N_("no news of the call from the PBX"),
}


def dial_json(command: PbxCommand) -> dict[str, Any]:
    """A click-to-call's progress; a failure says why, in the user's language."""
    message = None
    if command.progress == "failed":
        reason = FAILURES.get(command.message)
        message = gettext(reason) if reason else (command.message or gettext(FAILURES["failed"]))
    return {
        "id": command.id,
        "linkedid": command.linkedid,
        "to": command.payload.get("number"),
        "state": command.state,
        "progress": command.progress or "queued",
        "message": message,
    }
