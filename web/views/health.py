"""``/health``: for monitors and load balancers, the truth about this process in a second.

Healthy (200) when the database answers with the newest schema and, wherever a PBX listener is
expected, a fresh heartbeat says one is hearing the PBX over a connected link. Otherwise 503,
with every problem named. It never hangs: each check is given ``CHECK_S`` and a check that
times out is itself the answer (the database away says so, it does not time the probe out).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from aiohttp import web

from callcenter.migrate import current_revision, head_revision
from web.auth import public
from web.keys import ENGINE, LIVE_HUB, LOOP_WATCH, PBX, SESSIONMAKER

CHECK_S = 5.0  # a busy machine answers within it; a hung database does not


async def _database(request: web.Request) -> tuple[dict[str, Any], list[str]]:
    engine = request.app[ENGINE]
    database: dict[str, Any] = {"reachable": False}
    try:
        async with asyncio.timeout(CHECK_S):
            current = await current_revision(engine)  # its answer: the database is there
            database["reachable"] = True
            head = head_revision()
    except TimeoutError:  # busy or away: either way, not answering in time
        database["error"] = "timeout"
        return database, [f"database not answering within {CHECK_S:g} s"]
    except Exception as exc:  # the point is to report, not to fail
        database["error"] = type(exc).__name__
        return database, ["database unreachable"]
    database["migrations"] = {"current": current, "head": head, "up_to_date": current == head}
    return database, [] if current == head else ["database schema not up to date"]


async def _pbx(request: web.Request) -> tuple[dict[str, Any], list[str]]:
    gateway = request.app[PBX]
    try:
        async with asyncio.timeout(CHECK_S):
            pbx = await gateway.status(request.app[SESSIONMAKER])
    except Exception as exc:  # the heartbeat lives in the database: away with it
        return {"mode": gateway.mode, "state": "unknown", "error": type(exc).__name__}, [
            "PBX listener state unknown"
        ]
    state = pbx.get("state")
    if state in ("off", None) and gateway.mode == "off":
        return pbx, []  # no PBX here, and no listener elsewhere has ever beaten
    if state in ("no leader", "standby", "stalled"):
        return pbx, ["no PBX listener is hearing the PBX"]
    if state != "connected":
        return pbx, [f"the PBX link is {state}"]
    return pbx, []


@public
async def health(request: web.Request) -> web.Response:
    hub = request.app[LIVE_HUB]
    (database, db_problems), (pbx, pbx_problems) = await asyncio.gather(
        _database(request), _pbx(request)
    )
    problems = db_problems + pbx_problems
    body = {
        "status": "degraded" if problems else "ok",
        "problems": problems,
        "database": database,
        "pbx": pbx,
        "live": {"listening": hub.listening, "sockets": len(hub.sockets)},
        "loop": request.app[LOOP_WATCH].figures(),  # how late this process's loop ran
        "process": os.getpid(),  # which of the web processes answered
    }
    return web.json_response(body, status=503 if problems else 200)


@public
async def favicon(request: web.Request) -> web.StreamResponse:
    """Browsers ask for /favicon.ico whatever the page says: the icon is the SVG."""
    raise web.HTTPMovedPermanently("/static/favicon.svg")
