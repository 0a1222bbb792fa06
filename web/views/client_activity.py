"""The client card's activity feed: its first page inside the card, the next ones as a
fragment the card's script appends (or a page of its own without the script)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.service import logins_by_user_id
from callcenter.clients.activity import (
    KIND_LABELS,
    Cursor,
    allowed_kinds,
    client_activity,
)
from callcenter.clients.exceptions import ClientInvalid
from callcenter.clients.models import Client
from callcenter.clients.service import get_client
from callcenter.i18n import N_
from callcenter.mailings.card import MESSAGE_LABELS, letter_state
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web import i18n
from web.auth import current_user, requires
from web.keys import SESSIONMAKER

PER_PAGE = 30


def _kinds(request: web.Request, actor: User) -> list[str]:
    """The kinds asked for (``kind`` repeated); an unknown one is an error, not ignored."""
    asked = [k for k in request.query.getall("kind", []) if k]
    allowed = allowed_kinds(actor)
    if bad := [k for k in asked if k not in allowed]:
        raise ClientInvalid(N_("No such kind of activity: %(kind)s"), params={"kind": bad[0][:40]})
    return asked


async def activity_context(
    request: web.Request, session: AsyncSession, client_ids: list[int], actor: User
) -> dict[str, Any]:
    """What the feed's template needs for the page of ``client_ids`` the query asks for."""
    kinds = _kinds(request, actor)
    before_text = request.query.get("before", "")
    before = Cursor.decode(before_text) if before_text else None
    page = await client_activity(
        session, client_ids=client_ids, actor=actor, kinds=kinds, before=before, per_page=PER_PAGE
    )
    calls = [a.row for a in page.items if a.kind == "call"]
    return {
        "activity": page,
        "activity_kinds": [(k, KIND_LABELS[k]) for k in allowed_kinds(actor)],
        "activity_selected": kinds,
        "activity_agents": await logins_by_user_id(session, calls),
        "letter_state": letter_state,
        "message_labels": MESSAGE_LABELS,
        "status_names": page.names[f"status_{'ru' if i18n.LANGUAGE.get() == 'ru' else 'en'}"],
    }


@requires(Permission.CLIENTS_VIEW)
async def more(request: web.Request) -> web.StreamResponse:
    """The feed's next page: a fragment for the card's script, the card's own page for a
    plain link (no script) so that a browser without it still reads on."""
    actor = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        client = await get_client(session, int(request.match_info["id"]), actor=actor)
        merged_ids = list(
            await session.scalars(select(Client.id).where(Client.merged_into_id == client.id))
        )
        context = await activity_context(request, session, [client.id, *merged_ids], actor)
    context["client"] = client
    template = "clients/_activity_items.html"
    if request.headers.get("X-Requested-With") != "fetch":
        template = "clients/activity.html"
    return aiohttp_jinja2.render_template(template, request, context)
