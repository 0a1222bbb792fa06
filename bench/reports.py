"""Reports at scale: every registered report over a year and over a day.

Generates clients, orders and a year of calls (with their queue visits, agents' legs and
agents' status stretches) straight in a scratch PostgreSQL (``INSERT ... SELECT`` over
``generate_series``: the rows are made by the server, no bytes cross the wire, faster than
COPY from Python), builds the rollups as the app's job does (first run: every bucket), then
times each report in the registry over this year and over one busy day (p50 / max of
``--runs`` runs), as a supervisor sees it.

    .venv/bin/python bench/reports.py [--scale 1.0] [--runs 5]

Scale 1.0 is 1,000,000 clients, 2,000,000 orders and 10,000,000 calls. Uses
CALLCENTER_DATABASE_URL when set, else the embedded PostgreSQL under var/bench-pg, in a
database of its own that is filled afresh each run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402

from bench.report_changes import AGENT_STATE_HOURS, NEW_TODAY
from bench.report_data import statements  # noqa: E402
from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.reports.filters import parse_filters  # noqa: E402
from callcenter.reports.registry import all_reports  # noqa: E402
from callcenter.reports.rollups.refresh import all_rollups, refresh_one, refresh_rollups  # noqa: E402
from callcenter.users.models import User  # noqa: E402

DATABASE = "cc_bench_reports"
NOW = datetime.now(UTC)
YEAR_END = datetime.combine(NOW.date(), time(0), UTC)  # the data's year ends today
YEAR_START = YEAR_END - timedelta(days=365)
BUSY_DAY = (YEAR_START + timedelta(days=160)).date().isoformat()
PERIODS = {  # days in Moscow
    "year": {
        "since": YEAR_START.date().isoformat(),
        "until": (YEAR_END - timedelta(days=1)).date().isoformat(),
    },
    "day": {"since": BUSY_DAY, "until": BUSY_DAY},
}
# who looks, and the filters tried on each report that takes them
VIEWERS = {
    "supervisor": User(id=0, login="boss", role="supervisor", active=True, language="en"),
    "manager": User(
        id=7, login="bench7", role="manager", active=True, language="en", sees_all_clients=False
    ),
}
FILTERS = {"queue": "q3", "campaign": "5", "channel": "3", "segment": "2"}
# filters tried together, by report (channel 3's clients are all in segment 3 or 7)
TOGETHER = {
    "calls": ({"campaign": "5", "channel": "3"}, {"channel": "3", "segment": "3"}),
    "loyalty": ({"channel": "3", "segment": "3"},),
    "refusals": ({"campaign": "5", "segment": "3"}, {"channel": "3", "segment": "3"}),
    "funnel": ({"channel": "3", "segment": "3"},),
    "channels": ({"channel": "3", "segment": "3"},),
    "segments": ({"channel": "3", "segment": "3"},),
}


def tries(spec: Any, who: str) -> dict[str, dict[str, str]]:
    """The filters to time a report with, by how they are shown: none; for a supervisor,
    each filter the report takes, then those it is tried with together."""
    if who != "supervisor":
        return {"": {}}
    chosen = [{k: v} for k, v in FILTERS.items() if k in spec.filters]
    chosen += TOGETHER.get(spec.name, ())
    return {"": {}} | {"".join(f" {k}={v}" for k, v in c.items()): c for c in chosen}


async def fill(url: str, scale: float) -> None:
    sizes = {"clients": 1_000_000, "orders": 2_000_000, "calls": 10_000_000}
    counts = {name: max(int(n * scale), 10) for name, n in sizes.items()}
    conn = await asyncpg.connect(url)
    await conn.execute("SET synchronous_commit = off")
    began = clock.perf_counter()
    for statement in statements(
        **counts, start=YEAR_START.isoformat(), end=YEAR_END.isoformat(), scale=scale
    ):
        started = clock.perf_counter()
        status = await conn.execute(statement)
        print(f"  {status.splitlines()[0][:40]}: {clock.perf_counter() - started:.1f} s")
    await conn.execute("VACUUM ANALYZE")
    print(f"generated in {clock.perf_counter() - began:.0f} s")
    await conn.close()


async def timed_refresh(sessionmaker: Any, label: str) -> None:
    """One refresh, rollup by rollup (as ``refresh_rollups`` runs them), with their times."""
    parts, began = [], clock.perf_counter()
    for rollup in all_rollups():
        started = clock.perf_counter()
        n = await refresh_one(sessionmaker, rollup)
        parts.append(f"{rollup.name} {n} in {(clock.perf_counter() - started) * 1000:.0f} ms")
    print(f"refresh, {label}: {(clock.perf_counter() - began) * 1000:.0f} ms ({'; '.join(parts)})")


async def bench_refresh(url: str, sessionmaker: Any) -> None:
    await timed_refresh(sessionmaker, "nothing new")
    conn = await asyncpg.connect(url)
    await conn.execute(NEW_TODAY)
    await conn.close()
    await timed_refresh(sessionmaker, "after 1,000 new calls and 200 new or changed orders")
    await timed_refresh(sessionmaker, "nothing new again")


async def run_report(sessionmaker: Any, spec: Any, query: dict[str, str], user: User, runs: int):
    filters = parse_filters(query, timezone="Europe/Moscow", now=NOW, supported=spec.filters)
    samples = []
    for _ in range(runs + 1):
        async with sessionmaker() as session:
            began = clock.perf_counter()
            await spec.run(session, filters=filters, user=user)
            samples.append(clock.perf_counter() - began)
    samples = samples[1:]  # the first warms the caches
    return statistics.median(samples) * 1000, max(samples) * 1000


async def agent_states_by_bench(url: str) -> None:
    """The calls report's agent-status hours, by one set-based statement that gives what
    its rollup gives (that rollup joins every stretch to every hour of a week: minutes per
    week at this scale), so the reports are timed over real figures."""
    conn = await asyncpg.connect(url)
    started = clock.perf_counter()
    status = await conn.execute(AGENT_STATE_HOURS)
    print(f"agent status hours by the bench: {status} in {clock.perf_counter() - started:.0f} s")
    await conn.close()


async def bench(url: str, runs: int) -> None:
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    started = clock.perf_counter()
    built = await refresh_rollups(sessionmaker)
    print(f"rollups brought up to date: {built} in {clock.perf_counter() - started:.1f} s")
    await bench_refresh(url, sessionmaker)
    worst = 0.0
    for spec in all_reports():
        for label, period in PERIODS.items():
            for who, user in VIEWERS.items():
                for shown, extra in tries(spec, who).items():
                    p50, top = await run_report(sessionmaker, spec, period | extra, user, runs)
                    worst = max(worst, top)
                    print(
                        f"report {spec.name} over a {label}, {who}{shown}: "
                        f"p50 {p50:.0f} ms, max {top:.0f} ms"
                    )
    print(f"slowest single run: {worst:.0f} ms")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the filled database; rebuild the rollups"
    )
    parser.add_argument(
        "--keep-rollups", action="store_true", help="with --reuse: refresh, do not rebuild"
    )
    parser.add_argument(
        "--agent-states-by-bench",
        action="store_true",
        help="fill the agent-status hours by one statement instead of their rollup",
    )
    args = parser.parse_args()
    _runtime_dir()
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; scale {args.scale}"
    )
    server = None
    base = os.environ.get("CALLCENTER_DATABASE_URL", "")
    if not base:
        import pgserver

        Path("var").mkdir(exist_ok=True)
        server = pgserver.get_server(Path("var/bench-pg").resolve(), cleanup_mode="stop")
        base = server.get_uri("postgres")
    url = urlunsplit(urlsplit(base)._replace(path="/" + DATABASE))

    async def fresh_db() -> None:
        conn = await asyncpg.connect(base)
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DATABASE}"')
        await conn.close()

    async def forget_marks() -> None:  # the first refresh builds every rollup again
        conn = await asyncpg.connect(url)
        await conn.execute("DELETE FROM report_rollup_marks")
        await conn.close()

    if not args.reuse:
        asyncio.run(fresh_db())
    upgrade(url)
    if not args.reuse:
        print("filling:")
        asyncio.run(fill(url, args.scale))
    elif not args.keep_rollups:
        asyncio.run(forget_marks())
    if args.agent_states_by_bench:
        asyncio.run(agent_states_by_bench(url))
    asyncio.run(bench(url, args.runs))
    del server


if __name__ == "__main__":
    main()
