from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from callcenter.migrate import current_revision, head_revision
from web.auth import public
from web.keys import ENGINE, LIVE_HUB, PBX, SESSIONMAKER


@public
async def health(request: web.Request) -> web.Response:
    """Database reachable, migrations current, PBX link state: for monitors and load balancers."""
    engine = request.app[ENGINE]
    hub = request.app[LIVE_HUB]
    database: dict[str, object] = {"reachable": False}
    ok = False
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        database["reachable"] = True
        current, head = await current_revision(engine), head_revision()
        database["migrations"] = {"current": current, "head": head, "up_to_date": current == head}
        ok = current == head
    except Exception as exc:  # the point is to report, not to fail
        database["error"] = type(exc).__name__
    body = {
        "status": "ok" if ok else "degraded",
        "database": database,
        "pbx": await request.app[PBX].status(request.app[SESSIONMAKER]),
        "live": {"listening": hub.listening, "sockets": len(hub.sockets)},
    }
    return web.json_response(body, status=200 if ok else 503)
