"""JSON API for calls: ``GET /api/v1/calls`` (filters) and ``GET /api/v1/calls/live``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from callcenter.calls.models import CallRow
from callcenter.calls.recordings import recording_path
from callcenter.calls.service import get_call, list_calls, logins_by_user_id
from callcenter.calls.store import extension_of
from callcenter.users.roles import Permission
from web.apidoc.describe import (
    BOOL,
    ID,
    MOMENT,
    NUMBER,
    TEXT,
    Schema,
    array,
    described,
    items,
    nullable,
    obj,
    param,
)
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.queries import call_query

_WHEN = nullable(MOMENT)
CALL: Schema = obj(
    ("linkedid", "direction", "caller", "callee", "outcome", "started_at", "legs"),
    linkedid=TEXT,
    direction=TEXT,
    caller=TEXT,
    callee=TEXT,
    client_id=nullable(ID),
    queue=nullable(TEXT),
    outcome=nullable(TEXT),
    hangup_cause=nullable({"type": ["integer", "string"]}),
    started_at=_WHEN,
    answered_at=_WHEN,
    ended_at=_WHEN,
    end_uncertain=BOOL,
    ended_latest_at=_WHEN,
    wait_seconds=NUMBER,
    talk_seconds=NUMBER,
    hold_seconds=NUMBER,
    recording=nullable(TEXT),
    legs=array(
        obj(
            ("uniqueid", "channel"),
            uniqueid=TEXT,
            channel=TEXT,
            agent=nullable(TEXT),
            answered_at=_WHEN,
            ended_at=_WHEN,
            talk_seconds=NUMBER,
        )
    ),
)
FILTERS = (
    param("since", MOMENT),
    param("until", MOMENT),
    param("phone", TEXT),
    param("client_id", ID),
    param("queue", TEXT),
    param("agent", TEXT, "a login or an extension"),
    param("direction", TEXT),
    param("outcome", TEXT),
    param("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
    param("offset", {"type": "integer", "minimum": 0, "maximum": 100000}),
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def call_json(call: CallRow, logins: dict[int, str]) -> dict[str, Any]:
    return {
        "linkedid": call.linkedid,
        "direction": call.direction,
        "caller": call.caller,
        "callee": call.callee,
        "client_id": call.client_id,
        "queue": call.queue or None,
        "outcome": call.outcome,
        "hangup_cause": call.hangup_cause,
        "started_at": _iso(call.started_at),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        # ended while the PBX was not heard: between ended_at and ended_latest_at
        "end_uncertain": call.end_uncertain,
        "ended_latest_at": _iso(call.ended_latest_at),
        "wait_seconds": round(call.wait_seconds, 3),
        "talk_seconds": round(call.talk_seconds, 3),
        "hold_seconds": round(call.hold_seconds, 3),
        "recording": call.recording or None,
        "legs": [
            {
                "uniqueid": leg.uniqueid,
                "channel": leg.channel,
                "agent": logins.get(leg.user_id or 0) or extension_of(leg.agent) or None,
                "answered_at": _iso(leg.answered_at),
                "ended_at": _iso(leg.ended_at),
                "talk_seconds": round(leg.talk_seconds, 3),
            }
            for leg in call.legs
        ],
    }


async def _answer(request: web.Request, *, live: bool) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        calls = await list_calls(
            session,
            call_query(request, live=live),
            actor=current_user(request),
            region=request.app[SETTINGS].default_region,
        )
        logins = await logins_by_user_id(session, calls)
    return web.json_response({"items": [call_json(c, logins) for c in calls]})


@requires(Permission.CALLS_VIEW)
@described(response=items(CALL), query=FILTERS)
async def calls(request: web.Request) -> web.Response:
    return await _answer(request, live=False)


@requires(Permission.CALLS_VIEW)
@described(response=items(CALL))
async def live_calls(request: web.Request) -> web.Response:
    return await _answer(request, live=True)


@requires(Permission.CALLS_VIEW)
async def recording(request: web.Request) -> web.StreamResponse:
    """The call's recording, after the same role check as the call; ranges for seeking."""
    settings = request.app[SETTINGS]
    async with request.app[SESSIONMAKER]() as session:
        call = await get_call(session, request.match_info["linkedid"], actor=current_user(request))
    path = recording_path(
        call.recording, recordings_dir=settings.recordings_dir, pbx_dir=settings.pbx_recordings_dir
    )
    return web.FileResponse(path, headers={"Cache-Control": "private, no-store"})
