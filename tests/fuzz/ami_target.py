"""The PBX listener's whole hearing as one fuzz target: bytes in, nothing may break.

``run(data)`` drives what the listener does with the bytes of an AMI connection, minus the
socket and the database: the incremental parser (fed in chunks whose size the input
chooses), the event filter (on the raw text and on the parsed message), the event typing,
Asterisk's time, the call tracker, the floor board (agents, queue visits), the dialer's
watch, a resync with whatever CoreShowChannel / QueueStatus items the input held, and
wrap-up ticks. A finding is:

- any exception out of a component, or logged by one of them (the tracker and the board
  log and skip what they cannot apply: a handler that raises is a bug even when caught);
- anything a component hands on that the database could not store: text with NUL, an
  integer beyond int32, a date outside 2000-2100, a non-finite number.

Used by ``tests/fuzz/test_ami_fuzz.py`` (Hypothesis, bounded, in the suite) and by
``bench/fuzz_ami.py`` (atheris, coverage-guided, as long as you like).
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ami.dialer.watch import CallWatch, is_dialer
from ami.event_filter import EventFilter
from ami.events import CoreShowChannel, QueueEntry, QueueMember, QueueParams, Response, to_event
from ami.floor import FloorBoard
from ami.link import event_time
from ami.protocol import AmiParser, Message
from ami.tracker import CallTracker
from ami.tracker.updates import OriginateResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"
INT_MAX = 2**31 - 1
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
LOGGERS = ("ami",)


class Finding(AssertionError):
    """What the fuzzer found: the input broke a component or made something unstorable."""


class _Raise(logging.Handler):
    """Turns an exception a component logged and swallowed into a finding."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            raise Finding(f"{record.name}: {record.getMessage()}") from record.exc_info[1]


def seeds() -> list[bytes]:
    """The recorded Asterisk sessions, each a whole connection's worth of bytes."""
    return [path.read_bytes() for path in sorted(FIXTURES.glob("*.ami.txt"))]


def _chunks(data: bytes) -> list[bytes]:
    """The input's first byte picks the read size: the parser sees lines cut anywhere."""
    if not data:
        return []
    size = 1 + data[0] * 37
    body = data[1:]
    return [body[i : i + size] for i in range(0, len(body), size)]


def check_storable(value: Any, where: str = "", depth: int = 0) -> None:
    """Walk what a component handed on: everything must fit the database's columns."""
    if depth > 12 or value is None or isinstance(value, bool | enum.Enum):
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise Finding(f"{where}: text with NUL {value[:40]!r}")
    elif isinstance(value, int):
        if not -INT_MAX <= value <= INT_MAX:
            raise Finding(f"{where}: integer out of range {value}")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Finding(f"{where}: not a finite number {value}")
    elif isinstance(value, datetime):
        if not EARLIEST <= value <= LATEST:
            raise Finding(f"{where}: date out of range {value}")
    elif isinstance(value, timedelta):
        if abs(value.total_seconds()) > INT_MAX:
            raise Finding(f"{where}: duration out of range {value}")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            check_storable(getattr(value, f.name), f"{where}.{f.name}", depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_storable(item, f"{where}[{key!r}]", depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_storable(item, where, depth + 1)


class Hearing:
    """One listener's worth of state, fresh for each input."""

    def __init__(self) -> None:
        self.tracker = CallTracker()
        self.board = FloorBoard()
        self.watch = CallWatch()
        self.filter = EventFilter(self.tracker.event_types | self.board.event_types)
        self.parser = AmiParser(keep=self.filter.keeps_text)
        self.listed: list[Any] = []
        self.last = EARLIEST

    def feed(self, chunk: bytes, received: float) -> None:
        for message in self.parser.feed(chunk):
            self.hear(message, received)

    def hear(self, message: Message, received: float) -> None:
        if message.kind != "Event" or not self.filter(message):
            return
        event = to_event(message)
        if isinstance(event, Response):
            return
        if isinstance(event, CoreShowChannel | QueueParams | QueueMember | QueueEntry):
            self.listed.append(event)
        at = event_time(message.first("Timestamp"), received)
        moment = datetime.fromtimestamp(at, UTC)
        self.last = max(self.last, moment)
        updates = self.tracker.handle(event, at)
        check_storable(updates, type(event).__name__)
        check_storable(self.board.handle(event, moment), "board")
        for update in updates:
            key = update.action_id if isinstance(update, OriginateResult) else update.call.linkedid
            if is_dialer(key):
                self.watch.hear(update, at)

    def resync(self) -> None:
        at = self.last + timedelta(seconds=1)
        channels = [e for e in self.listed if isinstance(e, CoreShowChannel)]
        check_storable(self.tracker.reconcile(channels, at), "reconcile")
        check_storable(self.board.rebuild(self.listed, at), "rebuild")
        check_storable(self.board.tick(at + timedelta(hours=1)), "tick")
        check_storable(self.tracker.snapshot_live(), "live")


def run(data: bytes) -> None:
    """One input: a connection's bytes. Raises ``Finding`` (or any exception) on a bug."""
    handler = _Raise(logging.ERROR)
    loggers = [logging.getLogger(name) for name in LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        hearing = Hearing()
        received = 1_795_715_000.0
        for chunk in _chunks(data):
            hearing.feed(chunk, received)
            received += 0.25
        hearing.resync()
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
