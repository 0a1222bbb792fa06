"""The AMI link to one PBX: panoramisk's ``Manager`` with its gaps closed.

- Reconnects with exponential back-off and jitter (panoramisk retries at a fixed delay).
- A ping watchdog treats an unanswered ping as a dead link (panoramisk never checks).
- An action in flight when the link drops fails with ``PbxLinkLost``; nothing is resent
  blindly (panoramisk resends, so an ``Originate`` could dial twice).
- Events are parsed by ``ami.protocol`` and handed, typed and time-stamped, to a sync intake
  callback in arrival order; replies to our actions go through panoramisk's futures.
- After every (re)login ``on_login`` runs, for the listener to resync live state.
- A snapshot action (``CoreShowChannels``, ``QueueStatus``) can take an ``in_order`` hook,
  run the moment its last answer is read, before any event read after it is handed on: the
  snapshot takes its place among the events exactly where the PBX put it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message as PanoramiskMessage

from ami.events import AmiEvent, Response, to_event
from ami.protocol import AmiParser, Message

log = logging.getLogger(__name__)

Intake = Callable[[AmiEvent, float], None]  # (event, unix time received)
InOrder = Callable[[Any, float], None]  # (an action's whole answer, unix time received)


# Asterisk's own time of an event is believed only inside these bounds (2000 to 2100):
# ``Timestamp: 1e20``, ``inf`` or ``nan`` would break every date made from it
EARLIEST_EVENT, LATEST_EVENT = 946_684_800.0, 4_102_444_800.0


def event_time(stamp: str, received: float) -> float:
    """The event's time: Asterisk's ``Timestamp`` when it is a sane unix time, else when we
    received it."""
    if not stamp:
        return received
    try:
        at = float(stamp)
    except ValueError:
        at = math.nan
    if EARLIEST_EVENT <= at <= LATEST_EVENT:  # False for nan
        return at
    log.warning("AMI: bad Timestamp %r, using the time received", stamp[:40])
    return received


class PbxLinkLost(ConnectionError):
    """The link dropped (or is down) before the PBX answered; the action was not resent."""


class LinkState(StrEnum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class Backoff:
    initial: float = 0.5
    # capped low: a PBX on loopback or the LAN is cheap to retry, and every second of
    # back-off after it is back is a second of calls the CRM does not hear
    maximum: float = 2.0
    factor: float = 2.0
    jitter: float = 0.3  # +- share of the delay, so many CRMs don't reconnect in step

    def delay(self, attempt: int) -> float:
        base = min(self.maximum, self.initial * self.factor ** max(attempt, 0))
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))


@dataclass(frozen=True)
class PbxConfig:
    name: str
    host: str
    port: int
    username: str
    secret: str
    ping_interval: float = 5.0
    ping_timeout: float = 5.0
    connect_timeout: float = 5.0
    backoff: Backoff = Backoff()


class _Protocol(AMIProtocol):  # type: ignore[misc]
    """panoramisk's protocol with our parser: events go to the link, replies to futures."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.parser = AmiParser()  # the manager gives it the link's check once it is known

    def data_received(self, data: bytes) -> None:
        """Never raises: an exception here would make asyncio abort the connection and lose
        every message read with it. A message that cannot be handled is logged and skipped."""
        # the banner can arrive before panoramisk has given the protocol its manager
        link: PbxLink | None = getattr(self.factory, "link", None)
        received = link.clock() if link is not None else time.time()
        if link is not None:
            link.last_heard_at = received
        parser = self.parser
        dropped = parser.dropped
        try:
            messages = parser.feed(data)
        except Exception:  # a parser bug: its buffer is suspect, start afresh
            log.exception("AMI: unreadable data, %d bytes skipped", len(data))
            parser.reset()
            return
        for message in messages:
            try:
                self._route(message, received)
            except Exception:
                if link is not None:
                    link.malformed += 1
                log.exception("AMI: message skipped: %r", _excerpt(message))
        if parser.dropped != dropped and link is not None:  # refused before parsing
            link.skipped += parser.dropped - dropped
            link.last_event_at = received

    def _route(self, message: Message, received: float) -> None:
        kind = message.kind  # read once: this runs for every message
        action_id = message.first("ActionID") if "ActionID" in message else ""
        if kind == "Response" or (action_id and action_id in self.responses):
            reply = PanoramiskMessage(dict(message))
            if isinstance(reply.get("ActionID"), list):  # one id, whatever the PBX repeated
                reply["ActionID"] = action_id
            action = self.responses.get(action_id) if action_id else None
            self.handle_message(reply)
            link: PbxLink | None = getattr(self.factory, "link", None)
            if action is not None and action.future.done() and link is not None:
                link.answered(action_id, action.future, received)  # its last answer, just now
            return
        if kind != "Event":
            return
        if message.first("Event") == "Shutdown":
            log.warning("the PBX is shutting down")
        self.factory.link.intake_message(message, received)


