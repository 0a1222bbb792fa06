"""The outbox page: messages that could not be sent, with a button to send them again."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.mail.service import count_by_state, list_outbox, resend_message
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS


@requires(Permission.MAIL_MANAGE)
@aiohttp_jinja2.template("admin/outbox.html")
async def outbox_page(request: web.Request) -> dict[str, Any]:
    state = request.query.get("state", "failed")
    if state not in ("queued", "sent", "failed"):
        state = "failed"
    async with request.app[SESSIONMAKER]() as session:
        return {
            "messages": await list_outbox(session, state=state),
            "counts": await count_by_state(session),
            "state": state,
            "smtp_configured": bool(request.app[SETTINGS].smtp_host),
        }


@requires(Permission.MAIL_MANAGE)
async def resend(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER].begin() as session:
        message = await resend_message(
            session, message_id=int(request.match_info["id"]), actor=current_user(request)
        )
    back = str((await request.post()).get("next", ""))
    if back.startswith("/") and not back.startswith("//"):
        raise web.HTTPFound(back)
    raise web.HTTPFound(f"/admin/outbox?state={message.state}")
