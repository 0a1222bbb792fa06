"""The floor never notices the back office: PBX traffic, pops and wallboards while a big import,
a big export, reports and hostile uploads run on the same app.

Five OS processes share the machine: the replay PBX streaming recorded simulator traffic at
``--rate`` events/s (``bench/ami_replay.py``), the app (``python -m callcenter serve``; with
``--split`` the PBX listener runs apart as ``python -m ami``) with its report rollups refreshed
every ``--report-refresh`` seconds as in production, this script holding 200 operators' and 50
supervisors' websockets (each signed in through the login form), and the back office
(``bench/back_office.py``): a manager importing an XLSX of ``--import-rows`` clients and
uploading three bombs again and again (a cell at column AAAAA, a 210 KB zip whose shared
strings inflate to 60 MiB, an XXE workbook), an admin exporting the whole client base
(``--export-rows`` clients, filled by COPY beforehand) and reading every report, and /health
polled every 100 ms.

Once every socket is on, the replay and the back office start together. The window lasts
``--seconds``, longer if the import or the export is still running (at most ``--longest``);
then the replay stops and the backlog drains. Prints events sent vs handled, the pop latency
(PBX event -> "ringing" frame at the operator's socket) p50/p99/max with where it went, the
wallboard delay (PBX event -> "agent"/"queue" frame at a supervisor's socket), the import's
and the export's times, the reports' and /health's answer times, the bombs refused, the CPU
of each process, and PASS/FAIL against the targets: pop p99 <= 50 ms, wallboard p99 <= 1 s,
every event handled, the import done within 45 s, every bomb refused with a 4xx.

    .venv/bin/python bench/mixed.py [--rate 5000] [--seconds 60] [--split]
        [--import-rows 100000] [--export-rows 1000000] [--export-format xlsx|csv]
    quick: .venv/bin/python bench/mixed.py --rate 1000 --seconds 15 --import-rows 5000
        --export-rows 20000

Uses CALLCENTER_DATABASE_URL's server when set, else the embedded PostgreSQL under var/bench-pg.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import json
import os
import signal
import sys
import time
import zipfile
from asyncio.subprocess import Process
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from bench import ami_ingest  # noqa: E402
from bench.ami_ingest import PASSWORD, fresh_database, operator, sign_in  # noqa: E402
from bench.ami_replay import save  # noqa: E402
from bench.cpu import CpuWindow  # noqa: E402
from bench.import_export import fill, import_workbook  # noqa: E402
from bench.mixed_report import Figures, print_figures  # noqa: E402
from bench.pbx_rig import (  # noqa: E402
    ReplaySource,
    clean_environment,
    database_server,
    health,
    print_machine,
    recorded_traffic,
    spawn,
    start_app,
    start_profiles,
    stop_processes,
    wait_for,
)
from bench.wallboard import GRACE_S, Frames, add_supervisors  # noqa: E402
from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.reports.rollups import refresh_rollups  # noqa: E402
from callcenter.runtime import tune_gc  # noqa: E402
from callcenter.users.passwords import hash_password  # noqa: E402
from tests.imports.bombs import (  # noqa: E402
    SHARED,
    cell,
    header_sheet,
    shared_strings_bomb,
    workbook,
    xxe_sheet,
)

DATABASE = "cc_mixed"
WORKDIR = ROOT / "var" / "bench-mixed"
SIGNING_IN_AT_ONCE = 8


async def back_office_users(url: str) -> None:
    """The manager who imports and the admin who exports and reads the reports."""
    conn = await asyncpg.connect(url)
    await conn.executemany(
        "INSERT INTO users (login, full_name, password_hash, role, language, timezone, "
        "sees_all_clients, active, session_version, is_demo) VALUES "
        "($1, $1, $2, $1, 'ru', 'Europe/Moscow', true, true, 0, false)",
        [(role, hash_password(PASSWORD)) for role in ("manager", "admin")],
    )
    await conn.close()


async def prepare_database(server_url: str, args: argparse.Namespace) -> tuple[str, list[str]]:
    url = await fresh_database(server_url, args.operators, DATABASE)
    logins = await add_supervisors(url, args.supervisors)
    await back_office_users(url)
    conn = await asyncpg.connect(url)
    started = time.perf_counter()
    await fill(conn, args.export_rows)
    print(f"client base: {args.export_rows:,} clients in {time.perf_counter() - started:.1f} s")
    await conn.close()
    engine = make_engine(url)
    started = time.perf_counter()
    await refresh_rollups(make_sessionmaker(engine))  # the first run builds every bucket
    await engine.dispose()
    print(
        f"report rollups built in {time.perf_counter() - started:.1f} s (the app's first "
        "refresh, done before it starts: the window sees the refreshes of a running app)"
    )
    return url, logins


def prepare_files(args: argparse.Namespace) -> None:
    """The XLSX to import (a tenth of its numbers already in the base: those rows update their
    client) and the three bombs, made before the app starts."""
    (WORKDIR / "bombs").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    first = max(1, args.export_rows - args.import_rows // 10 + 1)
    content = import_workbook(args.import_rows, first_id=first)
    (WORKDIR / "import.xlsx").write_bytes(content)
    bombs = {
        "aaaaa.xlsx": workbook(header_sheet(cell("AAAAA1", "x"))),
        "strings-bomb.xlsx": workbook(
            header_sheet(), **{SHARED.replace("/", "__"): shared_strings_bomb(60)}
        ),
        "xxe.xlsx": workbook(xxe_sheet()),
    }
    for name, bomb in bombs.items():
        (WORKDIR / "bombs" / name).write_bytes(bomb)
    sizes = ", ".join(
        f"{name} {len(bomb) / 1024:,.0f} KB ({inflated(bomb) / 1024:,.0f} KB inflated)"
        for name, bomb in bombs.items()
    )
    print(
        f"import file: {args.import_rows:,} rows, {len(content) / 1024 / 1024:.1f} MiB; bombs: "
        f"{sizes}; made in {time.perf_counter() - started:.1f} s"
    )


def inflated(archive: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        return sum(entry.file_size for entry in zipped.infolist())


async def record_traffic(args: argparse.Namespace) -> str:
    needed = args.rate * (args.longest + 5)
    events = await recorded_traffic(args.operators, needed / 12_000 + 2)
    print(f"recorded {len(events):,} events of live simulator traffic for the replay")
    path = str(ROOT / "var" / "bench-mixed.ami")
    save(events, path)
    return path


async def read_line(process: Process) -> dict[str, Any]:
    assert process.stdout is not None
    line = await process.stdout.readline()
    if not line:
        raise RuntimeError("the back office stopped: see var/bench-back-office.log")
    return dict(json.loads(line))


class LoopLag:
    """How late this process's own loop wakes (it stamps every frame's arrival): a late
    loop would show as slow pops that the app did not cause."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self.task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            self.late.append(time.monotonic() - before - 0.01)


