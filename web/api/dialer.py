"""The agent's side of campaigns, as JSON: ``/api/v1/dialer/...``.

The workspace's campaign panel and the pop's campaign wrap-up use it; so can any client with
an API token. Preview: take the next contact, dial it (one Originate, however often the
request is retried with the same ``Idempotency-Key``) or skip it; then the disposition.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select

from callcenter.dialer import agent
from callcenter.dialer.agent import Preview
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.dialer.wrapup import DispositionInvalid, dispositions_of
from callcenter.errors import NotFound
from callcenter.floor.models import PbxCommand
from callcenter.floor.placing import RequestInProgress
from callcenter.i18n import N_
from callcenter.limits import DUE_OUT_OF_RANGE, sane_due
from callcenter.phones import display_phone
from callcenter.users.exceptions import require_extension
from callcenter.users.roles import Permission
from web.api.campaign_json import DISPOSITION
from web.api.floor import DIAL, require_pbx, retry_later
from web.apidoc.describe import (
    COUNT,
    ID,
    MOMENT,
    NO_BODY,
    TEXT,
    Schema,
    array,
    described,
    nullable,
    obj,
)
from web.auth import current_user, requires
from web.errors import error_body
from web.floor_access import dial_json
from web.i18n import gettext
from web.keys import PBX, SESSIONMAKER, SETTINGS
from web.values import read_form, read_json_object

_WHEN = nullable(MOMENT)
CAMPAIGN: Schema = obj(
    ("id", "name", "mode", "state", "dispositions", "refusal_reasons"),
    id=ID,
    name=TEXT,
    mode=TEXT,
    state=TEXT,
    script=TEXT,
    dispositions=array(DISPOSITION),
    refusal_reasons=array(TEXT),
)
ATTEMPT: Schema = obj(
    ("id", "campaign_id", "contact_id", "number", "outcome", "dial"),
    id=ID,
    campaign_id=ID,
    contact_id=ID,
    number=TEXT,
    started_at=_WHEN,
    answered_at=_WHEN,
    ended_at=_WHEN,
    outcome=nullable(TEXT),
    hangup_cause=nullable({"type": "integer"}),
    disposition=nullable(TEXT),
    refusal_reason=nullable(TEXT),
    note=nullable(TEXT),
    dispositioned_at=_WHEN,
    dial=nullable(DIAL),
)
CONTACT: Schema = obj(
    ("id", "number", "state", "attempts"),
    id=ID,
    name=nullable(TEXT),
    number=TEXT,
    number_display=TEXT,
    state=TEXT,
    attempts=COUNT,
    last_outcome=nullable(TEXT),
    timezone=nullable(TEXT),
)
PREVIEW: Schema = {
    "anyOf": [
        obj(
            ("campaign", "contact", "client", "attempt", "history"),
            campaign=CAMPAIGN,
            contact=CONTACT,
            client=nullable(
                obj(
                    ("id", "name", "phones"),
                    id=ID,
                    name=TEXT,
                    kind=TEXT,
                    company=nullable(TEXT),
                    owner=nullable(TEXT),
                    tags=array(TEXT),
                    phones=array(TEXT),
                    notes=nullable(TEXT),
                )
            ),
            attempt=nullable(ATTEMPT),
            history=array(ATTEMPT),
        ),
        obj(("contact", "message"), contact={"type": "null"}, message=TEXT),
    ]
}
DIAL_BODY = obj(key=TEXT)
DISPOSITION_BODY = obj(
    disposition=TEXT,
    refusal_reason=nullable(TEXT),
    callback_at=nullable(MOMENT),
    note=nullable(TEXT),
)


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "mode": campaign.mode,
        "state": campaign.state,
        "script": campaign.script,
        "dispositions": [
            {"code": d.code, "label": d.label, "kind": d.kind} for d in dispositions_of(campaign)
        ],
        "refusal_reasons": list(campaign.refusal_reasons or []),
    }


def attempt_json(attempt: CampaignAttempt, command: PbxCommand | None = None) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": attempt.id,
        "campaign_id": attempt.campaign_id,
        "contact_id": attempt.contact_id,
        "number": attempt.number,
        "started_at": when(attempt.started_at),
        "answered_at": when(attempt.answered_at),
        "ended_at": when(attempt.ended_at),
        "outcome": attempt.outcome or None,
        "hangup_cause": attempt.hangup_cause,
        "disposition": attempt.disposition or None,
        "refusal_reason": attempt.refusal_reason or None,
        "note": attempt.note,
        "dispositioned_at": when(attempt.dispositioned_at),
        "dial": dial_json(command) if command is not None else None,
    }


def contact_json(contact: CampaignContact, region: str) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "number": contact.e164,
        "number_display": display_phone(contact.e164, "", region),
        "state": contact.state,
        "attempts": contact.attempts,
        "last_outcome": contact.last_outcome or None,
        "timezone": contact.timezone or None,
    }


def preview_json(preview: Preview, region: str, command: PbxCommand | None) -> dict[str, Any]:
    client = preview.client
    return {
        "campaign": campaign_json(preview.campaign),
        "contact": contact_json(preview.contact, region),
        "client": {
            "id": client.id,
            "name": client.name,
            "kind": client.kind,
            "company": client.company.name if client.company else None,
            "owner": client.owner.display_name if client.owner else None,
            "tags": [t.name for t in client.tags],
            "phones": [display_phone(p.e164, p.extension or "", region) for p in client.phones],
            "notes": client.notes,
        }
        if client is not None
        else None,
        "attempt": attempt_json(preview.attempt, command) if preview.attempt else None,
        "history": [attempt_json(a) for a in preview.history],
    }


async def _body(request: web.Request) -> dict[str, Any]:
    """A JSON object, or the fields of a posted form (the pop's wrap-up sends one)."""
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {k: v for k, v in (await read_form(request)).items() if isinstance(v, str)}
    return await read_json_object(request)


async def _command_of(session: Any, attempt: CampaignAttempt | None) -> PbxCommand | None:
    if attempt is None or not attempt.action_id.startswith(agent.PREVIEW_PREFIX):
        return None
    return await session.scalar(select(PbxCommand).where(PbxCommand.linkedid == attempt.action_id))


@requires(Permission.CAMPAIGNS_WORK)
@described(response=obj(("campaigns",), campaigns=array(CAMPAIGN)))
async def my_campaigns(request: web.Request) -> web.Response:
    """``GET /api/v1/dialer/campaigns``: the running and paused campaigns I work."""
    async with request.app[SESSIONMAKER]() as session:
        found = await agent.worked_campaigns(session, user=current_user(request))
    return web.json_response({"campaigns": [campaign_json(c) for c in found]})


@requires(Permission.CAMPAIGNS_WORK)
@described(body=NO_BODY, response=PREVIEW)
async def next_contact(request: web.Request) -> web.Response:
    """``POST /api/v1/dialer/campaigns/{id}/next``: the contact I hold, or the next due one."""
    region = request.app[SETTINGS].default_region
    async with request.app[SESSIONMAKER].begin() as session:
        preview = await agent.next_preview(
            session,
            campaign_id=int(request.match_info["id"]),
            user=current_user(request),
            default_zone=request.app[SETTINGS].default_timezone,
        )
        if preview is None:
            return web.json_response(
                {"contact": None, "message": gettext(N_("No contact may be called now"))}
            )
        command = await _command_of(session, preview.attempt)
        return web.json_response(preview_json(preview, region, command))


@requires(Permission.CAMPAIGNS_WORK, Permission.CALLS_DIAL)
@described(ok=202, errors=(409, 429, 503), body=DIAL_BODY, body_required=False, response=ATTEMPT)
async def dial(request: web.Request) -> web.Response:
    """``POST /api/v1/dialer/contacts/{id}/dial``; an ``Idempotency-Key`` makes retries safe."""
    body = await _body(request)
    key = request.headers.get("Idempotency-Key") or body.get("key")
    require_extension(current_user(request))  # said first: the PBX could not help either
    await require_pbx(request)
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            placed = await agent.dial_preview(
                session,
                contact_id=int(request.match_info["id"]),
                user=current_user(request),
                plan=request.app[PBX].plan,
                key=str(key)[:120] if key else None,
                default_zone=request.app[SETTINGS].default_timezone,
            )
    except RequestInProgress as exc:
        return retry_later(exc)
    if placed.excluded:  # committed: the contact is excluded, and nothing was dialed
        body = error_body("excluded", placed.excluded_message) | {"reason": placed.excluded}
        return web.json_response(body, status=403)
    assert placed.attempt is not None
    return web.json_response(attempt_json(placed.attempt, placed.command), status=202)


@requires(Permission.CAMPAIGNS_WORK)
@described(body=NO_BODY, response=ATTEMPT)
async def skip(request: web.Request) -> web.Response:
    """``POST /api/v1/dialer/contacts/{id}/skip``: give the contact back undialed."""
    async with request.app[SESSIONMAKER].begin() as session:
        attempt = await agent.skip_preview(
            session, contact_id=int(request.match_info["id"]), user=current_user(request)
        )
    return web.json_response(attempt_json(attempt))


@requires(Permission.CAMPAIGNS_WORK)
@described(response=ATTEMPT)
async def attempt_progress(request: web.Request) -> web.Response:
    """``GET /api/v1/dialer/attempts/{id}``: how my campaign call goes (or went)."""
    user = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        attempt = await session.get(CampaignAttempt, int(request.match_info["id"]))
        if attempt is None or attempt.agent_id != user.id:
            raise NotFound(N_("No such campaign call"))
        command = await _command_of(session, attempt)
    return web.json_response(attempt_json(attempt, command))


def _moment(value: Any, timezone: str) -> datetime | None:
    """An ISO date and time; one without an offset is read in the user's time zone."""
    if value is None or not str(value).strip():
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise DispositionInvalid(
            N_("Please correct the marked fields"),
            fields={"callback_at": N_("Not a date and time")},
        ) from None
    if not sane_due(moment):
        raise DispositionInvalid(
            N_("Please correct the marked fields"), fields={"callback_at": DUE_OUT_OF_RANGE}
        )
    return moment.replace(tzinfo=ZoneInfo(timezone)) if moment.tzinfo is None else moment


@requires(Permission.CAMPAIGNS_WORK)
@described(body=DISPOSITION_BODY, body_required=False, response=ATTEMPT)
async def disposition(request: web.Request) -> web.Response:
    """``POST /api/v1/dialer/attempts/{id}/disposition`` with ``disposition``,
    ``refusal_reason``, ``callback_at`` and ``note`` (JSON, or the pop's form)."""
    user = current_user(request)
    body = await _body(request)
    async with request.app[SESSIONMAKER].begin() as session:
        attempt = await agent.set_disposition(
            session,
            attempt_id=int(request.match_info["id"]),
            user=user,
            disposition=str(body.get("disposition") or ""),
            refusal_reason=str(body.get("refusal_reason") or ""),
            callback_at=_moment(body.get("callback_at"), user.timezone),
            note=str(body.get("note") or ""),
        )
    return web.json_response(attempt_json(attempt))