def _excerpt(message: Message) -> str:
    return repr(dict(message))[:300]


class _Manager(Manager):  # type: ignore[misc]
    """One connection attempt; the link, not panoramisk, decides when to reconnect."""

    def __init__(self, link: PbxLink, **config: Any) -> None:
        super().__init__(protocol_factory=_Protocol, ping_delay=10**9, **config)
        self.link = link
        self.lost = asyncio.Event()
        self.logged_in: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def connection_made(self, f: asyncio.Future[Any]) -> None:
        if f.cancelled() or f.exception() is not None:
            return  # the link's connect() raises it
        super().connection_made(f)
        # events nobody reads are refused on their raw text, before parsing (whatever
        # arrived before this, the banner and the login's answer, is parsed as ever)
        self.protocol.parser.keep = getattr(self.link.wants, "keeps_text", None)

    def login(self, future: asyncio.Future[Any]) -> bool:
        try:
            ok = bool(super().login(future))
        except Exception as exc:  # the link was lost during login
            ok = False
            log.warning("PBX %s: login failed: %s", self.link.config.name, exc)
        if not self.logged_in.done():
            self.logged_in.set_result(ok)
        return ok

    def ping(self) -> None:
        """The link's watchdog pings; panoramisk's own pinger stays off."""

    async def send_awaiting_actions(self, *_: Any) -> None:
        """Never resend: what was in flight has already failed with PbxLinkLost."""

    def connection_lost(self, exc: Exception | None) -> None:
        self._connected = False
        self.fail_pending()
        self.lost.set()

    def fail_pending(self) -> None:
        pending = list(self.awaiting_actions)
        if self.protocol is not None:
            pending += list(self.protocol.responses.values())
            self.protocol.responses.clear()
        self.awaiting_actions.clear()
        for action in pending:
            if not action.future.done():
                action.future.set_exception(PbxLinkLost("the PBX link dropped: not resent"))


