"""The wallboard under a whole floor: PBX event -> listener -> NOTIFY -> supervisors' sockets.

500 agents in 50 queues (each queue its own 10 agents and DID), about 300 calls in progress,
50 supervisors on the wallboard. Three OS processes, as in bench/ami_ingest.py: the simulator
(``python -m ami.simulator``, events carrying Asterisk's ``Timestamp``), the app
(``python -m callcenter serve`` leading the PBX listener) on its own database, and this script
holding the supervisors' websockets, each signed in through the login form.

After a warm-up until the calls in progress reach ``--calls``, it measures for ``--seconds``:
the delay from the PBX event to the "agent" and "queue" frames arriving at the supervisors'
sockets (p50/p95/p99/max per kind), the calls in progress, and the CPU share of each process.
Then it times GET /api/v1/queues and /api/v1/agents over HTTP.

    .venv/bin/python bench/wallboard.py [--seconds 120] [--calls-per-minute 120] [--history 100000]
        [--talk-seconds 120:240] [--supervisors 50] [--queues 50] [--agents-per-queue 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from asyncio.subprocess import Process
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from bench.ami_ingest import PASSWORD, fresh_database, percentile, sign_in  # noqa: E402
from bench.cpu import CpuWindow  # noqa: E402
from bench.pbx_rig import (  # noqa: E402
    LiveSource,
    clean_environment,
    database_server,
    health,
    print_machine,
    start_app,
    stop_processes,
    wait_for,
)
from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.users.passwords import hash_password  # noqa: E402

DATABASE = "cc_wallboard"
KINDS = ("agent", "queue")
GRACE_S = 5.0  # after the window, frames of its events are still counted this long


class Frames:
    """The floor frames the supervisors' sockets received for PBX events inside the window
    (from ``since`` to ``until``, whenever their frames arrive)."""

    def __init__(self) -> None:
        self.since = math.inf  # events before it are the warm-up's
        self.until = math.inf
        self.delays: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.hub: dict[str, list[float]] = {kind: [] for kind in KINDS}  # heard -> arrived
        self.connected = 0

    def note(self, text: str, arrived: float, socket: int = 0) -> None:
        """A frame from a socket: the hub sends the floor's figures together (``floor``)."""
        if arrived < self.since:
            return
        frame = json.loads(text)
        for figure in frame.get("figures", ()) if frame.get("type") == "floor" else (frame,):
            self.note_figure(figure, arrived, socket)

    def note_figure(self, frame: dict, arrived: float, socket: int) -> bool:
        """One agent's or queue's figure; whether it is of the window's events."""
        kind, event_at = frame.get("type"), frame.get("event_at")
        if kind not in KINDS or not event_at or not self.since <= event_at <= self.until:
            return False
        self.delays[kind].append(arrived - event_at)
        if frame.get("heard_at"):
            self.hub[kind].append(arrived - frame["heard_at"])
        return True


async def supervisor(base: str, login: str, frames: Frames) -> None:
    """One supervisor's wallboard: signs in and holds /ws/live, noting every floor frame."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await sign_in(http, base, login)
        async with http.ws_connect(base + "/ws/live", max_msg_size=0) as ws:
            frames.connected += 1
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    frames.note(message.data, time.time())


async def add_supervisors(url: str, count: int) -> list[str]:
    """Supervisors sup01.. (half reading the board in Russian, half in English)."""
    logins = [f"sup{i + 1:02d}" for i in range(count)]
    conn = await asyncpg.connect(url)
    await conn.executemany(
        "INSERT INTO users (login, full_name, password_hash, role, language, timezone, "
        "sees_all_clients, active, session_version, is_demo) VALUES "
        "($1, $1, $2, 'supervisor', $3, 'Europe/Moscow', true, true, 0, false)",
        [(login, hash_password(PASSWORD), ("ru", "en")[i % 2]) for i, login in enumerate(logins)],
    )
    await conn.close()
    return logins


_HISTORY = """
INSERT INTO queue_stints (pbx, key, queue, linkedid, uniqueid, caller, entered_at, outcome,
  position, connected_at, ended_at, wait_seconds, talk_seconds, agent, ended_by)
