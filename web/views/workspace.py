"""The operator's workspace: where the caller's card pops the moment the phone rings."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from callcenter.calls.wrapup import WrapupInvalid, save_wrapup
from callcenter.dialer.agent import worked_campaigns
from callcenter.i18n import N_
from callcenter.limits import DUE_OUT_OF_RANGE, sane_due
from callcenter.users.roles import Permission
from web.auth import current_user, requires, signed_in
from web.errors import error_body
from web.keys import SESSIONMAKER
from web.views.floor import my_floor


@signed_in
@aiohttp_jinja2.template("workspace/index.html")
async def workspace(request: web.Request) -> dict[str, Any]:
    user = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        campaigns = []
        if user.can(Permission.CAMPAIGNS_WORK):  # preview ones: the others dial by themselves
            campaigns = await worked_campaigns(session, user=user, mode="preview")
        return {"floor": await my_floor(session, user), "campaigns": campaigns}


def _follow_up(value: str, timezone: str) -> datetime | None:
    """A ``datetime-local`` value, read in the operator's own time zone."""
    if not value.strip():
        return None
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError:
        raise WrapupInvalid(
            N_("Please correct the marked fields"),
            fields={"follow_up_at": N_("Not a date and time")},
        ) from None
    if not sane_due(naive):
        raise WrapupInvalid(
            N_("Please correct the marked fields"), fields={"follow_up_at": DUE_OUT_OF_RANGE}
        )
    return naive.replace(tzinfo=ZoneInfo(timezone)) if naive.tzinfo is None else naive


@requires(Permission.CLIENTS_EDIT)
async def wrapup(request: web.Request) -> web.Response:
    """The pop's wrap-up form, sent by the page's script: JSON in, JSON out."""
    user = current_user(request)
    form = await request.post()
    try:
        follow_up_at = _follow_up(str(form.get("follow_up_at", "")), user.timezone)
        async with request.app[SESSIONMAKER].begin() as session:
            saved = await save_wrapup(
                session,
                linkedid=request.match_info["linkedid"],
                actor=user,
                result=str(form.get("result", "")),
                note=str(form.get("note", "")),
                follow_up_at=follow_up_at,
                request_key=str(form.get("request_key", "")),
            )
    except WrapupInvalid as exc:
        return web.json_response(error_body(exc.id, exc.message, exc.fields), status=exc.status)
    return web.json_response({"ok": True, "follow_up_task_id": saved.follow_up_task_id})
