"""The floor of ``bench/mixed.py``: operators' and supervisors' sockets, what the app announced
for them, and this process's own pace (it stamps every frame's arrival)."""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import math
import time
from typing import Any

import aiohttp
import asyncpg

from bench import ami_ingest
from bench.ami_ingest import operator, sign_in
from bench.wallboard import Frames
from callcenter.live import CHANNEL

SIGNING_IN_AT_ONCE = 8
QUIET_S = 3.0  # no frame of the window's events for this long: the app has sent them all
ANNOUNCED = ('{"kind": "ringing"', '{"kind": "agent"', '{"kind": "queue"')


Key = tuple[str, str, str]  # what a floor figure describes: (kind, pbx, agent or queue)


def figure_key(message: dict[str, Any]) -> Key:
    """As the app's hub keys a figure (web/live.py ``floor_key``)."""
    kind = message.get("kind") or message.get("type") or ""
    what = message.get("interface") if kind == "agent" else message.get("queue")
    return (str(kind), str(message.get("pbx")), str(what))


class BoardFrames(Frames):
    """The supervisors' frames (see bench/wallboard.py), per socket and figure, and when the
    last of them came.

    The app's hub sends an overloaded board the newest state of an agent or a queue in place
    of older ones still waiting (web/live.py), so a figure announced is shown once a frame of
    the same agent or queue at least as new reaches the socket: its delay is from the event
    to that frame (how stale the board was), and only a figure no such frame ever followed
    is lost (``freshness``)."""

    def __init__(self) -> None:
        super().__init__()
        self.last = 0.0
        self.sockets: dict[int, dict[Key, list[tuple[float, float]]]] = {}

    def note_figure(self, frame: dict, arrived: float, socket: int) -> bool:
        if not super().note_figure(frame, arrived, socket):
            return False
        self.last = arrived
        seen = self.sockets.setdefault(socket, {})
        seen.setdefault(figure_key(frame), []).append((frame["event_at"], arrived))
        return True

    def received(self) -> int:
        return sum(len(delays) for delays in self.delays.values())

    def freshness(self, announced: list[tuple[Key, float]]) -> tuple[dict[str, list[float]], int]:
        """For every figure announced and every socket: the delay until the socket showed that
        state or a newer one, by kind; and how many were never shown."""
        delays: dict[str, list[float]] = {kind: [] for kind in self.delays}
        lost = 0
        for seen in self.sockets.values():
            index = {key: _earliest_from(frames) for key, frames in seen.items()}
            for key, event_at in announced:
                shown = _shown_at(index.get(key), event_at)
                if shown is None:
                    lost += 1
                elif key[0] in delays:
                    delays[key[0]].append(shown - event_at)
        return delays, lost


def _earliest_from(frames: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """The frames' event times in order, with the earliest arrival of any frame at least as
    new as each (a suffix minimum)."""
    ordered = sorted(frames)
    earliest, best = [0.0] * len(ordered), math.inf
    for i in range(len(ordered) - 1, -1, -1):
        best = min(best, ordered[i][1])
        earliest[i] = best
    return [event_at for event_at, _ in ordered], earliest


def _shown_at(index: tuple[list[float], list[float]] | None, event_at: float) -> float | None:
    if index is None:
        return None
    events, earliest = index
    i = bisect.bisect_left(events, event_at)
    return earliest[i] if i < len(events) else None


class Announced:
    """What the app's PBX listener announced (PostgreSQL NOTIFY, heard on a LISTEN connection
    of this bench's own) for the events of the window: every pop owed to an operator's socket
    and every floor change owed to each supervisor's. A frame the app never sent counts as
    late beyond any target, not as absent from the figures."""

    def __init__(self, extensions: set[str]) -> None:
        self.extensions = extensions
        self.since = self.until = math.inf
        self.pops = 0
        self.floor = 0
        self.figures: list[tuple[Key, float]] = []  # every floor figure: what, and its event
        self.conn: asyncpg.Connection | None = None

    async def start(self, url: str) -> None:
        self.conn = await asyncpg.connect(url)
        await self.conn.add_listener(CHANNEL, self._heard)

    async def stop(self) -> None:
        if self.conn is not None:
            await self.conn.close()

    def _heard(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if not payload.startswith(ANNOUNCED):
            return
        message = json.loads(payload)
        if not self.since <= (message.get("event_at") or 0) <= self.until:
            return
        if message["kind"] != "ringing":
            self.floor += 1
            self.figures.append((figure_key(message), message["event_at"]))
        elif str(message.get("extension", "")) in self.extensions:
            self.pops += 1


class LoopLag:
    """How late this process's own loop wakes: a late loop would show as slow frames that
    the app did not cause."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._watch())

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()

    async def _watch(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            self.late.append(time.monotonic() - before - 0.01)


async def wallboard(
    base: str, login: str, frames: BoardFrames, signing_in: asyncio.Semaphore
) -> None:
    """One supervisor's wallboard (as bench/wallboard.py's), signing in with the others."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with signing_in:
            await sign_in(http, base, login)
        async with http.ws_connect(base + "/ws/live", max_msg_size=0) as ws:
            frames.connected += 1
            socket = frames.connected
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    frames.note(message.data, time.time(), socket)


async def open_floor(
    base: str,
    args: argparse.Namespace,
    logins: list[str],
    pops: list[float],
    since: list[float],
    frames: BoardFrames,
) -> list[asyncio.Task[None]]:
    """Every operator's and supervisor's socket on, signing in a few at a time: the app counts
    a sign-in under way against the address's failures until its password is checked, and
    refuses an address with 20 of them (all of the bench's come from 127.0.0.1)."""
    signing_in, connected = asyncio.Semaphore(SIGNING_IN_AT_ONCE), []
    tasks = [
        asyncio.create_task(operator(base, f"op{1000 + i}", pops, since, connected, signing_in))
        for i in range(args.operators)
    ]
    tasks += [asyncio.create_task(wallboard(base, login, frames, signing_in)) for login in logins]
    async with asyncio.timeout(180):
        while len(connected) < args.operators or frames.connected < len(logins):
            for task in tasks:
                if task.done():
                    task.result()  # a socket that could not open stops the bench here
            await asyncio.sleep(0.1)
    return tasks


async def settle(
    pops: list[float], frames: BoardFrames, announced: Announced, at_most: float
) -> float:
    """After the replay stopped: until every frame announced has come, or none has for
    ``QUIET_S``, or ``at_most`` seconds; returns how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < at_most:
        owed_board = announced.floor * frames.connected
        if len(pops) >= announced.pops and frames.received() >= owed_board:
            break
        last_pop = ami_ingest.ARRIVALS[-1][0] if ami_ingest.ARRIVALS else 0.0
        if time.time() - max(last_pop, frames.last) > QUIET_S:
            break
        await asyncio.sleep(0.2)
    return time.monotonic() - started