SELECT 'default', 'history-' || n, ($2::text[])[1 + n % cardinality($2::text[])],
  'history.' || n, 'history.' || n, '+7916' || lpad((n % 10000000)::text, 7, '0'), t,
  CASE WHEN n % 7 = 0 THEN 'abandoned' ELSE 'completed' END, 1,
  CASE WHEN n % 7 = 0 THEN NULL ELSE t + make_interval(secs => n % 61) END,
  t + make_interval(secs => n % 61 + CASE WHEN n % 7 = 0 THEN 0 ELSE 120 + n % 121 END),
  n % 61, CASE WHEN n % 7 = 0 THEN NULL ELSE 120 + n % 121 END,
  'Local/' || (1000 + n % 500) || '@agents/n', CASE WHEN n % 7 = 0 THEN '' ELSE 'agent' END
FROM generate_series(1, $1::int) AS n,
  LATERAL (SELECT now() - make_interval(secs => 86400.0 * n / $1) AS t) AS moment
"""


async def add_history(url: str, queues: int, visits: int) -> None:
    """``visits`` finished queue visits over the last 24 hours (one in seven abandoned), so
    the queue figures are computed over a day's rows as they would be late in a working day."""
    names = [f"queue{q + 1:02d}" for q in range(queues)]
    conn = await asyncpg.connect(url)
    await conn.execute(_HISTORY, visits, names)
    await conn.execute("ANALYZE queue_stints")
    await conn.close()


async def api(http: aiohttp.ClientSession, base: str, path: str) -> Any:
    async with http.get(base + path) as response:
        response.raise_for_status()
        return await response.json()


async def in_progress(http: aiohttp.ClientSession, base: str) -> tuple[int, int]:
    """(callers waiting in queues, agents on a call), as a supervisor's API sees them."""
    queues = await api(http, base, "/api/v1/queues")
    agents = await api(http, base, "/api/v1/agents")
    waiting = sum(q["waiting"] for q in queues["queues"])
    return waiting, sum(1 for a in agents["agents"] if a["state"] == "on_call")


async def warm_up(http: aiohttp.ClientSession, base: str, args: argparse.Namespace) -> None:
    """Until the calls in progress reach ``args.calls`` (or ``args.warm_up`` seconds pass)."""
    started = time.monotonic()
    shown = 0.0
    while (elapsed := time.monotonic() - started) < args.warm_up:
        waiting, talking = await in_progress(http, base)
        if elapsed - shown >= 30 or waiting + talking >= args.calls:
            print(
                f"  warm-up {elapsed:4.0f} s: {waiting + talking} calls in progress "
                f"({waiting} waiting, {talking} talking)",
                flush=True,
            )
            shown = elapsed
        if waiting + talking >= args.calls:
            return
        await asyncio.sleep(5)
    print(f"  warm-up stopped after {args.warm_up:.0f} s short of {args.calls} calls")


async def measure(
    http: aiohttp.ClientSession, base: str, frames: Frames, cpu: CpuWindow, seconds: float
) -> tuple[list[int], dict[str, float], float]:
    """The window: calls in progress sampled every 10 s, CPU shares, events handled per s."""
    before = (await health(http, base))["pbx"]["events_handled"]
    frames.since, opened = time.time(), time.monotonic()
    cpu.start()
    samples: list[int] = []
    while time.monotonic() - opened < seconds:
        await asyncio.sleep(min(10, max(0.0, seconds - (time.monotonic() - opened))))
        samples.append(sum(await in_progress(http, base)))
    shares = cpu.stop()
    frames.until = time.time()
    handled = (await health(http, base))["pbx"]["events_handled"] - before
    rate = handled / (time.monotonic() - opened)
    await asyncio.sleep(GRACE_S)  # frames of the window's last events still on their way
    return samples, shares, rate


async def http_timings(http: aiohttp.ClientSession, base: str, path: str, n: int = 20) -> str:
    took = []
    for _ in range(n):
        started = time.perf_counter()
        await api(http, base, path)
        took.append(time.perf_counter() - started)
    return (
        f"GET {path}: p50 {percentile(took, 50) * 1000:.1f} ms, "
        f"p99 {percentile(took, 99) * 1000:.1f} ms ({n} requests)"
    )


