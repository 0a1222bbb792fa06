"""A recorded AMI stream replayed at a fixed rate: a cheaper event source than the live
simulator, for measuring the app beyond what the simulator can generate on the same cores.

``record`` logs in to a running simulator and keeps every event it sends for a while;
``ReplayPbx`` is an AMI server that logs the CRM in, answers Ping and CoreShowChannels, and
streams the recorded events (each with a fresh ``Timestamp``) at the rate asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from ami.protocol import AmiParser, encode_message

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


async def record(port: int, seconds: float, start: callable) -> list[bytes]:  # type: ignore[valid-type]
    """Events a simulator sends in ``seconds`` after ``start()``, as raw message blocks."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"Action: Login\r\nUsername: crm\r\nSecret: crmsecret\r\nActionID: r1\r\n\r\n")
    await writer.drain()
    start()
    data = bytearray()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(TimeoutError):
            chunk = await asyncio.wait_for(reader.read(1 << 20), 0.5)
            if not chunk:
                break
            data += chunk
    writer.close()
    blocks = bytes(data).split(b"\r\n\r\n")
    return [b + b"\r\n\r\n" for b in blocks[:-1] if b.startswith(b"Event: ")]


def _split_timestamp(block: bytes) -> tuple[bytes, bytes]:
    """The block around its Timestamp value (which the replay renews at sending time)."""
    head, sep, rest = block.partition(b"\r\nTimestamp: ")
    if not sep:
        return block, b""
    _old, _, tail = rest.partition(b"\r\n")
    return head + sep, b"\r\n" + tail


class ReplayPbx:
    def __init__(self, events: list[bytes], rate: float) -> None:
        self.parts = [_split_timestamp(block) for block in events]
        self.rate = rate
        self.go = asyncio.Event()
        self.sent = 0
        self.finished = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.streams: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop streaming (what was written is still delivered), then stop listening."""
        for task in list(self.streams):
            task.cancel()
        await asyncio.gather(*self.streams, return_exceptions=True)
        if self.server is not None:
            self.server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(BANNER)
        parser = AmiParser(expect_banner=False)
        streaming: asyncio.Task[None] | None = None
        try:
            while data := await reader.read(65536):
                for action in parser.feed(data):
                    writer.write(
                        self._answer(action.first("Action").lower(), action.first("ActionID"))
                    )
                    if action.first("Action").lower() == "login" and streaming is None:
                        streaming = asyncio.create_task(self._stream(writer))
                        self.streams.add(streaming)
                        streaming.add_done_callback(self.streams.discard)
        except ConnectionError:
            pass
        finally:
            if streaming is not None:
                streaming.cancel()
            writer.close()

    def _answer(self, action: str, action_id: str) -> bytes:
        if action == "login":
            return encode_message(
                [
                    ("Response", "Success"),
                    ("ActionID", action_id),
                    ("Message", "Authentication accepted"),
                ]
            )
        if action == "coreshowchannels":
            return encode_message(
                [
                    ("Response", "Success"),
                    ("ActionID", action_id),
                    ("EventList", "start"),
                    ("Message", "Channels will follow"),
                ]
            ) + encode_message(
                [
                    ("Event", "CoreShowChannelsComplete"),
                    ("ActionID", action_id),
                    ("EventList", "Complete"),
                    ("ListItems", "0"),
                ]
            )
        if action == "queuestatus":  # the floor's resync after a login: no queues here
            return encode_message(
                [
                    ("Response", "Success"),
                    ("ActionID", action_id),
                    ("EventList", "start"),
                    ("Message", "Queue status will follow"),
                ]
            ) + encode_message(
                [
                    ("Event", "QueueStatusComplete"),
                    ("ActionID", action_id),
                    ("EventList", "Complete"),
                    ("ListItems", "0"),
                ]
            )
        if action == "corestatus":
            return encode_message(
                [
                    ("Response", "Success"),
                    ("ActionID", action_id),
                    ("CoreStartupDate", "2026-11-26"),
                    ("CoreStartupTime", "09:00:00"),
                    ("CoreCurrentCalls", "0"),
                ]
            )
        if action == "ping":
            return encode_message(
                [
                    ("Response", "Success"),
                    ("ActionID", action_id),
                    ("Ping", "Pong"),
                    ("Timestamp", f"{time.time():.6f}"),
                ]
            )
        return encode_message(
            [("Response", "Error"), ("ActionID", action_id), ("Message", "Invalid/unknown command")]
        )

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        await self.go.wait()
        tick = 0.005
        per_tick = self.rate * tick
        started = time.monotonic()
        due = 0.0
        index = 0
        while index < len(self.parts):
            due += per_tick
            count = int(due) - index if int(due) > index else 0
            if count:
                stamp = f"{time.time():.6f}".encode()
                batch = self.parts[index : index + count]
                writer.write(
                    b"".join(head + stamp + tail if tail else head for head, tail in batch)
                )
                index += len(batch)
                self.sent = index
                await writer.drain()
            started += tick
            await asyncio.sleep(max(0.0, started - time.monotonic()))
        self.finished.set()


def main() -> None:
    """``python -m bench.ami_replay EVENTS_FILE RATE``: serve the recorded events (written by
    ``save``) on a free port, printed first; stream from SIGUSR1; at SIGUSR2 stop streaming
    and print how many were sent, the connection staying up (a PBX gone quiet, not gone)
    until SIGTERM. A process of its own, so the source never shares an event loop with the
    operators' sockets that measure the pops."""
    import signal
    import sys

    path, rate = sys.argv[1], float(sys.argv[2])

    async def serve() -> None:
        replay = ReplayPbx(load(path), rate)
        print(await replay.start(), flush=True)
        loop, quiet, done = asyncio.get_running_loop(), asyncio.Event(), asyncio.Event()
        loop.add_signal_handler(signal.SIGUSR1, replay.go.set)
        loop.add_signal_handler(signal.SIGUSR2, quiet.set)
        # SIGTERM alone (the bench stopped early, or died) ends it as well
        loop.add_signal_handler(signal.SIGTERM, lambda: (quiet.set(), done.set()))
        await quiet.wait()
        for task in list(replay.streams):
            task.cancel()
        await asyncio.gather(*replay.streams, return_exceptions=True)
        print(replay.sent, flush=True)
        await done.wait()
        await replay.stop()

    asyncio.run(serve())


SEPARATOR = b"\r\n\r\n"


def save(events: list[bytes], path: str) -> None:
    with open(path, "wb") as file:
        file.write(b"".join(events))


def load(path: str) -> list[bytes]:
    with open(path, "rb") as file:
        blocks = file.read().split(SEPARATOR)
    return [block + SEPARATOR for block in blocks if block]


if __name__ == "__main__":
    main()
