"""JSON API of call control: hang up, transfer and park one's own call; listen in on any."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.floor import call_control
from callcenter.floor.models import PbxCommand
from callcenter.users.roles import Permission
from web.api.floor import require_pbx
from web.apidoc.describe import NO_BODY, QUEUED, TEXT, described, obj
from web.auth import current_user, requires
from web.keys import PBX, SESSIONMAKER, SETTINGS
from web.values import read_json_object

TRANSFER_BODY = obj(
    ("to", "target"),
    mode={"enum": ["blind", "attended"]},
    to={"enum": ["agent", "queue", "number"]},
    target=TEXT,
    note=TEXT,
)
SPY_BODY = obj(("mode", "agent"), mode={"enum": ["listen", "whisper", "barge"]}, agent=TEXT)


def _queued(command: PbxCommand) -> web.Response:
    body = {"command_id": command.id, "command": command.kind, "state": command.state}
    return web.json_response(body, status=202)


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    return value if isinstance(value, str) else ""


@requires(Permission.CALLS_DIAL)
@described(ok=202, errors=(409, 503), body=NO_BODY, response=QUEUED)
async def hang_up(request: web.Request) -> web.Response:
    """``POST /api/v1/calls/{linkedid}/hangup``: end one's own leg of the call."""
    await require_pbx(request)
    async with request.app[SESSIONMAKER].begin() as session:
        command = await call_control.hang_up(
            session,
            linkedid=request.match_info["linkedid"],
            user=current_user(request),
            plan=request.app[PBX].plan,
        )
    return _queued(command)


@requires(Permission.CALLS_DIAL)
@described(ok=202, errors=(409, 503), body=TRANSFER_BODY, response=QUEUED)
async def transfer(request: web.Request) -> web.Response:
    """``POST /api/v1/calls/{linkedid}/transfer {"mode": "blind"|"attended", "to":
    "agent"|"queue"|"number", "target": ..., "note": ...}``."""
    body = await read_json_object(request)
    await require_pbx(request)
    async with request.app[SESSIONMAKER].begin() as session:
        command = await call_control.transfer(
            session,
            linkedid=request.match_info["linkedid"],
            user=current_user(request),
            plan=request.app[PBX].plan,
            attended=_text(body, "mode") == "attended",
            target_kind=_text(body, "to"),
            target=_text(body, "target"),
            note=_text(body, "note"),
            region=request.app[SETTINGS].default_region,
        )
    return _queued(command)


@requires(Permission.CALLS_DIAL)
@described(ok=202, errors=(409, 503), body=NO_BODY, response=QUEUED)
async def park(request: web.Request) -> web.Response:
    """``POST /api/v1/calls/{linkedid}/park``: the customer waits in the parking lot."""
    await require_pbx(request)
    async with request.app[SESSIONMAKER].begin() as session:
        command = await call_control.park(
            session,
            linkedid=request.match_info["linkedid"],
            user=current_user(request),
            plan=request.app[PBX].plan,
        )
    return _queued(command)


@requires(Permission.FLOOR_CONTROL)
@described(ok=202, errors=(409, 503), body=SPY_BODY, response=QUEUED)
async def spy(request: web.Request) -> web.Response:
    """``POST /api/v1/calls/{linkedid}/spy {"mode": "listen"|"whisper"|"barge", "agent":
    extension}``: the supervisor's own phone rings into the agent's call."""
    body = await read_json_object(request)
    await require_pbx(request)
    async with request.app[SESSIONMAKER].begin() as session:
        command = await call_control.spy(
            session,
            linkedid=request.match_info["linkedid"],
            supervisor=current_user(request),
            mode=_text(body, "mode"),
            agent=_text(body, "agent"),
            plan=request.app[PBX].plan,
        )
    return _queued(command)
