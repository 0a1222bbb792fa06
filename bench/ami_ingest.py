"""The full PBX path under load: TCP AMI -> tracker -> PostgreSQL -> NOTIFY -> websockets.

Three OS processes share the machine: the simulator (``python -m ami.simulator``, events
carrying Asterisk's ``Timestamp``), the app (``python -m callcenter serve`` leading the PBX
listener and serving the pages), and this script holding the operators' websockets.

Prints for each phase: events per second the simulator sent to the app, whether every event
was handled (sent == handled, backlog drained), and the screen-pop latency p50/p99 from the
event leaving the simulator to the frame arriving at an operator's websocket.

    .venv/bin/python bench/ami_ingest.py [--operators 200] [--seconds 20]
        [--phase CPM:SPEED ...]   (calls per minute of simulated time, simulator speed)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from bench.ami_replay import save  # noqa: E402
from bench.pbx_rig import (  # noqa: E402
    LiveSource,
    ReplaySource,
    clean_environment,
    cpu_seconds,
    database_server,
    health,
    print_machine,
    recorded_traffic,
    start_app,
    start_profiles,
    stop_processes,
    wait_for,
)
from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.runtime import tune_gc  # noqa: E402
from callcenter.users.passwords import hash_password  # noqa: E402

DATABASE = "cc_ingest"
STAGES: list[tuple[float, float, float]] = []  # event->stored, stored->heard, heard->arrived
# (arrived at, latency, its stages or ()) of every pop measured
ARRIVALS: list[tuple[float, float, tuple[float, ...]]] = []
PASSWORD = "bench password 1"
CSRF = 'name="csrf_token" value="'
SIGNING_IN_AT_ONCE = 8  # a shift signs in over a minute, not all in one second


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


async def empty_database(server_url: str, name: str) -> str:
    """Database ``name`` on the server, dropped and migrated afresh; returns its URL."""
    conn = await asyncpg.connect(server_url)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = urlunsplit(urlsplit(server_url)._replace(path="/" + name))
    await asyncio.to_thread(upgrade, url)
    return url


async def fresh_database(server_url: str, operators: int, name: str = DATABASE) -> str:
    """A new database with operators op1000.. at extensions 1000..; returns its URL."""
    url = await empty_database(server_url, name)
    conn = await asyncpg.connect(url)
    digest = hash_password(PASSWORD)
    await conn.executemany(
        "INSERT INTO users (login, full_name, password_hash, role, language, timezone, "
        "extension, sees_all_clients, active, session_version, is_demo) VALUES "
        "($1, $1, $2, 'operator', 'en', 'Europe/Moscow', $3, false, true, 0, false)",
        [(f"op{1000 + i}", digest, str(1000 + i)) for i in range(operators)],
    )
    await conn.close()
    return url


async def sign_in(http: aiohttp.ClientSession, base: str, login: str) -> None:
    """Sign in through the login form, as a browser does (the session cookie stays in
    ``http``'s jar, which must be ``CookieJar(unsafe=True)`` for 127.0.0.1)."""
    page = await (await http.get(base + "/login")).text()
    token = page.split(CSRF)[1].split('"')[0]
    async with http.post(
        base + "/login", data={"login": login, "password": PASSWORD, "csrf_token": token}
    ) as response:
        if "/login" in str(response.url):
            raise RuntimeError(f"{login} could not sign in")


async def operator(
    base: str,
    login: str,
    frames: list[float],
    since: list[float],
    connected: list[int],
    signing_in: asyncio.Semaphore,
) -> None:
    """One operator's page: signs in, holds the socket, notes each pop's latency once every
    operator is connected (``since[0]``), for calls whose event came after that."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with signing_in:
            await sign_in(http, base, login)
        async with http.ws_connect(base + "/ws/live", autoping=True, max_msg_size=0) as ws:
            connected.append(1)
            async for message in ws:
                arrived = time.time()
                frame = json.loads(message.data)
                event_at = float(frame.get("event_at") or 0)
                if frame.get("type") == "ringing" and event_at >= since[0]:
                    frames.append(arrived - event_at)
                    stored, heard = frame.get("sent_at"), frame.get("heard_at")
                    stages = ()
                    if stored and heard:
                        stages = (stored - event_at, heard - stored, arrived - heard)
                        STAGES.append(stages)
                    ARRIVALS.append((arrived, arrived - event_at, stages))


async def phase(args: argparse.Namespace, server_url: str, source: Any) -> None:
    url = await fresh_database(server_url, args.operators)
    ami_port = await source.start(clean_environment())
    base, app, listener = await start_app(url, ami_port, split=args.split)
    frames: list[float] = []
    since, connected = [float("inf")], []
    try:
        async with aiohttp.ClientSession() as http:
            await wait_for(http, base, lambda b: b["pbx"].get("state") == "connected", 60)
            signing_in = asyncio.Semaphore(SIGNING_IN_AT_ONCE)
            clients = [
                asyncio.create_task(
                    operator(base, f"op{1000 + i}", frames, since, connected, signing_in)
                )
                for i in range(args.operators)
            ]
            async with asyncio.timeout(120):
                while len(connected) < args.operators:
                    await asyncio.sleep(0.1)
            since[0] = time.time()
            source.go()  # every operator is on: start the calls
            profiling = await start_profiles(args, source.label, app, listener)
            start = await health(http, base)
            started = time.monotonic()
            who = {"web": app, "listener": listener, "source": source.process}
            cpu_before = cpu_seconds(who)
            await asyncio.sleep(args.seconds)
            middle = await health(http, base)
            elapsed = time.monotonic() - started
            cpu_used = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_seconds(who).items()}
            sent = await source.stop()
            drained_at = time.monotonic()
            final = await wait_for(
                http,
                base,
                lambda b: b["pbx"]["backlog"] == 0 and b["pbx"]["events_handled"] >= sent,
                120,
            )
            drain = time.monotonic() - drained_at
            for profiler in profiling:
                await profiler.wait()
            for task in clients:
                task.cancel()
            await asyncio.gather(*clients, return_exceptions=True)
        rate = (middle["pbx"]["events_handled"] - start["pbx"]["events_handled"]) / elapsed
        handled = final["pbx"]["events_handled"]
        print(
            f"{source.label}{' (listener apart)' if args.split else ''}: {sent:,} events sent, "
            f"{handled:,} handled "
            f"({'all accounted for' if handled == sent else 'MISMATCH'}); sustained "
            f"{rate:,.0f} events/s over {elapsed:.0f} s; backlog drained {drain:.1f} s after "
            "the source stopped"
        )
        if final["pbx"].get("reconnects"):  # a replay starts again on a new login
            print(f"  the link reconnected {final['pbx']['reconnects']} times: figures void")
        if frames:
            print(
                f"  screen-pop latency, {len(frames):,} pops to {args.operators} operators: "
                f"p50 {percentile(frames, 50) * 1000:.1f} ms, "
                f"p99 {percentile(frames, 99) * 1000:.1f} ms, "
                f"max {max(frames) * 1000:.1f} ms, mean {statistics.fmean(frames) * 1000:.1f} ms"
            )
        if ARRIVALS:
            print_stalls(since[0], 0.05)
            ARRIVALS.clear()
        if cpu_used:
            print(
                "  CPU over the window, in cores: "
                + ", ".join(f"{k} {v / elapsed:.2f}" for k, v in cpu_used.items())
                + f"; all {sum(cpu_used.values()) / elapsed:.2f} of {os.cpu_count()}"
            )
        if STAGES:
            names = ("event -> sent", "sent -> hub", "hub -> websocket")
            parts = [
                f"{name} {percentile([st[k] for st in STAGES], 50) * 1000:.1f}/"
                f"{percentile([st[k] for st in STAGES], 99) * 1000:.1f} ms"
                for k, name in enumerate(names)
            ]
            print("  where the time goes, p50/p99: " + "; ".join(parts))
            STAGES.clear()
    finally:
        await source.close()
        await stop_processes(app, listener)


def worst(stall: list[tuple[float, float, tuple[float, ...]]]) -> str:
    _, latency, stages = max(stall, key=lambda arrival: arrival[1])
    split = "/".join(f"{x * 1000:.0f}" for x in stages)
    return f"worst {latency * 1000:.0f} ms" + (f" = {split}" if stages else "")


def print_stalls(since: float, slow_s: float) -> None:
    """Pops slower than ``slow_s`` grouped into stalls (slow pops less than 0.3 s apart): how
    many, when (seconds into the phase) and how far apart, so a periodic cause shows its
    period, and where the worst pop of each spent its time (stored / hub / websocket)."""
    slow = sorted(arrival for arrival in ARRIVALS if arrival[1] > slow_s)
    stalls: list[list[tuple[float, float, tuple[float, ...]]]] = []
    for arrival in slow:
        if stalls and arrival[0] - stalls[-1][-1][0] < 0.3:
            stalls[-1].append(arrival)
        else:
            stalls.append([arrival])
    if not stalls:
        print(f"  no pop slower than {slow_s * 1000:.0f} ms")
        return
    starts = [stall[0][0] - stall[0][1] for stall in stalls]  # when the first slow event left
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    print(
        f"  {len(slow):,} pops slower than {slow_s * 1000:.0f} ms in {len(stalls)} stalls; "
        f"gap between stalls p50 {statistics.median(gaps) if gaps else 0:.2f} s; first at "
        "(worst = ms to sent/hub/websocket) "
        + ", ".join(
            f"{start - since:.2f}s ({worst(stall)})"
            for start, stall in zip(starts[:12], stalls, strict=False)
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operators", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--split",
        action="store_true",
        help="run the PBX listener as its own process (python -m ami)",
    )
    parser.add_argument(
        "--phase",
        action="append",
        default=[],
        help="CPM:SPEED for the live simulator, e.g. 72:0.05 (repeatable)",
    )
    parser.add_argument(
        "--replay",
        action="append",
        default=[],
        type=float,
        help="replay recorded traffic at this many events/s (repeatable)",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="sample the app's processes with py-spy during each phase, into DIR",
    )
    args = parser.parse_args()
    phases = [tuple(float(x) for x in p.split(":")) for p in args.phase]
    if not phases and not args.replay:
        phases = [(72, 0.05)]
    _runtime_dir()
    tune_gc()  # this process stands for 200 browsers: its own collector must not stall them
    gc.disable()  # nor any full pass over what it records (a short run: memory is no concern)
    print_machine()
    base_url, server = database_server()
    for cpm, speed in phases:
        agents = ("--agents", str(args.operators))
        asyncio.run(phase(args, base_url, LiveSource(cpm, speed, agents)))
    if args.replay:
        needed = max(args.replay) * (args.seconds + 2)
        events = asyncio.run(recorded_traffic(args.operators, needed / 12_000 + 2))
        print(f"recorded {len(events):,} events of live simulator traffic for the replays")
        events_file = str(ROOT / "var" / "bench-replay.ami")
        save(events, events_file)
        del events
        for rate in args.replay:
            asyncio.run(phase(args, base_url, ReplaySource(events_file, rate)))
    del server


if __name__ == "__main__":
    main()