def report(frames: Frames, samples: list[int], shares: dict[str, float], rate: float) -> None:
    for kind in KINDS:
        delays, hub = frames.delays[kind], frames.hub[kind]
        if not delays:
            print(f"  {kind} frames: none received")
            continue
        figures = ", ".join(f"p{p} {percentile(delays, p) * 1000:.0f} ms" for p in (50, 95, 99))
        print(
            f"  {kind} frames: {len(delays):,} to {frames.connected} supervisors; "
            f"PBX event -> wallboard {figures}, max {max(delays) * 1000:.0f} ms; "
            f"of which hub -> socket p50 {percentile(hub, 50) * 1000:.0f} ms, "
            f"p99 {percentile(hub, 99) * 1000:.0f} ms"
        )
    print(
        f"  calls in progress: min {min(samples)}, mean {sum(samples) / len(samples):.0f}, "
        f"max {max(samples)}; events handled {rate:,.0f}/s"
    )
    print(
        "  CPU, share of one core: "
        + ", ".join(
            f"{name} {share * 100:.0f} %" for name, share in shares.items() if name != "machine"
        )
        + f"; the machine's {shares['machine'] * 100:.0f} % of all cores busy (anyone's)"
    )


async def open_wallboards(
    http: aiohttp.ClientSession, base: str, logins: list[str], frames: Frames
) -> list[asyncio.Task[None]]:
    """Once the app leads the PBX: ``http`` signed in as the first supervisor (for the API),
    and every supervisor's socket open."""
    await wait_for(http, base, lambda b: b["pbx"].get("state") == "connected", 60)
    await sign_in(http, base, logins[0])
    watchers = [asyncio.create_task(supervisor(base, login, frames)) for login in logins]
    async with asyncio.timeout(120):
        while frames.connected < len(logins):
            await asyncio.sleep(0.1)
    return watchers


def watched_processes(
    source: LiveSource, app: Process, listener: Process | None, pg_pid: int | None
) -> dict[str, tuple[int, bool]]:
    assert source.process is not None
    processes = {"app": (app.pid, False), "simulator": (source.process.pid, False)}
    if listener is not None:
        processes["listener"] = (listener.pid, False)
    processes["bench"] = (os.getpid(), False)
    if pg_pid:
        processes["postgresql"] = (pg_pid, True)  # the postmaster and its backends
    return processes


async def run(args: argparse.Namespace, server_url: str, pg_pid: int | None) -> None:
    agents = args.queues * args.agents_per_queue
    url = await fresh_database(server_url, agents, DATABASE)
    logins = await add_supervisors(url, args.supervisors)
    await add_history(url, args.queues, args.history)
    options: tuple[str, ...] = (
        "--queues",
        str(args.queues),
        "--agents-per-queue",
        str(args.agents_per_queue),
    )
    options += ("--talk-seconds", str(args.talk_seconds))
    source = LiveSource(args.calls_per_minute, args.speed, options)
    base, app, listener = await start_app(
        url, await source.start(clean_environment()), split=args.split
    )
    frames, watchers = Frames(), []
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            watchers = await open_wallboards(http, base, logins, frames)
            source.go()
            print(
                f"{agents} agents in {args.queues} queues, {frames.connected} supervisors "
                f"watching; {args.calls_per_minute:g} calls/min, talks {args.talk_seconds} s, "
                f"{args.history:,} earlier queue visits",
                flush=True,
            )
            await warm_up(http, base, args)
            cpu = CpuWindow(watched_processes(source, app, listener, pg_pid))
            report(frames, *await measure(http, base, frames, cpu, args.seconds))
            for path in ("/api/v1/queues", "/api/v1/agents"):
                print("  " + await http_timings(http, base, path))
    finally:
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        await source.close()
        await stop_processes(app, listener)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--agents-per-queue", type=int, default=10)
    parser.add_argument("--supervisors", type=int, default=50)
    parser.add_argument("--calls-per-minute", type=float, default=120)
    parser.add_argument("--talk-seconds", default="120:240", help="MIN:MAX of answered calls")
    parser.add_argument("--speed", type=float, default=1.0, help="the simulator's clock")
    parser.add_argument(
        "--history", type=int, default=100_000, help="queue visits stored over the last 24 h"
    )
    parser.add_argument("--calls", type=int, default=300, help="calls in progress to warm to")
    parser.add_argument("--warm-up", type=float, default=480, help="at most, seconds")
    parser.add_argument("--seconds", type=float, default=120, help="the measured window")
    parser.add_argument(
        "--split", action="store_true", help="run the PBX listener as its own process"
    )
    args = parser.parse_args()
    _runtime_dir()
    print_machine()
    server_url, server = database_server()
    asyncio.run(run(args, server_url, server.get_pid() if server else None))
    del server


if __name__ == "__main__":
    main()
