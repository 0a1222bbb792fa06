"""Shared helpers of the AMI tests: the recorded transcripts and a small AMI client.

Only ``tests/fixtures/ami`` is read (byte-exact copies of the capture).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from ami.events import AmiEvent, Response, to_event
from ami.protocol import AmiParser, Fields, Message, encode_action
from ami.simulator import PbxSimulator
from ami.tracker import CallTracker, TrackerUpdate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"
SCENARIOS = sorted(path.name.removesuffix(".ami.txt") for path in FIXTURES.glob("*.ami.txt"))
NOISE = {"VarSet", "Newexten"}
SESSION_EVENTS = {"FullyBooted", "SuccessfulAuth", "RequestBadFormat"}


def received(scenario: str) -> bytes:
    return (FIXTURES / f"{scenario}.ami.txt").read_bytes()


def sent(scenario: str) -> bytes:
    return (FIXTURES / f"{scenario}.sent.txt").read_bytes()


def transcript(scenario: str) -> list[Message]:
    return AmiParser().feed(received(scenario))


def timeline(scenario: str, direction: str = "rx") -> list[tuple[float, bytes]]:
    """(seconds since connect, bytes) of every socket read (rx) or write (tx)."""
    lines = (FIXTURES / f"{scenario}.timeline.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines if line]
    return [(r["t"], r["data"].encode("latin-1")) for r in records if r["dir"] == direction]


def is_call_event(message: Message) -> bool:
    """An event of the call itself: not a list answer, session event or dialplan noise."""
    if message.kind != "Event" or message.name in NOISE | SESSION_EVENTS:
        return False
    return "ActionID" not in message or message.name == "OriginateResponse"


def call_event_names(messages: Iterable[Message]) -> list[str]:
    return [message.name for message in messages if is_call_event(message)]


def transcript_bursts(scenario: str, gap_s: float = 0.25) -> list[list[str]]:
    """Call event names grouped in bursts: events less than ``gap_s`` apart happened
    together in different Asterisk threads, so their order inside a burst is arbitrary."""
    parser, bursts, last = AmiParser(), [], -1.0
    for moment, chunk in timeline(scenario):
        names = call_event_names(parser.feed(chunk))
        if not names:
            continue
        if moment - last > gap_s or not bursts:
            bursts.append([])
        bursts[-1].extend(names)
        last = moment
    return bursts


def burst_mismatch(bursts: list[list[str]], names: list[str]) -> str:
    """ "" if ``names`` is ``bursts`` flattened, up to the order inside each burst."""
    index = 0
    for number, burst in enumerate(bursts):
        got = names[index : index + len(burst)]
        if Counter(got) != Counter(burst):
            return f"burst {number}: expected {sorted(burst)}, got {sorted(got)}"
        index += len(burst)
    if index != len(names):
        return f"extra events after the last burst: {names[index:]}"
    return ""


class AmiClient:
    """A minimal AMI client over TCP that keeps every message it receives."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = AmiParser()
        self.messages: list[Message] = []
        self.closed = asyncio.Event()
        self._changed = asyncio.Condition()
        self._ids = 0
        self._task = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def connect(cls, port: int) -> AmiClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def _read(self) -> None:
        try:
            while data := await self.reader.read(65536):
                messages = self.parser.feed(data)
                async with self._changed:
                    self.messages.extend(messages)
                    self._changed.notify_all()
        except ConnectionError:
            pass
        finally:
            self.closed.set()
            async with self._changed:
                self._changed.notify_all()

    async def send(self, action: str, fields: Fields = (), action_id: str = "") -> str:
        if not action_id:
            self._ids += 1
            action_id = f"test-{self._ids}"
        self.writer.write(encode_action(action, fields, action_id))
        await self.writer.drain()
        return action_id

    async def wait_for(self, match: Callable[[Message], bool], within_s: float = 5) -> Message:
        async with asyncio.timeout(within_s), self._changed:
            while True:
                found = next((m for m in self.messages if match(m)), None)
                if found is not None:
                    return found
                if self.closed.is_set():
                    raise ConnectionError("AMI connection closed")
                await self._changed.wait()

    async def response(self, action_id: str, within_s: float = 5) -> Message:
        return await self.wait_for(
            lambda m: m.kind == "Response" and m.first("ActionID") == action_id, within_s
        )

    async def event(self, name: str, within_s: float = 5, **fields: str) -> Message:
        def match(message: Message) -> bool:
            if message.kind != "Event" or message.name != name:
                return False
            return all(message.first(key) == value for key, value in fields.items())

        return await self.wait_for(match, within_s)

    async def action(self, action: str, fields: Fields = ()) -> Message:
        return await self.response(await self.send(action, fields))

    async def login(self, secret: str = "crmsecret", events: str = "on") -> Message:  # noqa: S107
        fields = {"Username": "crm", "Secret": secret, "Events": events}
        return await self.action("Login", fields)

    async def listing(self, action: str, fields: Fields, complete: str) -> list[Message]:
        """Send a list action; every message of its answer, the response first."""
        action_id = await self.send(action, fields)
        await self.event(complete, ActionID=action_id)
        return [m for m in self.messages if m.first("ActionID") == action_id]

    async def close(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()
        await self._task


def inbound(did: str, patience: str, caller_id: str) -> list[tuple[str, str]]:
    """The Originate the capture used for an inbound PSTN call (01-03, 06*)."""
    return [
        ("Channel", f"Local/{did}@from-pstn"),
        ("Application", "Wait"),
        ("Data", patience),
        ("CallerID", caller_id),
        ("Timeout", "30000"),
        ("Async", "true"),
    ]


def campaign(number: str, **extra: str) -> list[tuple[str, str]]:
    """The Originate the capture used for an outbound campaign call (04*)."""
    fields = [("Channel", f"Local/{number}@customers"), ("Context", "campaign")]
    fields += [("Exten", "101"), ("Priority", "1"), ("CallerID", '"ACME Sales" <74951234567>')]
    fields += [("Timeout", "20000"), ("Async", "true"), ("Variable", "CAMPAIGN_ID=42")]
    return [*fields, ("Variable", f"LEAD_PHONE={number}"), *extra.items()]


async def run_call(
    pbx: PbxSimulator, client: AmiClient, fields: list[tuple[str, str]]
) -> list[str]:
    """Originate like the capture, wait for the call to end; its call event names."""
    start = len(client.messages)
    response = await client.action("Originate", fields)
    assert response["Message"] == "Originate successfully queued"
    await pbx.wait_idle()
    await client.action("Ping")  # every event of the call has been received before this
    return call_event_names(client.messages[start:])


E = TypeVar("E")


def events_of(scenario: str) -> list[AmiEvent | Response]:
    return [to_event(message) for message in transcript(scenario)]


def only(scenario: str, cls: type[E]) -> list[E]:
    return [event for event in events_of(scenario) if isinstance(event, cls)]


CONNECTED_AT = datetime(2026, 11, 26, 17, 44, tzinfo=UTC)


def received_at(moment: float) -> datetime:
    """A timeline moment (seconds since connect) as the time the link would stamp."""
    return CONNECTED_AT + timedelta(seconds=moment)


def timed_events(scenario: str) -> list[tuple[float, AmiEvent | Response]]:
    """Every message as a typed event with the time it was received (seconds since
    connect, from the timeline: AMI events here carry no timestamp of their own)."""
    parser, timed = AmiParser(), []
    for moment, chunk in timeline(scenario):
        timed += [(moment, to_event(message)) for message in parser.feed(chunk)]
    return timed


def replay(
    tracker: CallTracker, timed: Iterable[tuple[float, object]]
) -> list[tuple[float, TrackerUpdate]]:
    """Feed ``timed`` events to the tracker; every update with its moment."""
    return [(t, u) for t, event in timed for u in tracker.handle(event, received_at(t))]
