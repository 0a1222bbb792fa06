"""The live hub: PostgreSQL LISTEN in every web process, fanned out to users' websockets.

Any process may commit a call event (the PBX listener does); every web process hears it and
pushes it to the sockets of the users it concerns, so an operator connected to any process pops.
Calls go to the sockets of an extension that show pops (the workspace); task reminders and due
counts go to every socket (every open page) of the users they name.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiohttp import WSMsgType, web
from sqlalchemy.exc import DBAPIError

from callcenter.calls.screenpop import ringing_for_extension
from callcenter.clients.service import client_scope
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.live import CALL_KINDS, CHANNEL, LiveKind
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web import i18n
from web.auth import current_user, signed_in
from web.floor_access import with_display
from web.keys import LIVE_HUB, SESSIONMAKER, SETTINGS
from web.live_tasks import send_task_count, send_task_toasts
from web.pop_cards import PopCards, forget_card
from web.proxy import same_site_origin

log = logging.getLogger(__name__)
HUB_NAME = "callcenter-live-hub"  # its LISTEN connection, as pg_stat_activity shows it
MAX_WAITING = 10_000  # notifications heard and not yet sent out
PopKey = tuple[str, str, int | None]  # language, time zone, client scope: one card for each


@dataclass(frozen=True)
class Listener:
    """Who a socket belongs to, as needed to address and render pops for them."""

    user_id: int
    extension: str
    language: str
    timezone: str
    watches_floor: bool = False
    pops: bool = True  # this page shows screen-pops (the workspace)
    client_scope: int | None = None  # whose clients the pop may show: None, every client


FLOOR_KINDS = (LiveKind.AGENT, LiveKind.QUEUE)  # sent by ``LiveHub.floor_forever``


def floor_key(message: dict[str, Any]) -> tuple[str, str, str] | None:
    """What a floor figure describes (one agent, one queue), or None for any other kind."""
    kind = message.get("kind")
    if kind == LiveKind.AGENT:
        return (kind, str(message.get("pbx")), str(message.get("interface")))
    if kind == LiveKind.QUEUE:
        return (kind, str(message.get("pbx")), str(message.get("queue")))
    return None


CALLS_PER_OTHER = 4  # calls sent in a row before a waiting reminder or command goes
FLOOR_TICK = 0.25  # floor figures go to the wallboards together, at most this often


class LiveHub:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.sockets: dict[web.WebSocketResponse, Listener] = {}
        self.by_extension: dict[str, set[web.WebSocketResponse]] = defaultdict(set)
        self.by_user: dict[int, set[web.WebSocketResponse]] = defaultdict(set)
        self.floor_watchers: set[web.WebSocketResponse] = set()
        self.campaign_watchers: set[web.WebSocketResponse] = set()
        self._listening = False
        # calls first: a pop never waits behind a burst of reminders; each queue keeps its
        # own order (a call's ringing, answered, ended)
        self._calls: deque[dict[str, Any]] = deque()
        self._rest: deque[dict[str, Any]] = deque()
        # floor figures not yet sent, by what each describes: each is the whole state of one
        # agent or queue, so a newer one takes the waiting one's place (an overloaded hub
        # sends fewer, fresher figures instead of falling ever further behind); they go out
        # together every ``FLOOR_TICK``, one frame per wallboard, not a frame per figure
        self._floor_waiting: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.coalesced = 0
        self._calls_in_a_row = 0
        self._heard = asyncio.Event()
        self._floor_heard = asyncio.Event()
        self.cards = PopCards(app)
        self.region = app[SETTINGS].default_region

    @property
    def listening(self) -> bool:
        """Whether this process hears the database's notifications (pops can reach pages)."""
        return self._listening

    async def set_listening(self, listening: bool) -> None:
        """Tell every page whether pops can reach it; once hearing again, send each workspace
        the calls ringing now, as notifications sent while deaf were lost."""
        if listening == self._listening:
            return
        self._listening = listening
        frame = json.dumps({"type": "link", "listening": listening})
        for ws in list(self.sockets):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(frame)
        if listening:
            for extension, sockets in list(self.by_extension.items()):
                await self.send_ringing_now(list(sockets), extension)

    async def send_ringing_now(self, sockets: list[web.WebSocketResponse], extension: str) -> None:
        """The calls ringing at this extension now, as ringing frames (a pop each)."""
        try:
            async with self.app[SESSIONMAKER]() as session:
                ringing = await ringing_for_extension(session, extension)
        except (OSError, DBAPIError) as exc:
            log.warning("calls ringing at %s not read: %s", extension, exc)
            return
        for call in ringing:
            number = call.caller if call.direction == "inbound" else call.callee
            message = {
                "kind": LiveKind.RINGING,
                "linkedid": call.linkedid,
                "number": number,
                "direction": call.direction,
                "queue": call.queue,
                "event_at": call.started_at.timestamp(),  # the pop's timer runs from it
                "heard_at": time.time(),
            }
            rendered: dict[PopKey, str] = {}
            for ws in sockets:
                await self.send_call(ws, message, rendered)

    def register(self, ws: web.WebSocketResponse, user: User, *, pops: bool = True) -> Listener:
        listener = Listener(
            user.id,
            user.extension or "",
            user.language,
            user.timezone,
            watches_floor=user.can(Permission.FLOOR_VIEW),
            pops=pops,
            client_scope=client_scope(user),
        )
        self.sockets[ws] = listener
        self.by_user[user.id].add(ws)
        if listener.extension and pops:
            self.by_extension[listener.extension].add(ws)
        if listener.watches_floor:
            self.floor_watchers.add(ws)
        if user.can(Permission.CAMPAIGNS_VIEW):
            self.campaign_watchers.add(ws)
        return listener

    def unregister(self, ws: web.WebSocketResponse) -> None:
        listener = self.sockets.pop(ws, None)
        self.floor_watchers.discard(ws)
        self.campaign_watchers.discard(ws)
        if listener is None:
            return
        self.by_user[listener.user_id].discard(ws)
        if not self.by_user[listener.user_id]:
            del self.by_user[listener.user_id]
        if listener.extension:
            self.by_extension[listener.extension].discard(ws)

    def on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            log.error("live notification dropped: %.200s", payload)
            return
        message["heard_at"] = time.time()
        if key := floor_key(message):
            if key in self._floor_waiting:  # the newer state of the same agent or queue
                self.coalesced += 1
            self._floor_waiting[key] = message  # bounded by the agents and queues there are
            self._floor_heard.set()
            return
        if len(self._calls) + len(self._rest) >= MAX_WAITING:
            log.error("live notification dropped, %d waiting: %.200s", MAX_WAITING, payload)
            return
        (self._calls if message.get("kind") in CALL_KINDS else self._rest).append(message)
        self._heard.set()

    async def listen_forever(self) -> None:
        """Hold a LISTEN connection, reconnecting with back-off when the database drops."""
        url = self.app[SETTINGS].database_url or ""
        url = url.replace("postgresql+asyncpg://", "postgresql://")
        delay = 0.5
        while True:
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(url, server_settings={"application_name": HUB_NAME})
                try:
                    conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                    await conn.add_listener(CHANNEL, self.on_notify)
                    delay = 0.5
                    await self.set_listening(True)
                    await self._hold(conn, lost)
                finally:
                    conn.terminate()  # synchronous: closes even while being cancelled
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("live hub lost the database: %s", exc)
            await self.set_listening(False)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _hold(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), 5.0)
            if not lost.is_set():
                await conn.execute("SELECT 1")  # notice a dead socket, not only a close

    async def dispatch_forever(self) -> None:
        while True:
            if not self._calls and not self._rest:
                self._heard.clear()
                await self._heard.wait()
            self.cards.read_ahead(self._calls, self._shown)
            message = self._next()
            try:
                await self.dispatch(message)
            except Exception:
                log.exception("live notification %s failed", message.get("kind"))
            finally:
                forget_card(message)

    async def floor_forever(self) -> None:
        """Floor figures to the wallboards, every ``FLOOR_TICK`` at most: each board gets one
        frame with every agent and queue that changed since the last, so 5,000 PBX events a
        second cost the hub a few sends a second per board, not thousands, and the pops'
        loop stays free. A figure waits at most a tick (plus the sends before it)."""
        while True:
            if not self._floor_waiting:
                self._floor_heard.clear()
                await self._floor_heard.wait()
            figures, self._floor_waiting = list(self._floor_waiting.values()), {}
            try:
                await self.send_floor(figures)
            except Exception:
                log.exception("floor figures failed")
            await asyncio.sleep(FLOOR_TICK)

    def _next(self) -> dict[str, Any]:
        """Calls first, but never all of the hub's time: with calls and other messages both
        waiting, one other goes after every ``CALLS_PER_OTHER`` calls, so a stream of pops
        cannot starve the reminders and commands."""
        if self._rest and (not self._calls or self._calls_in_a_row >= CALLS_PER_OTHER):
            self._calls_in_a_row = 0
            return self._rest.popleft()
        self._calls_in_a_row += 1
        return self._calls.popleft()

    def _shown(self, message: dict[str, Any]) -> bool:
        return bool(self.by_extension.get(str(message.get("extension", ""))))

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Send a notification to the pages it concerns, by its kind (``SENDERS``)."""
        try:
            kind = LiveKind(str(message.get("kind")))
        except ValueError:
            return  # not a kind this version knows
        sender = SENDERS.get(kind)
        if sender is not None:
            await sender(self, message)

    async def send_calls(self, message: dict[str, Any]) -> None:
        """A call ringing, answered or gone: to the workspaces of its extension."""
        rendered: dict[PopKey, str] = {}  # one render per language, time zone and scope
        for ws in list(self.by_extension.get(str(message.get("extension", "")), ())):
            await self.send_call(ws, message, rendered)

    async def send_campaign(self, message: dict[str, Any]) -> None:
        """Only the id: pages allowed to see the campaign fetch the figures."""
        text = json.dumps({"type": "campaign", "id": message.get("id"),
                           "event_at": message.get("event_at")})  # fmt: skip
        for ws in list(self.campaign_watchers):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(text)

    async def send_command(self, message: dict[str, Any]) -> None:
        """How a PBX command goes: to the pages of the user who gave it."""
        frame = {**message, "type": "command"}
        for ws in list(self.by_user.get(message.get("user_id") or 0, ())):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_json(frame)

    async def send_floor(self, figures: list[dict[str, Any]]) -> None:
        """Every figure to every wallboard, as one ``floor`` frame per language (the pause
        reason and the waiting callers are shown in it); an agent's own figure also to that
        agent's pages that do not watch the floor, as an ``agent`` frame."""
        batches: dict[str, str] = {}
        for ws in list(self.floor_watchers):
            listener = self.sockets.get(ws)
            if listener is None or ws.closed:
                continue
            if listener.language not in batches:
                shown = [self._figure(message, listener.language) for message in figures]
                batches[listener.language] = json.dumps(
                    {"type": "floor", "figures": shown}, ensure_ascii=False
                )
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(batches[listener.language])
        for message in figures:
            if message["kind"] == LiveKind.AGENT:
                await self._to_the_agent(message)

    async def _to_the_agent(self, message: dict[str, Any]) -> None:
        sockets = self.by_extension.get(str(message.get("extension", "")), set())
        frames: dict[str, str] = {}
        for ws in list(sockets - self.floor_watchers):
            listener = self.sockets.get(ws)
            if listener is None or ws.closed:
                continue
            if listener.language not in frames:
                frame = self._figure(message, listener.language)
                frames[listener.language] = json.dumps(frame, ensure_ascii=False)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(frames[listener.language])

    def _figure(self, message: dict[str, Any], language: str) -> dict[str, Any]:
        """A floor figure as a page shows it in ``language``."""
        frame = {**message, "type": message["kind"]}
        if frame.get("callers"):
            frame["callers"] = with_display(frame["callers"], self.region)
        if frame.get("reason"):
            i18n.LANGUAGE.set(language)
            frame["reason"] = i18n.gettext(frame["reason"])
        return frame

    async def send_call(
        self,
        ws: web.WebSocketResponse,
        message: dict[str, Any],
        rendered: dict[PopKey, str] | None = None,
    ) -> None:
        listener = self.sockets.get(ws)
        if listener is None or ws.closed:
            return
        frame = {
            "type": message["kind"],
            "linkedid": message.get("linkedid", ""),
            "event_at": message.get("event_at"),  # the PBX's time of the event
            # when the listener sent it (with its call stored, or a pop just ahead of it)
            "sent_at": message.get("sent_at"),
            "heard_at": message.get("heard_at"),  # when this process heard the NOTIFY
        }
        replaces = message.get("replaces")
        if message["kind"] == LiveKind.RINGING or replaces:
            # the card differs by whose clients the user sees: never one user's card to another
            key = (listener.language, listener.timezone, listener.client_scope)
            cache = rendered if rendered is not None else {}
            if key not in cache:
                cache[key] = await self.cards.render(*key, message)
            frame["html"] = cache[key]
            if replaces:  # answered on a call that the agent's own joined (a parked call)
                frame["replaces"] = replaces
        elif message["kind"] == LiveKind.ENDED:
            frame["outcome"] = message.get("outcome")
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_json(frame)


