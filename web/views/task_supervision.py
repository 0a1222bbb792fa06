"""Supervision of tasks: per person, done on time or late, open and overdue or on time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.tasks.supervision import PersonCounts, task_counts
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web.apidoc.describe import COUNT, DAY, ID, MOMENT, TEXT, described, items, nullable, obj, param
from web.auth import current_user, requires
from web.keys import SESSIONMAKER
from web.queries import local_day


def period(request: web.Request, actor: User) -> tuple[datetime, datetime]:
    """``from``/``to`` days (both included) in the user's time zone; this month by default."""
    today = datetime.now(ZoneInfo(actor.timezone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    since = local_day(request.query.get("from", ""), actor.timezone, name="from")
    until = local_day(request.query.get("to", ""), actor.timezone, name="to")
    since = since or today.replace(day=1)
    until = (until or today) + timedelta(days=1)
    if until <= since:
        raise BadRequest(N_("The period ends before it starts"))
    return since, until


def counts_json(row: PersonCounts) -> dict[str, Any]:
    return {
        "user": {"id": row.user_id, "login": row.login, "name": row.name, "role": row.role}
        if row.user_id is not None
        else None,
        "done_on_time": row.done_on_time,
        "done_late": row.done_late,
        "open_overdue": row.open_overdue,
        "open_on_time": row.open_on_time,
        "on_time_share": row.on_time_share,
    }


@requires(Permission.TASKS_SUPERVISE)
@aiohttp_jinja2.template("tasks/supervision.html")
async def supervision(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    since, until = period(request, actor)
    async with request.app[SESSIONMAKER]() as session:
        rows = await task_counts(session, since=since, until=until, actor=actor)
    return {
        "rows": rows,
        "since": since.date().isoformat(),
        "until": (until - timedelta(days=1)).date().isoformat(),
        "totals": {
            name: sum(getattr(r, name) for r in rows)
            for name in ("done_on_time", "done_late", "open_overdue", "open_on_time")
        },
    }


COUNTS = obj(
    ("user", "done_on_time", "done_late", "open_overdue", "open_on_time", "on_time_share"),
    user=nullable(obj(("id", "login"), id=ID, login=TEXT, name=TEXT, role=TEXT)),
    **{n: COUNT for n in ("done_on_time", "done_late", "open_overdue", "open_on_time")},
    on_time_share=nullable({"type": "number"}),
)


@requires(Permission.TASKS_SUPERVISE)
@described(
    response=items(COUNTS, since=MOMENT, until=MOMENT),
    query=(param("from", DAY, "this month's first day"), param("to", DAY, "today")),
)
async def supervision_json(request: web.Request) -> web.Response:
    actor = current_user(request)
    since, until = period(request, actor)
    async with request.app[SESSIONMAKER]() as session:
        rows = await task_counts(session, since=since, until=until, actor=actor)
    return web.json_response(
        {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "items": [counts_json(r) for r in rows],
        }
    )
