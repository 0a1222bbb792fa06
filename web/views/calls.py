"""Calls pages: the list with its filters, and one call's page (its timeline and legs)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.calls.page import call_page as load_call_page
from callcenter.calls.records import Direction, Outcome
from callcenter.calls.service import list_calls, logins_by_user_id
from callcenter.calls.timeline import Words, cause_words, describe
from callcenter.clients.models import Client
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.i18n import gettext, moment_with_seconds
from web.keys import SESSIONMAKER, SETTINGS
from web.queries import CALLS_PER_PAGE, call_list_query


def say(words: Words | None) -> str:
    """A sentence of the timeline in the reader's language (escaped by the template)."""
    if words is None:
        return ""
    params = {
        key: say(value)
        if isinstance(value, Words)
        else gettext(value)
        if key in words.terms and value
        else value
        for key, value in words.params.items()
    }
    return gettext(words.text) % params


@requires(Permission.CALLS_VIEW)
@aiohttp_jinja2.template("calls/list.html")
async def call_list(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    query = call_list_query(request, actor)
    async with request.app[SESSIONMAKER]() as session:
        calls = await list_calls(
            session, query, actor=actor, region=request.app[SETTINGS].default_region
        )
        logins = await logins_by_user_id(session, calls)
        client = await session.get(Client, query.client_id) if query.client_id else None
    page = query.offset // CALLS_PER_PAGE + 1
    return {
        "calls": calls[:CALLS_PER_PAGE],
        "logins": logins,
        "query": query,
        "page_number": page,
        "has_next": len(calls) > CALLS_PER_PAGE,
        "args": {k: v for k, v in request.query.items() if k != "page"},
        "filter_client": client,
        "directions": [d.value for d in Direction],
        "outcomes": [o.value for o in Outcome],
    }


@requires(Permission.CALLS_VIEW)
@aiohttp_jinja2.template("calls/page.html")
async def call_page(request: web.Request) -> dict[str, Any]:
    """One call: 404 for a call the user may not see, as the API answers."""
    async with request.app[SESSIONMAKER]() as session:
        page = await load_call_page(
            session, linkedid=request.match_info["linkedid"], actor=current_user(request)
        )
    entries = describe(page.events, page.agents, moment_with_seconds)
    return {
        "page": page,
        "call": page.call,
        "timeline": [(entry, say(entry.words)) for entry in entries],
        "hangup_cause": say(cause_words(page.call.hangup_cause)),
        "leg_causes": {leg.id: say(cause_words(leg.hangup_cause)) for leg in page.call.legs},
    }