async def wallboard(base: str, login: str, frames: Frames, signing_in: asyncio.Semaphore) -> None:
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
    frames: Frames,
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


async def window(args: argparse.Namespace, office: Process) -> float:
    """``--seconds``, or until the back office's import and export are done (``--longest``
    at most); returns the seconds the import and export took together, or inf."""
    started = time.monotonic()
    finished = asyncio.create_task(read_line(office))
    try:
        async with asyncio.timeout(args.longest):
            done = await finished
    except TimeoutError:
        return float("inf")
    await asyncio.sleep(max(0.0, args.seconds - (time.monotonic() - started)))
    return float(done["finished"])


async def run(args: argparse.Namespace, server_url: str, pg_pid: int | None) -> None:
    events_file = await record_traffic(args)
    url, logins = await prepare_database(server_url, args)
    prepare_files(args)
    source = ReplaySource(events_file, args.rate)
    refresh = {"CALLCENTER_REPORT_REFRESH_SECONDS": str(args.report_refresh)}
    base, app, listener = await start_app(
        url, await source.start(clean_environment()), split=args.split, settings=refresh
    )
    pops: list[float] = []
    since, frames, lag, floor = [float("inf")], Frames(), LoopLag(), []
    office: Process | None = None
    try:
        async with aiohttp.ClientSession() as http:
            await wait_for(http, base, lambda b: b["pbx"].get("state") == "connected", 60)
            office = await start_back_office(base, args)
            floor = await open_floor(base, args, logins, pops, since, frames)
            await read_line(office)  # signed in, ready
            print(
                f"{args.operators} operators and {frames.connected} supervisors on; replay at "
                f"{args.rate:,.0f} events/s{' (listener apart)' if args.split else ''}",
                flush=True,
            )
            cpu = CpuWindow(watched(source, app, listener, office, pg_pid))
            before = (await health(http, base))["pbx"]
            if before.get("reconnects"):
                print(
                    f"  the PBX link reconnected {before['reconnects']} times before the window "
                    "(no event was streamed yet: see var/bench-listener.log or bench-app.log)"
                )
            since[0] = frames.since = time.time()
            source.go()
            office.send_signal(signal.SIGUSR1)
            cpu.start()
            profiling = await start_profiles(args, f"mixed {args.rate:g}", app, listener)
            lag.task = asyncio.create_task(lag._watch())
            opened = time.monotonic()
            back_office_s = await window(args, office)
            shares, elapsed = cpu.stop(), time.monotonic() - opened
            lag.task.cancel()
            office.send_signal(signal.SIGUSR2)
            sent = await source.stop()
            frames.until = time.time()
            drained_from = time.monotonic()
            final = await wait_for(
                http,
                base,
                lambda b: b["pbx"]["backlog"] == 0 and b["pbx"]["events_handled"] >= sent,
                120,
            )
            drain = time.monotonic() - drained_from
            for profiler in profiling:
                await profiler.wait()
            office_figures = await read_line(office)
            while "import" not in office_figures:  # "finished" came after --longest
                office_figures = await read_line(office)
            await asyncio.sleep(GRACE_S)  # the last frames on their way
        print_figures(
            Figures(
                args=args,
                sent=sent,
                handled=final["pbx"]["events_handled"],
                reconnects=final["pbx"].get("reconnects", 0) - before.get("reconnects", 0),
                elapsed=elapsed,
                drain=drain,
                back_office_s=back_office_s,
                pops=pops,
                stages=ami_ingest.STAGES,
                frames=frames,
                office=office_figures,
                shares=shares,
                loop_late=lag.late,
                since=since[0],
            )
        )
    finally:
        for task in floor:
            task.cancel()
        await asyncio.gather(*floor, return_exceptions=True)
        await source.close()
        await stop_processes(office, app, listener)


