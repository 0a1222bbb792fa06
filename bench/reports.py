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
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402

from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.reports.filters import parse_filters  # noqa: E402
from callcenter.reports.registry import all_reports  # noqa: E402
from callcenter.reports.rollups import refresh_rollups  # noqa: E402
from callcenter.users.models import User  # noqa: E402

DATABASE = "cc_bench_reports"
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
AGENTS, QUEUES = 200, 10

# $1 clients, $2 orders, $3 calls; calls spread over the year's working hours (8-20 UTC)
FILL = [
    """INSERT INTO clients (id, kind, name, legal_address, postal_address, bank_name, notes,
           is_demo)
       SELECT g, 'person', 'Клиент ' || g, '', '', '', '', false FROM generate_series(1, $1) g""",
    """INSERT INTO orders (number, client_id, status_id, status_changed_at, currency, total,
           notes, created_at, updated_at)
       SELECT 'B-' || g, 1 + g % $1,
              (SELECT array_agg(id ORDER BY position) FROM order_statuses)[1 + g % 8],
              now(), 'RUB', 1000 + g % 9000, '',
              $4::timestamptz + (g % 365) * interval '1 day', now()
       FROM generate_series(1, $2) g""",
    """INSERT INTO queues (pbx, name, title, service_level_seconds, wrapup_seconds, strategy,
           pbx_service_level_seconds, on_pbx, allowed_user_ids)
       SELECT 'default', 'q' || g, 'Queue ' || g, 20, 5, '', 20, true, '{}'
       FROM generate_series(1, 10) g""",
    """INSERT INTO calls (linkedid, pbx, direction, caller, callee, queue, client_id,
           started_at, answered_at, ended_at, outcome, wait_seconds, talk_seconds,
           hold_seconds, recording, agents, updated_at)
       SELECT 'b' || g, 'default', d.direction,
              CASE WHEN d.direction = 'inbound' THEN '+79' || lpad((g % $1)::text, 9, '0')
                   ELSE '1' || (g % 200) END,
              CASE WHEN d.direction = 'outbound' THEN '+79' || lpad((g % $1)::text, 9, '0')
                   ELSE '2' || (g % 200) END,
              CASE WHEN d.direction = 'inbound' AND g % 10 < 8 THEN 'q' || (1 + g % 10) ELSE '' END,
              1 + g % $1, t.at, CASE WHEN o.outcome = 'answered' THEN t.at + interval '20 s' END,
              t.at + ((g % 600) + 30) * interval '1 s', o.outcome, g % 90, (g % 600), g % 7, '',
              '{}', now() - interval '1 day'
       FROM generate_series(1, $3) g
       CROSS JOIN LATERAL (SELECT $4::timestamptz + (g % 365) * interval '1 day'
                           + (8 + g % 12) * interval '1 hour' + (g % 3599) * interval '1 s'
                           AS at) t
       CROSS JOIN LATERAL (SELECT (ARRAY['inbound', 'inbound', 'inbound', 'outbound',
                                         'internal'])[1 + g % 5] AS direction) d
       CROSS JOIN LATERAL (SELECT CASE WHEN g % 13 = 0 THEN 'abandoned'
                                       WHEN g % 17 = 0 THEN 'no_answer'
                                       ELSE 'answered' END AS outcome) o""",
    """INSERT INTO queue_stints (pbx, key, queue, linkedid, uniqueid, caller, entered_at,
           outcome, position, connected_at, ended_at, wait_seconds, talk_seconds, agent,
           ended_by)
       SELECT 'default', c.linkedid || '/' || c.queue, c.queue, c.linkedid, c.linkedid,
              c.caller, c.started_at,
              CASE c.outcome WHEN 'answered' THEN 'completed' ELSE 'abandoned' END, 1,
              c.answered_at, c.ended_at, c.wait_seconds::int,
              CASE WHEN c.outcome = 'answered' THEN c.talk_seconds::int END,
              CASE WHEN c.outcome = 'answered' THEN 'PJSIP/' || (100 + c.id % 200) ELSE '' END,
              'caller'
       FROM calls c WHERE c.queue <> ''""",
    """INSERT INTO call_legs (call_id, uniqueid, channel, agent, started_at, answered_at,
           ended_at, talk_seconds, hold_seconds)
       SELECT c.id, c.linkedid || '.a', 'PJSIP/' || (100 + c.id % 200),
              'PJSIP/' || (100 + c.id % 200), c.started_at, c.answered_at, c.ended_at,
              c.talk_seconds, 0
       FROM calls c WHERE c.outcome = 'answered'""",
    """INSERT INTO agent_states (pbx, interface, extension, status, reason, started_at,
           ended_at)
       SELECT 'default', 'PJSIP/' || (100 + a), (100 + a)::text,
              (ARRAY['available', 'ringing', 'on_call', 'wrap_up', 'paused', 'available'])
                [1 + s % 6],
              CASE WHEN s % 6 = 4 THEN (ARRAY['Lunch', 'Training', 'Break'])[1 + s % 3]
                   ELSE '' END,
              $4::timestamptz + d * interval '1 day' + interval '8 hours'
                + s * interval '6 minutes',
              $4::timestamptz + d * interval '1 day' + interval '8 hours'
                + (s + 1) * interval '6 minutes'
       FROM generate_series(0, 199) a, generate_series(0, 364) d, generate_series(0, 119) s
       WHERE (a + d) % 7 < 5 AND random() < $5""",
]


async def fill(url: str, scale: float) -> None:
    clients, orders, calls = int(1_000_000 * scale), int(2_000_000 * scale), int(10_000_000 * scale)
    conn = await asyncpg.connect(url)
    await conn.execute("SET synchronous_commit = off")
    for statement in FILL:
        started = time.perf_counter()
        values = [clients, orders, calls, f"'{YEAR_START.isoformat()}'", scale]
        for i, value in enumerate(values, 1):  # our own numbers: written into the SQL
            statement = statement.replace(f"${i}", str(value))
        status = await conn.execute(statement)
        print(f"  {status}: {time.perf_counter() - started:.1f} s")
    await conn.execute("ANALYZE")
    await conn.close()


async def bench(url: str, runs: int) -> None:
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    started = time.perf_counter()
    built = await refresh_rollups(sessionmaker)
    print(f"rollups built from scratch: {built} in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    await refresh_rollups(sessionmaker)
    print(f"a refresh with nothing new: {(time.perf_counter() - started) * 1000:.0f} ms")
    supervisor = User(id=0, login="bench", role="supervisor", active=True)
    now = datetime(2026, 12, 31, 12, tzinfo=UTC)
    periods = {
        "year": {"since": "2026-01-01", "until": "2026-12-31"},
        "day": {"since": "2026-06-10", "until": "2026-06-10"},
    }
    for spec in all_reports():
        for label, query in periods.items():
            filters = parse_filters(query, timezone="Europe/Moscow", now=now)
            samples = []
            for _ in range(runs + 1):
                async with sessionmaker() as session:
                    began = time.perf_counter()
                    await spec.run(session, filters=filters, user=supervisor)
                    samples.append(time.perf_counter() - began)
            samples = samples[1:]  # the first warms the caches
            p50, top = statistics.median(samples) * 1000, max(samples) * 1000
            print(f"report {spec.name} over a {label}: p50 {p50:.0f} ms, max {top:.0f} ms")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
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

    asyncio.run(fresh_db())
    upgrade(url)
    print("filling:")
    asyncio.run(fill(url, args.scale))
    asyncio.run(bench(url, args.runs))
    del server


if __name__ == "__main__":
    main()
