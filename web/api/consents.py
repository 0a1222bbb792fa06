"""JSON API for consents to advertising (calls, SMS or e-mail), e.g. from a website's opt-in form:
``/api/v1/clients/{id}/consents`` and ``/api/v1/consents/{id}/withdraw``.

``given_at`` is ISO 8601; one without an offset is read in the user's time zone. A bad field
gets 422 with every field named; nothing is recorded.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from aiohttp import web

from callcenter.clients.service import get_client
from callcenter.dialer.consents import (
    ConsentInput,
    consents_of_client,
    record_consent,
    withdraw_consent,
)
from callcenter.dialer.models import Consent
from callcenter.users.roles import Permission
from web import i18n
from web.apidoc.describe import (
    BOOL,
    ID,
    MOMENT,
    NO_BODY,
    TEXT,
    Schema,
    described,
    items,
    nullable,
    obj,
)
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.values import read_json_object

CONSENT_BODY = obj(**{name: nullable(TEXT) for name in ConsentInput.__annotations__})
CONSENT: Schema = obj(
    ("id", "channel", "client_id", "given_at", "active"),
    id=ID,
    channel=TEXT,
    number=nullable(TEXT),
    email=nullable(TEXT),
    client_id=nullable(ID),
    given_by=TEXT,
    given_at=MOMENT,
    method=TEXT,
    evidence=TEXT,
    recorded_by_id=nullable(ID),
    withdrawn_at=nullable(MOMENT),
    active=BOOL,
)


def consent_json(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.id,
        "channel": consent.channel,
        "number": consent.e164,
        "email": consent.email,
        "client_id": consent.client_id,
        "given_by": consent.given_by,
        "given_at": consent.given_at.astimezone(UTC).isoformat(),
        "method": consent.method,
        "evidence": consent.evidence,
        "recorded_by_id": consent.recorded_by_id,
        "withdrawn_at": consent.withdrawn_at.astimezone(UTC).isoformat()
        if consent.withdrawn_at
        else None,
        "active": consent.withdrawn_at is None,
    }


@requires(Permission.CLIENTS_VIEW)
@described(response=items(CONSENT))
async def list_consents(request: web.Request) -> web.Response:
    """The client's consents (for it or any of its numbers), the newest first."""
    async with request.app[SESSIONMAKER]() as session:
        client = await get_client(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
        consents = await consents_of_client(session, client)
    return web.json_response({"items": [consent_json(c) for c in consents]})


@requires(Permission.CLIENTS_EDIT)
@described(ok=201, body=CONSENT_BODY, body_required=False, response=CONSENT)
async def create_consent(request: web.Request) -> web.Response:
    """``channel`` (call, the default; sms; email), its ``number`` (calls and SMS) or
    ``email``, ``given_by``, ``given_at``, ``method`` (call, web_form, paper, sms, email,
    other) and ``evidence`` (a reference: a form's id, a recording, a document)."""
    body = await read_json_object(request)
    data = ConsentInput(
        **{name: str(body.get(name) or "") for name in ConsentInput.__annotations__}
    )
    data.method = data.method or "web_form"
    data.channel = data.channel or "call"
    async with request.app[SESSIONMAKER].begin() as session:
        consent = await record_consent(
            session,
            client_id=int(request.match_info["id"]),
            data=data,
            actor=current_user(request),
            region=request.app[SETTINGS].default_region,
            timezone=i18n.TIMEZONE.get(),
        )
    return web.json_response(consent_json(consent), status=201)


@requires(Permission.CLIENTS_EDIT)
@described(body=NO_BODY, response=CONSENT)
async def withdraw(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER].begin() as session:
        consent = await withdraw_consent(
            session, consent_id=int(request.match_info["id"]), actor=current_user(request)
        )
    return web.json_response(consent_json(consent))