# Who hears each kind of notification; the PBX listener's own kinds reach no page, and the
# floor's figures go their own way (``LiveHub.floor_forever``).
SENDERS: dict[LiveKind, Callable[[LiveHub, dict[str, Any]], Awaitable[None]]] = {
    LiveKind.RINGING: LiveHub.send_calls,
    LiveKind.ANSWERED: LiveHub.send_calls,
    LiveKind.ENDED: LiveHub.send_calls,
    LiveKind.TASK_DUE: send_task_toasts,
    LiveKind.TASK_POOL_DUE: send_task_toasts,
    LiveKind.TASK_COUNT: send_task_count,
    LiveKind.CAMPAIGN: LiveHub.send_campaign,
    LiveKind.COMMAND: LiveHub.send_command,
}


async def live_hub_ctx(app: web.Application) -> AsyncIterator[None]:
    hub = LiveHub(app)
    app[LIVE_HUB] = hub
    tasks = [
        asyncio.create_task(hub.listen_forever(), name="live-listen"),
        asyncio.create_task(hub.dispatch_forever(), name="live-dispatch"),
        asyncio.create_task(hub.floor_forever(), name="live-floor"),
    ]
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for ws in list(hub.sockets):
        await ws.close()


@signed_in
async def live_socket(request: web.Request) -> web.WebSocketResponse:
    """The operator page's socket: calls ringing now on connect, then every change.

    A browser names the page's origin: one of another site is refused before the upgrade
    (the cookie would go along, so its page could read the pops). Programs that send no
    Origin (with an API token) are let in."""
    origin = request.headers.get("Origin")
    if origin is not None and not same_site_origin(request, origin):
        raise Forbidden(N_("The live feed opens only from this site's pages"))
    user = current_user(request)
    hub = request.app[LIVE_HUB]
    ws = web.WebSocketResponse(heartbeat=20.0, compress=False)
    await ws.prepare(request)
    listener = hub.register(ws, user, pops=request.query.get("pops") != "0")
    try:
        hello = {"type": "hello", "extension": listener.extension, "listening": hub.listening}
        await ws.send_json(hello)
        if listener.extension and listener.pops:
            await hub.send_ringing_now([ws], listener.extension)
        async for msg in ws:
            if msg.type == WSMsgType.TEXT and msg.data == "ping":
                await ws.send_str("pong")
    finally:
        hub.unregister(ws)
    return ws
