"""The AMI TCP server of the simulator: one session per client, events to all of them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from ami.protocol import AmiParser, Message, encode_message

log = logging.getLogger(__name__)

BANNER = b"Asterisk Call Manager/11.0.0\r\n"

Handler = Callable[["AmiSession", Message], Awaitable[bool]]


class AmiSession:
    """One connected client: its login state and which events it wants."""

    def __init__(self, server: AmiServer, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.writer = writer
        self.authenticated = False
        self.username = ""
        self.event_classes: frozenset[str] | None = frozenset()  # None = every event
        self.closing = False
        self.events_sent = 0  # for benchmarks: every event must be accounted for
        peer = writer.get_extra_info("peername") or ("?", 0)
        self.remote = f"{peer[0]}/{peer[1]}"

    def set_events(self, value: str) -> bool:
        """Apply ``Events: on|off|call,agent,...``; True if events are now on."""
        lowered = value.strip().lower()
        if lowered in ("on", "yes", "true", "all", ""):
            self.event_classes = None
        elif lowered in ("off", "no", "false", "none"):
            self.event_classes = frozenset()
        else:
            self.event_classes = frozenset(part.strip() for part in lowered.split(","))
        return self.event_classes != frozenset()

    def wants(self, privilege: str) -> bool:
        if not self.authenticated or self.closing:
            return False
        if self.event_classes is None:
            return True
        return any(part in self.event_classes for part in privilege.split(","))

    def send(self, data: bytes) -> None:
        """Queue bytes for the client; a client that stops reading is dropped."""
        if self.closing or self.writer.is_closing():
            return
        if self.writer.transport.get_write_buffer_size() > self.server.max_buffer:
            log.warning("AMI client %s is not reading: disconnecting", self.remote)
            self.close()
            return
        self.writer.write(data)

    def send_event(self, data: bytes) -> None:
        """Send an event, counted (benchmarks check that every event was handled)."""
        self.send(data)
        self.events_sent += 1
        self.server.sent_by_client[self.remote] = self.events_sent

    def send_pairs(self, pairs: list[tuple[str, str]]) -> None:
        self.send(encode_message(pairs))

    def close(self) -> None:
        self.closing = True
        if not self.writer.is_closing():
            self.writer.close()


class AmiServer:
    """Accepts AMI clients on TCP and passes each action to ``handler``."""

    def __init__(self, handler: Handler, *, max_buffer: int) -> None:
        self._handler = handler
        self.max_buffer = max_buffer
        self.sessions: set[AmiSession] = set()
        self.sent_by_client: dict[str, int] = {}  # kept after a client leaves, for benchmarks
        self._server: asyncio.Server | None = None
        self._client_tasks: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._client, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in list(self.sessions):
            session.close()  # the client tasks then see end of file and finish
        if self._client_tasks:
            _, late = await asyncio.wait(list(self._client_tasks), timeout=2)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def drain(self, within_s: float) -> None:
        """Wait until every client has been sent what is buffered for it (or time runs out)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within_s):
                while any(  # noqa: ASYNC110 - buffers have no event to await
                    not s.writer.is_closing() and s.writer.transport.get_write_buffer_size() > 0
                    for s in self.sessions
                ):
                    await asyncio.sleep(0.05)

    def broadcast(self, data: bytes, privilege: str) -> None:
        for session in list(self.sessions):
            if session.wants(privilege):
                session.send_event(data)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._client_tasks.add(task)
        session = AmiSession(self, writer)
        self.sessions.add(session)
        log.info("AMI client connected from %s", session.remote)
        try:
            writer.write(BANNER)
            await self._serve(session, reader)
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            log.info("AMI client %s went away: %s", session.remote, error)
        except asyncio.CancelledError:
            log.debug("AMI client %s: session cancelled on shutdown", session.remote)
        finally:
            self.sessions.discard(session)
            session.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            if task is not None:
                self._client_tasks.discard(task)
            log.info("AMI client %s disconnected", session.remote)

    async def _serve(self, session: AmiSession, reader: asyncio.StreamReader) -> None:
        parser = AmiParser(expect_banner=False)
        while not session.closing:
            data = await reader.read(65536)
            if not data:
                return
            for action in parser.feed(data):
                if not await self._handler(session, action):
                    return
                with contextlib.suppress(ConnectionError):
                    await session.writer.drain()
