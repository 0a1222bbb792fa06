"""Task frames on users' sockets: a reminder toast when a task falls due, the due count badge.

Every page a user has open gets them (not only the workspace), in every web process.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.live import LiveKind
from web import i18n
from web.keys import SETTINGS

if TYPE_CHECKING:
    from web.live import Listener, LiveHub


async def _send(ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
    if ws.closed:
        return
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.send_json(frame)


def _template_for(app: web.Application, listener: Listener, name: str) -> Any:
    """A toast's template, rendered in the user's language and time zone."""
    i18n.LANGUAGE.set(listener.language)
    i18n.TIMEZONE.set(listener.timezone)
    i18n.REGION.set(app[SETTINGS].default_region)
    return aiohttp_jinja2.get_env(app).get_template(name)


def render_toast(app: web.Application, listener: Listener, message: dict[str, Any]) -> str:
    """The reminder as the user reads it: their language, their time zone."""
    return _template_for(app, listener, "tasks/_toast.html").render(
        task_id=int(message["task_id"]),
        kind=str(message.get("task_kind", "")),
        title=str(message.get("title", "")),
        client_name=str(message.get("client_name", "")),
        due_at=datetime.fromisoformat(message["due_at"]),
    )


def render_pool_toast(app: web.Application, listener: Listener, message: dict[str, Any]) -> str:
    """Many of a queue's pool tasks due at once: how many, the first few, the pool's list."""
    return _template_for(app, listener, "tasks/_pool_toast.html").render(
        queue=str(message.get("queue", "")),
        count=int(message.get("count", 0)),
        titles=[str(t) for t in message.get("titles", [])],
    )


async def send_task_count(hub: LiveHub, message: dict[str, Any]) -> None:
    """A user's count of due tasks, for the badge on each of their pages."""
    frame = {"type": "task_count", "due_count": int(message.get("due_count", 0))}
    for ws in list(hub.by_user.get(int(message.get("user_id", 0)), ())):
        await _send(ws, frame)


async def send_task_toasts(hub: LiveHub, message: dict[str, Any]) -> None:
    """A task's reminder (or a queue pool's) as a toast, to every page of its users."""
    counts = message.get("due_counts", {})
    pool = message.get("kind") == LiveKind.TASK_POOL_DUE
    # a queue's pool toast replaces the last one of that queue on the page
    toast_id = f"queue:{message.get('queue', '')}" if pool else int(message["task_id"])
    render = render_pool_toast if pool else render_toast
    rendered: dict[tuple[str, str], str] = {}  # one render per language and time zone
    for user_id in message.get("user_ids", []):
        for ws in list(hub.by_user.get(int(user_id), ())):
            listener = hub.sockets.get(ws)
            if listener is None:
                continue
            key = (listener.language, listener.timezone)
            if key not in rendered:
                rendered[key] = render(hub.app, listener, message)
            frame = {
                "type": "task_due",
                "task_id": toast_id,
                "html": rendered[key],
                "due_count": counts.get(str(user_id)),
            }
            await _send(ws, frame)