async def start_back_office(base: str, args: argparse.Namespace) -> Process:
    return await spawn(
        "-m",
        "bench.back_office",
        base,
        str(WORKDIR),
        "--export-format",
        args.export_format,
        "--bomb-pause",
        str(args.bomb_pause),
        env=clean_environment(),
        log="bench-back-office",
    )


def watched(
    source: ReplaySource,
    app: Process,
    listener: Process | None,
    office: Process,
    pg_pid: int | None,
) -> dict[str, tuple[int, bool]]:
    assert source.process is not None
    processes = {"web (with its upload readers)": (app.pid, True)}
    if listener is not None:
        processes["listener"] = (listener.pid, False)
    processes["replay"] = (source.process.pid, False)
    processes["back office"] = (office.pid, False)
    processes["bench (the sockets)"] = (os.getpid(), False)
    if pg_pid:
        processes["postgresql"] = (pg_pid, True)  # the postmaster and its backends
    return processes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument("--rate", type=float, default=5000, help="PBX events per second")
    parser.add_argument("--seconds", type=float, default=60, help="the window, at least")
    parser.add_argument(
        "--longest",
        type=float,
        default=240,
        help="the window at most, waiting for the import and the export (sizes the recording)",
    )
    parser.add_argument("--operators", type=int, default=200)
    parser.add_argument("--supervisors", type=int, default=50)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--export-rows", type=int, default=1_000_000, help="clients in the base")
    parser.add_argument("--export-format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument(
        "--report-refresh",
        type=float,
        default=5.0,
        help="CALLCENTER_REPORT_REFRESH_SECONDS of the app (its own default: 5)",
    )
    parser.add_argument("--bomb-pause", type=float, default=1.0, help="seconds between bombs")
    parser.add_argument(
        "--split", action="store_true", help="run the PBX listener as its own process"
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="sample the web process and the listener with py-spy for --seconds of the window, "
        "into DIR (a profiled run's figures are not the record)",
    )
    args = parser.parse_args()
    _runtime_dir()
    tune_gc()  # this process stands for 250 browsers: its collector must not stall them
    gc.disable()
    print_machine()
    print("load average before the run: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    server_url, server = database_server()
    asyncio.run(run(args, server_url, server.get_pid() if server else None))
    del server


if __name__ == "__main__":
    main()
