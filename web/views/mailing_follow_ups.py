"""From a mailing's page, one click makes an outbound call campaign of its interested
recipients (clicked but did not buy; opened but did not click) on the chosen queue, and opens
it; nobody to call is said on the mailing's page, and a second click opens the same one."""

from __future__ import annotations

from aiohttp import web

from callcenter.errors import Conflict, Invalid
from callcenter.mailings.follow_up import create_follow_up
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.views.mailings import render_page


@requires(Permission.MAILINGS_VIEW, Permission.CAMPAIGNS_MANAGE)
async def follow_up(request: web.Request) -> web.StreamResponse:
    mailing_id = int(request.match_info["id"])
    post = await request.post()
    kind, queue = str(post.get("kind", ""))[:40], str(post.get("queue", "")).strip()[:80]
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            made = await create_follow_up(
                session, mailing_id=mailing_id, kind=kind, queue=queue,
                actor=current_user(request), region=request.app[SETTINGS].default_region,
            )  # fmt: skip
    except (Conflict, Invalid) as exc:  # nobody to call, no such queue: nothing was made
        return await render_page(request, mailing_id, message=exc.message, status=exc.status)
    raise web.HTTPFound(f"/campaigns/{made.campaign.id}")
