"""The floor of ``bench/mixed.py``: operators' and supervisors' sockets, what the app announced
for them, and this process's own pace (it stamps every frame's arrival)."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time

import aiohttp
import asyncpg

from bench import ami_ingest
from bench.ami_ingest import operator, sign_in
from bench.wallboard import Frames
from callcenter.live import CHANNEL

SIGNING_IN_AT_ONCE = 8
QUIET_S = 3.0  # no frame of the window's events for this long: the app has sent them all
ANNOUNCED = ('{"kind": "ringing"', '{"kind": "agent"', '{"kind": "queue"')


class BoardFrames(Frames):
    """The supervisors' frames (see bench/wallboard.py), and when the last of them came."""

    def __init__(self) -> None:
        super().__init__()
        self.last = 0.0

    def note(self, text: str, arrived: float) -> None:
        before = self.received()
        super().note(text, arrived)
        if self.received() != before:
            self.last = arrived

    def received(self) -> int:
        return sum(len(delays) for delays in self.delays.values())


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
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    frames.note(message.data, time.time())


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
