"""JSON API of the floor: click-to-call, queues' live figures, agents, pause and unpause."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from callcenter.errors import BadRequest, DomainError, NotFound
from callcenter.floor import service
from callcenter.floor.figures import live_agents, queue_figures
from callcenter.floor.models import PbxCommand
from callcenter.floor.placing import RequestInProgress
from callcenter.i18n import N_
from callcenter.users.exceptions import require_extension
from callcenter.users.roles import Permission
from web.apidoc.describe import (
    BOOL,
    COUNT,
    ID,
    MOMENT,
    NO_BODY,
    NUMBER,
    QUEUED,
    TEXT,
    Schema,
    array,
    described,
    nullable,
    obj,
)
from web.auth import current_user, requires
from web.errors import error_body
from web.floor_access import agent_json, agent_user, dial_json, logins_by_extension, queue_json
from web.keys import PBX, SESSIONMAKER, SETTINGS
from web.values import read_json_object

DIAL_BODY = obj(("to",), to={**TEXT, "minLength": 1}, key=TEXT)
DIAL: Schema = obj(
    ("id", "state", "progress"),
    id=ID,
    linkedid=nullable(TEXT),
    to=nullable(TEXT),
    state=TEXT,
    progress=TEXT,
    message=nullable(TEXT),
)  # ``web.floor_access.dial_json``
PAUSE_BODY = obj(reason=TEXT, queue=TEXT)
LOGIN_BODY = obj(paused=BOOL)
_SECONDS = nullable(NUMBER)
QUEUE: Schema = obj(
    ("queue", "title", "waiting", "callers"),
    queue=TEXT,
    title=TEXT,
    waiting=COUNT,
    longest_wait_seconds=_SECONDS,
    **{
        name: COUNT
        for name in (
            "offered_today",
            "answered_today",
            "abandoned_today",
            "exited_today",
            "lost_today",
            "completed_today",
            "talking",
        )
    },  # fmt: skip
    service_level_seconds=_SECONDS,
    service_level_today=_SECONDS,
    service_level2_today=_SECONDS,
    asa_seconds=_SECONDS,
    aht_seconds=_SECONDS,
    callers=array(obj(("display",), display=TEXT)),
    thresholds=obj(),
)  # ``web.floor_access.queue_json``
AGENT: Schema = obj(
    ("extension", "state", "since", "seconds_in_state", "queues"),
    login=nullable(TEXT),
    extension=TEXT,
    interface=TEXT,
    name=TEXT,
    pbx_name=TEXT,
    state=TEXT,
    reason=nullable(TEXT),
    since=MOMENT,
    seconds_in_state=COUNT,
    queues=array(TEXT),
    paused_queues=array(TEXT),
    linkedid=nullable(TEXT),
    queue=nullable(TEXT),
)  # ``web.floor_access.agent_json``


class PbxUnavailable(DomainError):
    id = "pbx_unavailable"
    status = 503


async def _json(request: web.Request) -> dict[str, Any]:
    return await read_json_object(request)


async def require_pbx(request: web.Request) -> None:
    """Refuse at once when no PBX link is up, rather than dial minutes later. A web process
    with ``CALLCENTER_PBX=off`` goes by the heartbeat of the listener leading elsewhere."""
    status = await request.app[PBX].status(request.app[SESSIONMAKER])
    if status.get("state") == "off":  # no listener here, nor a heartbeat from one elsewhere
        raise PbxUnavailable(N_("No PBX is configured"))
    if status.get("state") != "connected":
        raise PbxUnavailable(N_("The PBX is not connected: try again in a moment"))


async def start_dial(request: web.Request, number: str, key: str | None) -> PbxCommand:
    require_extension(current_user(request))  # said first: the PBX could not help either
    await require_pbx(request)
    settings = request.app[SETTINGS]
    async with request.app[SESSIONMAKER].begin() as session:
        return await service.click_to_call(
            session,
            user=current_user(request),
            number=number,
            plan=request.app[PBX].plan,
            region=settings.default_region,
            key=key,
        )


@requires(Permission.CALLS_DIAL)
@described(ok=202, errors=(409, 429, 503), body=DIAL_BODY, response=DIAL)
async def dial(request: web.Request) -> web.Response:
    """``POST /api/v1/calls {"to": ...}``; an ``Idempotency-Key`` header makes retries safe."""
    body = await _json(request)
    to = body.get("to")
    if not isinstance(to, str) or not to.strip():
        raise BadRequest(N_('Give the number to call in "to"'))
    key = request.headers.get("Idempotency-Key") or body.get("key")
    try:
        command = await start_dial(request, to, str(key)[:120] if key else None)
    except RequestInProgress as exc:
        return retry_later(exc)
    return web.json_response(dial_json(command), status=202)


def retry_later(exc: RequestInProgress) -> web.Response:
    """409 with ``Retry-After``: the same request is still being handled elsewhere."""
    headers = {"Retry-After": str(exc.retry_after_seconds)}
    return web.json_response(error_body(exc.id, exc.message), status=exc.status, headers=headers)


@requires(Permission.CALLS_DIAL)
@described(response=DIAL)
async def dial_progress(request: web.Request) -> web.Response:
    user = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        command = await session.get(PbxCommand, int(request.match_info["id"]))
    if command is None or command.kind != "originate" or command.user_id != user.id:
        raise NotFound(N_("No such call request"))
    return web.json_response(dial_json(command))


@requires(Permission.FLOOR_VIEW)
@described(response=obj(("queues",), queues=array(QUEUE)))
async def queues(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    async with request.app[SESSIONMAKER]() as session:
        figures = await queue_figures(
            session, now=datetime.now(UTC), timezone=settings.default_timezone
        )
    region = request.app[SETTINGS].default_region
    return web.json_response({"queues": [queue_json(f, region) for f in figures]})


@requires(Permission.FLOOR_VIEW)
@described(response=obj(("agents",), agents=array(AGENT)))
async def agents(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        rows = await live_agents(session)
        logins = await logins_by_extension(session)
    now = datetime.now(UTC)
    return web.json_response({"agents": [agent_json(a, logins, now) for a in rows]})


@requires(Permission.QUEUES_WORK)
@described(ok=202, errors=(409, 503), body=PAUSE_BODY, body_required=False, response=QUEUED)
async def pause(request: web.Request) -> web.Response:
    return await _set_paused(request, paused=True)


@requires(Permission.QUEUES_WORK)
@described(ok=202, errors=(409, 503), body=PAUSE_BODY, body_required=False, response=QUEUED)
async def unpause(request: web.Request) -> web.Response:
    return await _set_paused(request, paused=False)


async def _set_paused(request: web.Request, *, paused: bool) -> web.Response:
    body = await _json(request)
    await require_pbx(request)
    async with request.app[SESSIONMAKER].begin() as session:
        agent = await agent_user(session, current_user(request), request.match_info["login"])
        if not agent.extension:
            raise NotFound(N_("This user has no extension"))
        command = await service.set_paused(
            session,
            extension=agent.extension,
            paused=paused,
            reason=str(body.get("reason", "")),
            queue=str(body.get("queue", "")),
            plan=request.app[PBX].plan,
            by=current_user(request),
        )
    return web.json_response({"command_id": command.id, "state": command.state}, status=202)


@requires(Permission.QUEUES_WORK)
@described(ok=202, errors=(409, 503), body=LOGIN_BODY, body_required=False, response=QUEUED)
async def queue_login(request: web.Request) -> web.Response:
    await require_pbx(request)
    async with request.app[SESSIONMAKER].begin() as session:
        agent = await agent_user(session, current_user(request), request.match_info["login"])
        body = await _json(request)
        command = await service.log_in(
            session,
            agent=agent,
            queue=request.match_info["queue"],
            plan=request.app[PBX].plan,
            by=current_user(request),
            paused=bool(body.get("paused", False)),
        )
    return web.json_response({"command_id": command.id, "state": command.state}, status=202)


@requires(Permission.QUEUES_WORK)
@described(ok=202, errors=(409, 503), body=NO_BODY, response=QUEUED)
async def queue_logout(request: web.Request) -> web.Response:
    await require_pbx(request)
    async with request.app[SESSIONMAKER].begin() as session:
        agent = await agent_user(session, current_user(request), request.match_info["login"])
        if not agent.extension:
            raise NotFound(N_("This user has no extension"))
        await service.queue_of(session, request.match_info["queue"], request.app[PBX].plan.pbx)
        command = await service.log_out(
            session,
            extension=agent.extension,
            queue=request.match_info["queue"],
            plan=request.app[PBX].plan,
            by=current_user(request),
        )
    return web.json_response({"command_id": command.id, "state": command.state}, status=202)
