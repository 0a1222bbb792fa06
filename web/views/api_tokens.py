"""A user's own API tokens, on the profile page: make one (shown once), revoke one."""

from __future__ import annotations

from datetime import timedelta

import aiohttp_jinja2
from aiohttp import web

from callcenter.db import utcnow
from callcenter.errors import Invalid
from callcenter.i18n import N_
from callcenter.users.tokens import create_token, revoke_token
from web.auth import current_user, signed_in
from web.keys import SESSIONMAKER
from web.values import int_field
from web.views.auth import profile_context

EXPIRY_DAYS = ("30", "90", "365", "never")  # what the form offers


@signed_in
async def token_create(request: web.Request) -> web.StreamResponse:
    """Make a token and show it on the page, once: it is stored only hashed."""
    form = await request.post()
    values = {k: str(form.get(k, "")) for k in ("name", "scope", "expires_in_days")}
    days = values["expires_in_days"]
    try:
        if days not in EXPIRY_DAYS:
            message = N_("Choose when the token expires")
            raise Invalid(message, fields={"expires_at": message})
        expires_at = None if days == "never" else utcnow() + timedelta(days=int(days))
        async with request.app[SESSIONMAKER].begin() as session:
            token = await create_token(
                session,
                user=current_user(request),
                name=values["name"],
                scope=values["scope"],
                expires_at=expires_at,
            )
    except Invalid as exc:
        context = await profile_context(request, token_form=values, token_errors=exc.fields)
        return aiohttp_jinja2.render_template("auth/profile.html", request, context, status=422)
    context = await profile_context(request, new_token=token)
    response = aiohttp_jinja2.render_template("auth/profile.html", request, context)
    response.headers["Cache-Control"] = "no-store"
    return response


@signed_in
async def token_revoke(request: web.Request) -> web.StreamResponse:
    token_id = int_field(request.match_info, "id") or 0
    async with request.app[SESSIONMAKER].begin() as session:
        await revoke_token(session, user_id=current_user(request).id, token_id=token_id)
    raise web.HTTPFound("/profile#api-tokens")
