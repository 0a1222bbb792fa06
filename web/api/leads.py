"""``POST /api/v1/leads``: a website form's lead, with the form's key (``X-Lead-Key`` or
``Authorization: Bearer lf_...``), not a user's.

The body is a JSON object: ``name``, ``phone`` and/or ``email`` (one of them needed),
``comment``, ``utm_source``/``utm_medium``/``utm_campaign``/``utm_term``/``utm_content`` and
``page``, each a string. 201 with the lead (200 for a retry with the same
``Idempotency-Key``, answered with the first lead), 401 for a key unknown or revoked, 422
naming the field, 429 with ``Retry-After``. A browser on the key's allowed origin gets CORS
headers (on errors too, so the page can read them); a preflight ``OPTIONS`` is answered only
for an origin some active key allows.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.errors import DomainError, Invalid
from callcenter.i18n import N_
from callcenter.marketing.keys import LeadKeyInvalid, clean_origin, form_key_for, origin_has_key
from callcenter.marketing.leads import LeadDone, LeadInput, LeadLimited, LeadPolicy, submit_lead
from web.apidoc.describe import BOOL, ID, TEXT, described, nullable, obj
from web.auth import by_token_alone
from web.csrf import csrf_exempt
from web.errors import error_body
from web.keys import SESSIONMAKER, SETTINGS
from web.proxy import client_address
from web.values import read_json_object

FIELDS = tuple(LeadInput.__dataclass_fields__)
LEAD_BODY = obj(**{name: nullable(TEXT) for name in FIELDS})
LEAD = obj(
    ("lead_id", "client_id", "task_id", "created_client", "repeated"),
    lead_id=ID,
    client_id=ID,
    task_id=ID,
    channel_id=nullable(ID),
    created_client=BOOL,
    repeated=BOOL,
)
ALLOWED_HEADERS = "Content-Type, X-Lead-Key, Idempotency-Key, Authorization"


def _key_of(request: web.Request) -> str:
    key = request.headers.get("X-Lead-Key", "")
    header = request.headers.get("Authorization", "")
    if not key and header.lower().startswith("bearer "):
        key = header[7:]
    if not key:
        raise LeadKeyInvalid(N_("This form key is not valid"))
    return key.strip()


def lead_input(body: dict[str, Any]) -> LeadInput:
    """The body's known fields, each a string (or null, read as nothing); others ignored."""
    wrong = {
        name: N_("Must be text")
        for name in FIELDS
        if body.get(name) is not None and not isinstance(body[name], str)
    }
    if wrong:
        raise Invalid(N_("Please correct the marked fields"), fields=wrong)
    return LeadInput(**{name: body.get(name) or "" for name in FIELDS})


def _cors(origin: str | None, allowed: str) -> dict[str, str]:
    if origin and allowed and clean_origin(origin[:200]) == allowed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


def _done_json(done: LeadDone) -> dict[str, Any]:
    return {
        "lead_id": done.lead_id,
        "client_id": done.client_id,
        "task_id": done.task_id,
        "channel_id": done.channel_id,
        "created_client": done.created_client,
        "repeated": done.repeated,
    }


@by_token_alone
@csrf_exempt
@described(ok=(201, 200), errors=(429,), body=LEAD_BODY, response=LEAD)
async def submit(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    policy = LeadPolicy(
        per_key=settings.lead_max_per_key,
        per_address=settings.lead_max_per_address,
        window_seconds=settings.lead_window_seconds,
    )
    origin, allowed = request.headers.get("Origin"), ""
    try:
        key_text = _key_of(request)
        body = await read_json_object(request)
        async with request.app[SESSIONMAKER].begin() as session:
            key = await form_key_for(session, key_text)
            allowed = key.allowed_origin
            data = lead_input(body)
            done = await submit_lead(
                session,
                key=key,
                data=data,
                address=client_address(request),
                region=settings.default_region,
                request_key=request.headers.get("Idempotency-Key") or None,
                policy=policy,
            )
    except DomainError as exc:
        headers = _cors(origin, allowed)
        if isinstance(exc, LeadLimited):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        body = error_body(exc.id, exc.message, exc.fields)
        return web.json_response(body, status=exc.status, headers=headers)
    status = 200 if done.repeated else 201
    return web.json_response(_done_json(done), status=status, headers=_cors(origin, allowed))


@by_token_alone
@described(ok=204, errors=(403,))
async def preflight(request: web.Request) -> web.Response:
    origin = request.headers.get("Origin", "")
    async with request.app[SESSIONMAKER]() as session:
        allowed = await origin_has_key(session, origin)
    if not allowed:  # the one error shape, as every API answer has it
        body = error_body("origin_not_allowed", N_("No form key allows this origin"))
        return web.json_response(body, status=403, headers={"Vary": "Origin"})
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        },
    )
