"""Consents to advertising (calls, SMS or e-mail) from the client's card: record one,
withdraw one."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from callcenter.clients.service import get_client
from callcenter.db import utcnow
from callcenter.dialer.consents import (
    METHODS,
    ConsentInput,
    ConsentInvalid,
    record_consent,
    withdraw_consent,
)
from callcenter.dialer.models import CONSENT_CHANNELS
from callcenter.dialer.terms import CONSENT_CHANNEL_LABELS, CONSENT_METHOD_LABELS
from callcenter.users.roles import Permission
from web import i18n
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS


async def _render(
    request: web.Request,
    form: ConsentInput,
    *,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        client = await get_client(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
    context: dict[str, Any] = {
        "client": client,
        "form": form,
        "errors": errors or {},
        "message": message,
        "methods": METHODS,
        "method_labels": CONSENT_METHOD_LABELS,
        "channels": CONSENT_CHANNELS,
        "channel_labels": CONSENT_CHANNEL_LABELS,
    }
    return aiohttp_jinja2.render_template(
        "campaigns/consent_form.html", request, context, status=status
    )


@requires(Permission.CLIENTS_EDIT)
async def new_page(request: web.Request) -> web.StreamResponse:
    """The form filled in with the client's first number and address, name and this minute;
    the channel asked for (``?channel=sms``) chosen."""
    async with request.app[SESSIONMAKER]() as session:
        client = await get_client(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
    now = utcnow().astimezone(ZoneInfo(i18n.TIMEZONE.get())).strftime("%Y-%m-%dT%H:%M")
    number = client.phones[0].e164 if client.phones else ""
    email = client.emails[0].email.strip() if client.emails else ""
    channel = request.query.get("channel", "call")
    form = ConsentInput(
        number=number,
        email=email,
        channel=channel if channel in CONSENT_CHANNELS else "call",
        given_by=client.name,
        given_at=now,
    )
    return await _render(request, form)


@requires(Permission.CLIENTS_EDIT)
async def create(request: web.Request) -> web.StreamResponse:
    post = await request.post()
    form = ConsentInput(**{name: str(post.get(name, "")) for name in ConsentInput.__annotations__})
    form.channel = form.channel or "call"  # a form of before channels: a consent to calls
    client_id = int(request.match_info["id"])
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await record_consent(
                session,
                client_id=client_id,
                data=form,
                actor=current_user(request),
                region=request.app[SETTINGS].default_region,
                timezone=i18n.TIMEZONE.get(),
            )
    except ConsentInvalid as exc:
        return await _render(request, form, errors=exc.fields, message=exc.message, status=422)
    raise web.HTTPFound(f"/clients/{client_id}#consents")


@requires(Permission.CLIENTS_EDIT)
async def withdraw(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER].begin() as session:
        consent = await withdraw_consent(
            session, consent_id=int(request.match_info["id"]), actor=current_user(request)
        )
    raise web.HTTPFound(f"/clients/{consent.client_id}#consents" if consent.client_id else "/")
