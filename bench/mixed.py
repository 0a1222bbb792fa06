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
wallboard delay (PBX event -> "agent"/"queue" frame at a supervisor's socket), how many of the
pops and floor frames the app announced for the window (its NOTIFYs, heard on a LISTEN of the
bench's own) never reached the sockets (counted as late beyond any target), the import's
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
import math
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
from bench.ami_ingest import PASSWORD, fresh_database  # noqa: E402
from bench.ami_replay import save  # noqa: E402
from bench.cpu import CpuWindow  # noqa: E402
from bench.import_export import fill, import_workbook  # noqa: E402
from bench.mixed_floor import (  # noqa: E402
    Announced,
    BoardFrames,
    LoopLag,
    open_floor,
    settle,
)
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
from bench.wallboard import add_supervisors  # noqa: E402
from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.reports.rollups.refresh import refresh_rollups  # noqa: E402
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
    processes = {"app": app, "listener": listener, "source": source}
    floor: list[asyncio.Task[None]] = []
    office: Process | None = None
    announced = Announced({str(1000 + i) for i in range(args.operators)})
    try:
        async with aiohttp.ClientSession() as http:
            await wait_for(http, base, lambda b: b["pbx"].get("state") == "connected", 60)
            office = await start_back_office(base, args)
            pops, since, frames = [], [math.inf], BoardFrames()
            floor = await open_floor(base, args, logins, pops, since, frames)
            await read_line(office)  # signed in, ready
            print(
                f"{args.operators} operators and {frames.connected} supervisors on; replay at "
                f"{args.rate:,.0f} events/s{' (listener apart)' if args.split else ''}",
                flush=True,
            )
            await announced.start(url)
            figures = await measure(
                args,
                http,
                base,
                {**processes, "office": office},
                pg_pid,
                announced,
                (pops, since, frames),
            )
        print_figures(figures)
    finally:
        for task in floor:
            task.cancel()
        await asyncio.gather(*floor, return_exceptions=True)
        await announced.stop()
        await source.close()
        await stop_processes(office, app, listener)


async def measure(
    args: argparse.Namespace,
    http: aiohttp.ClientSession,
    base: str,
    processes: dict[str, Any],
    pg_pid: int | None,
    announced: Announced,
    floor: tuple[list[float], list[float], BoardFrames],
) -> Figures:
    """The window: the replay and the back office from the same moment; then the drain, and
    the frames still owed to the floor's sockets."""
    pops, since, frames = floor
    source, office, lag = processes["source"], processes["office"], LoopLag()
    cpu = CpuWindow(watched(processes, pg_pid))
    before = (await health(http, base))["pbx"]
    if before.get("reconnects"):
        print(
            f"  the PBX link reconnected {before['reconnects']} times before the window "
            "(no event was streamed yet: see var/bench-listener.log or bench-app.log)"
        )
    since[0] = frames.since = announced.since = time.time()
    source.go()
    office.send_signal(signal.SIGUSR1)
    cpu.start()
    profiling = await start_profiles(
        args, f"mixed {args.rate:g}", processes["app"], processes["listener"]
    )
    lag.start()
    opened = time.monotonic()
    back_office_s = await window(args, office)
    shares, elapsed = cpu.stop(), time.monotonic() - opened
    lag.stop()
    office.send_signal(signal.SIGUSR2)
    sent = await source.stop()
    frames.until = announced.until = time.time()
    drained_from = time.monotonic()
    final = await wait_for(
        http,
        base,
        lambda b: b["pbx"]["backlog"] == 0 and b["pbx"]["events_handled"] >= sent,
        120,
    )
    drain = time.monotonic() - drained_from
    settled = await settle(pops, frames, announced, args.settle)
    for profiler in profiling:
        await profiler.wait()
    office_figures = await read_line(office)
    while "import" not in office_figures:  # "finished" came after --longest
        office_figures = await read_line(office)
    return Figures(
        args=args,
        sent=sent,
        handled=final["pbx"]["events_handled"],
        reconnects=final["pbx"].get("reconnects", 0) - before.get("reconnects", 0),
        elapsed=elapsed,
        drain=drain,
        settled=settled,
        back_office_s=back_office_s,
        pops=pops,
        pops_owed=announced.pops,
        stages=ami_ingest.STAGES,
        frames=frames,
        board_owed=len(announced.figures) * frames.connected,
        board=frames.freshness(announced.figures),
        office=office_figures,
        shares=shares,
        loop_late=lag.late,
        since=since[0],
    )


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


def watched(processes: dict[str, Any], pg_pid: int | None) -> dict[str, tuple[int, bool]]:
    watching = {"web (with its upload readers)": (processes["app"].pid, True)}
    if processes["listener"] is not None:
        watching["listener"] = (processes["listener"].pid, False)
    watching["replay"] = (processes["source"].process.pid, False)
    watching["back office"] = (processes["office"].pid, False)
    watching["bench (the sockets)"] = (os.getpid(), False)
    if pg_pid:
        watching["postgresql"] = (pg_pid, True)  # the postmaster and its backends
    return watching


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
    parser.add_argument(
        "--settle",
        type=float,
        default=120,
        help="after the replay stops, wait at most this long for the frames the app still owes",
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