class PbxLink:
    """One PBX, kept connected: ``start()``, ``send(...)``, ``stop()``.

    ``intake`` receives every event in arrival order (synchronously, from the protocol: keep it
    cheap, e.g. put on a queue); ``on_login`` runs after every login, before intake resumes
    mattering to anyone (the listener resyncs there).
    """

    def __init__(
        self,
        config: PbxConfig,
        *,
        intake: Intake,
        on_login: Callable[[PbxLink], Awaitable[None]] | None = None,
        wants: Callable[[Message], bool] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.clock = clock  # unix time: when a message is received (a test may set the hour)
        self.intake = intake
        self.on_login = on_login
        self.wants = wants  # None: every event; else those it says yes to (the rest counted)
        self.skipped = 0
        self.malformed = 0  # messages that could not be handled, logged and skipped
        self._state = LinkState.STOPPED
        self.state_changed = asyncio.Event()  # set at each change (the heartbeat says it)
        self.last_event_at: float | None = None
        # the last moment anything (an event, an answer) was read from the PBX, and that
        # moment when the link was last lost: calls that ended unheard ended after it
        self.last_heard_at: float | None = None
        self.lost_at: float | None = None
        self.connected_since: float | None = None
        self.reconnects = 0
        self.reading_paused = False  # backpressure: the consumer asked us to stop reading
        self._manager: _Manager | None = None
        self._task: asyncio.Task[None] | None = None
        self._in_order: dict[str, InOrder] = {}  # ActionID -> hook (see ``send``)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._supervise(), name=f"pbx-{self.config.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._close()
        self.state = LinkState.STOPPED

    @property
    def state(self) -> LinkState:
        return self._state

    @state.setter
    def state(self, state: LinkState) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.set()

    @property
    def connected(self) -> bool:
        return self.state == LinkState.CONNECTED

    def intake_message(self, message: Message, received: float) -> None:
        """Hand an event on with its time: Asterisk's own (``timestampevents = yes``) when it
        sends one, so call times agree with its CDR and queue_log; else when we received it."""
        self.last_event_at = received
        if self.wants is not None and not self.wants(message):
            self.skipped += 1  # nobody handles it: not worth a typed event
            return
        event = to_event(message)
        if isinstance(event, Response):
            return
        self.intake(event, event_time(message.first("Timestamp"), received))

    def pause_reading(self, paused: bool) -> None:
        """Backpressure: stop reading the socket while the consumer catches up."""
        self.reading_paused = paused
        protocol = self._manager.protocol if self._manager else None
        transport = getattr(protocol, "transport", None)
        if transport is not None and not transport.is_closing():
            (transport.pause_reading if paused else transport.resume_reading)()

    async def send(
        self,
        action: dict[str, Any],
        *,
        as_list: bool = False,
        wait_s: float = 10.0,
        in_order: InOrder | None = None,
    ) -> Any:
        """Send an action; raises PbxLinkLost when the link is down or drops before the reply.

        ``in_order(answer, received)`` runs synchronously the moment the whole answer is
        read, before any event read after it reaches ``intake`` (the awaiting coroutine
        resumes only later, when more events may have been handed on): how a snapshot of
        the PBX is put in its place among the events."""
        manager = self._manager
        if manager is None or not self.connected:
            raise PbxLinkLost(f"the PBX {self.config.name} is not connected")
        if in_order is None:
            return await asyncio.wait_for(manager.send_action(action, as_list=as_list), wait_s)
        action_id = f"crm-{uuid.uuid4().hex}"
        self._in_order[action_id] = in_order
        try:
            answer = manager.send_action({**action, "ActionID": action_id}, as_list=as_list)
            return await asyncio.wait_for(answer, wait_s)
        finally:
            self._in_order.pop(action_id, None)

    def answered(self, action_id: str, answer: asyncio.Future[Any], received: float) -> None:
        """An action's whole answer was read (from the protocol, in reading order)."""
        hook = self._in_order.pop(action_id, None)
        if hook is not None and not answer.cancelled() and answer.exception() is None:
            hook(answer.result(), received)

    async def _supervise(self) -> None:
        attempt = 0
        while True:
            self.state = LinkState.CONNECTING
            try:
                await self._connect()
                attempt = 0
                await self._watch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("PBX %s link: %s", self.config.name, str(exc) or type(exc).__name__)
            self._close()
            if self.state == LinkState.CONNECTED:
                self.lost_at = self.last_heard_at or time.time()
            self.state = LinkState.DISCONNECTED
            self.connected_since = None
            delay = self.config.backoff.delay(attempt)
            attempt += 1
            self.reconnects += 1
            log.info("PBX %s: reconnecting in %.1f s", self.config.name, delay)
            await asyncio.sleep(delay)

    async def _connect(self) -> None:
        cfg = self.config
        manager = _Manager(
            self,
            host=cfg.host,
            port=cfg.port,
            username=cfg.username,
            secret=cfg.secret,
            events="on",
            loop=asyncio.get_running_loop(),
        )
        self._manager = manager
        await asyncio.wait_for(manager.connect(), cfg.connect_timeout)
        if not await asyncio.wait_for(manager.logged_in, cfg.connect_timeout):
            raise ConnectionError("login refused: check the AMI user and secret")
        self.state = LinkState.CONNECTED
        self.connected_since = time.time()
        log.info("PBX %s: logged in to %s:%s", cfg.name, cfg.host, cfg.port)
        if self.on_login is not None:
            await self.on_login(self)

    async def _watch(self) -> None:
        """Ping every interval; an unanswered ping or a lost connection ends the watch."""
        manager = self._manager
        assert manager is not None
        while True:
            try:
                await asyncio.wait_for(manager.lost.wait(), self.config.ping_interval)
                raise ConnectionError("connection lost")
            except TimeoutError:
                pass
            if self.reading_paused:
                continue  # we stopped reading ourselves: a Pong could not be read
            try:
                await self.send({"Action": "Ping"}, wait_s=self.config.ping_timeout)
            except TimeoutError:
                if self.reading_paused:
                    continue  # paused while waiting: the PBX is flooding us, not dead
                raise ConnectionError("ping unanswered: the link is dead") from None

    def _close(self) -> None:
        manager, self._manager = self._manager, None
        if manager is not None:
            manager.fail_pending()
            manager.close()
