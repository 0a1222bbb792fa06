"""Mass mailings at size: the audience of 100,000 clients with its exclusions, the sending into
a local SMTP server, and the open and click tracking hits against the running app.

Three phases, each printing its figures beside the target of issue 17:
1. audience: a draft mailing's audience counted with who is left out by reason (target:
   within 5 s), then frozen into recipient rows with their time zones (what scheduling does:
   seconds, beside it);
2. sending: ``send_mailings`` run back to back (as the app's job would, with no pause
   between runs) into an aiosmtpd server in another process that counts what it takes;
   e-mails a second and this process's peak RSS, sampled as it goes (target >= 300/s, flat);
3. tracking: the app (``python -m callcenter serve``, its own process) answers pixel and
   click hits of the letters' signed links (``--hits`` distinct ones, 60 % opens) from
   ``--workers`` connections; hits a second and p50/p99 (target 10,000/s, p99 <= 20 ms),
   then the events stored, counted in the database against the hits answered. The load
   comes from ``wrk`` (C, Debian's ``wrk`` package, one thread: the fewer cores it takes the
   more the server has) for ``--seconds`` when it is installed:
   a load generator in Python spends more CPU per request than the server it measures, and
   on a small machine it takes the cores the server would use. ``--load python`` (or no
   ``wrk``) sends each link once from this process instead, as the first runs did.

    .venv/bin/python bench/mailings.py [--clients 100000] [--hits 10000] [--workers 64]
        [--load wrk|python] [--seconds 10] [--web-processes 2]

Uses CALLCENTER_DATABASE_URL's server when set, else the embedded PostgreSQL under
var/bench-pg; the database ``cc_mailings`` is made afresh each run.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.cpu import CpuWindow  # noqa: E402
from bench.pbx_rig import (  # noqa: E402
    clean_environment,
    database_server,
    free_port,
    print_machine,
    spawn,
    stop_processes,
    wait_for,
)
from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.mailings.audience import count_audience  # noqa: E402
from callcenter.mailings.input import MailingInput  # noqa: E402
from callcenter.mailings.links import click_url, open_url  # noqa: E402
from callcenter.mailings.sender import send_mailings  # noqa: E402
from callcenter.mailings.service import create_mailing, schedule_mailing  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.settings import Settings  # noqa: E402
from callcenter.users.service import get_user  # noqa: E402

DATABASE = "cc_mailings"
SECRET = "bench mailing secret"
TEXT = (
    "Здравствуйте, {{ client.name }}! Скидки недели: https://shop.example.ru/sale?utm=mail\n"
    "Каталог: https://shop.example.ru/catalog\nОтписаться: {{ unsubscribe_url }}"
)
HTML = (
    "<p>Здравствуйте, {{ client.name }}!</p><p><a href='https://shop.example.ru/sale?utm=mail'>"
    "Скидки недели</a> · <a href='https://shop.example.ru/catalog'>Каталог</a></p>"
    "<p><a href='{{ unsubscribe_url }}'>Отписаться</a></p>"
)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """This process's resident memory now (Linux), to see that it stays flat."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


async def fresh_database(server_url: str) -> str:
    conn = await asyncpg.connect(server_url)
    await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    await conn.close()
    url = urlunsplit(urlsplit(server_url)._replace(path="/" + DATABASE))
    await asyncio.to_thread(upgrade, url)
    return url


def address_of(i: int) -> str:
    """Every 50th client has no address, every 97th a broken one, every 103rd shares the
    previous client's (a duplicate); the rest their own."""
    if i % 103 == 0:
        return f"client{i - 1}@example.ru"
    if i % 97 == 0:
        return f"client{i}@@example"
    return f"client{i}@example.ru"


async def fill(conn: asyncpg.Connection, count: int) -> None:
    started = time.perf_counter()
    ids = range(1, count + 1)
    await conn.copy_records_to_table(
        "clients",
        records=[(i, "person", f"Клиент {i}", "", "", "", "", False) for i in ids],
        columns=["id", "kind", "name", "legal_address", "postal_address", "bank_name", "notes",
                 "is_demo"],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "client_emails",
        records=[(i, address_of(i), 0) for i in ids if i % 50],
        columns=["client_id", "email", "position"],
    )
    await conn.copy_records_to_table(  # every 101st address unsubscribed, every 89th bounced
        "mailing_suppressions",
        records=[
            (address_of(i), "unsubscribed" if i % 101 == 0 else "bounced", "")
            for i in ids
            if (i % 101 == 0 or i % 89 == 0) and i % 50
        ],  # fmt: skip
        columns=["address", "reason", "detail"],
    )
    await conn.execute("SELECT setval('clients_id_seq', $1)", count)
    await conn.execute(
        "INSERT INTO users (login, full_name, password_hash, role, language, timezone, "
        "sees_all_clients, active, session_version, is_demo) VALUES ('bench', 'Bench', '', "
        "'admin', 'ru', 'Europe/Moscow', true, true, 0, false)"
    )
    await conn.execute("VACUUM ANALYZE")
    print(f"filled {count:,} clients with addresses in {time.perf_counter() - started:.1f} s")


async def audience_phase(sessionmaker: Any, settings: Settings) -> int:
    async with sessionmaker() as session:
        admin = await get_user(session, 1)
    data = MailingInput(
        name="Bench", kind="service", subject="Скидки для {{ client.name }}", body_text=TEXT,
        body_html=HTML, window_from="00:00", window_to="23:59",
        rate_per_minute=str(settings.mailing_email_per_minute),
    )  # fmt: skip
    async with sessionmaker.begin() as session:
        mailing = await create_mailing(
            session, data=data, actor=admin, timezone="Europe/Moscow",
            rate_cap=settings.mailing_email_per_minute,
        )  # fmt: skip
    started = time.perf_counter()
    async with sessionmaker() as session:
        counted = await count_audience(session, mailing, author=admin, region="RU")
    counting = time.perf_counter() - started
    started = time.perf_counter()
    async with sessionmaker.begin() as session:
        reached = await schedule_mailing(
            session, mailing_id=mailing.id, actor=admin, region="RU", default_zone="Europe/Moscow"
        )
    freezing = time.perf_counter() - started
    left_out = ", ".join(f"{k} {v:,}" for k, v in sorted(counted.left_out.items()))
    print(
        f"audience: {counted.total:,} clients, {counted.reached:,} reached, left out: {left_out}"
        f"\n  counted with exclusions in {counting:.2f} s (target: <= 5 s); recipients written"
        f" (with time zones) in {freezing:.2f} s"
    )
    assert reached == counted.reached
    return mailing.id


def smtp_process(port: int, taken: Any, ready: Any) -> None:
    """An SMTP server that takes every message and counts it (nothing parsed, nothing kept)."""
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            with taken.get_lock():
                taken.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


async def sending_phase(sessionmaker: Any, settings: Settings, reached: int) -> None:
    port = free_port()
    taken = multiprocessing.Value("q", 0)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=smtp_process, args=(port, taken, ready), daemon=True)
    server.start()
    ready.wait(10)
    config = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    started, samples, sent = time.perf_counter(), [], 0

    async def sample() -> None:  # a run may send everything: watch it from beside
        while True:
            await asyncio.sleep(2)
            samples.append((time.perf_counter() - started, taken.value, current_rss_mb()))

    sampler = asyncio.create_task(sample())
    try:
        while sent < reached:
            done = await send_mailings(sessionmaker, config)
            if not done:
                break
            sent += done
    finally:
        elapsed = time.perf_counter() - started
        sampler.cancel()
        server.terminate()
    rates = ", ".join(
        f"{s:,.0f} at {t:.0f} s ({m:.0f} MB)" for t, s, m in samples[:: max(1, len(samples) // 6)]
    )
    print(
        f"sending: {sent:,} letters in {elapsed:.1f} s = {sent / elapsed:,.0f} e-mails/s "
        f"(target: >= 300/s); the server took {taken.value:,}\n  peak RSS {rss_mb():.0f} MB; "
        f"as it went (taken, this process's RSS): {rates}"
    )


async def tracking_phase(
    url: str,
    mailing_id: int,
    hits: int,
    workers: int,
    load: str,
    seconds: int,
    processes: int,
    pg_pid: int | None,
) -> None:
    conn = await asyncpg.connect(url)
    recipients = [r["id"] for r in await conn.fetch(
        "SELECT id FROM mailing_recipients WHERE mailing_id = $1 AND state = 'sent'", mailing_id
    )]  # fmt: skip
    links = await conn.fetchval(
        "SELECT count(*) FROM mailing_links WHERE mailing_id = $1", mailing_id
    )
    await conn.close()
    http_port = free_port()
    env = dict(
        clean_environment(),
        CALLCENTER_DATABASE_URL=url,
        CALLCENTER_PBX="off",
        CALLCENTER_HTTP_PORT=str(http_port),
        CALLCENTER_SECRET_KEY=SECRET,
        CALLCENTER_DATA_DIR=str(ROOT / "var" / "bench-app"),
        CALLCENTER_LOG_LEVEL="WARNING",
        CALLCENTER_REPORT_REFRESH_SECONDS="0",
        CALLCENTER_MAILING_CHECK_SECONDS="0",
        CALLCENTER_WEB_PROCESSES=str(processes),
    )
    app = await spawn("-m", "callcenter", "serve", env=env, log="bench-mailings-app")
    base = f"http://127.0.0.1:{http_port}"
    rng = random.Random(5)
    paths = []
    for _ in range(hits):
        recipient = rng.choice(recipients)
        made = (
            open_url(base, SECRET, mailing_id, recipient)
            if rng.random() < 0.6
            else click_url(base, SECRET, mailing_id, recipient, rng.randint(1, max(1, links)))
        )
        paths.append(made.removeprefix(base))
    watched = {"web processes": (app.pid, True)}  # the first and its workers
    if pg_pid is not None:
        watched["postgresql"] = (pg_pid, True)
    cpu = CpuWindow(watched)
    try:
        await all_answering(base, processes)
        cpu.start()
        load_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        if load == "wrk":
            answered = await wrk_load(base, paths, workers, seconds)
        else:
            answered = await python_load(base, paths, workers)
        shares = cpu.stop()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime + after.ru_stime - load_cpu.ru_utime - load_cpu.ru_stime
        wall = seconds if load == "wrk" else 0.0
        each = ", ".join(f"{k} {v:.2f}" for k, v in shares.items() if k != "machine")
        if wall:
            each += f", wrk {used / wall:.2f}"
        print(
            f"  CPU over the load, in cores: {each}; machine {shares['machine'] * 100:.0f} % of "
            f"{os.cpu_count()} cores busy ({processes} web process{'es' if processes > 1 else ''})"
        )
    finally:
        await stop_processes(app)  # its last hits are flushed as it stops
    conn = await asyncpg.connect(url)
    stored = await conn.fetchval(
        "SELECT count(*) FROM mailing_events e JOIN mailing_recipients r ON r.id = e.recipient_id"
        " WHERE r.mailing_id = $1 AND e.kind IN ('open', 'click')", mailing_id
    )  # fmt: skip
    await conn.close()
    print(f"  events stored: {stored:,} for {answered:,} hits answered")


async def all_answering(base: str, processes: int, within: float = 60) -> None:
    """Until every web process answers (each connection of its own may reach another)."""
    seen: set[int] = set()
    connector = aiohttp.TCPConnector(force_close=True)
    async with asyncio.timeout(within), aiohttp.ClientSession(connector=connector) as http:
        while len(seen) < processes:
            try:
                async with http.get(f"{base}/health") as answer:
                    seen.add((await answer.json())["process"])
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)


async def python_load(base: str, paths: list[str], workers: int) -> int:
    samples: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=workers)
    async with aiohttp.ClientSession(connector=connector) as http:
        await wait_for(http, base, lambda body: True, within=60)
        queue = iter(paths)

        async def worker() -> None:
            nonlocal errors
            for path in queue:
                t0 = time.perf_counter()
                async with http.get(base + path, allow_redirects=False) as answer:
                    await answer.read()
                    if answer.status not in (200, 302):
                        errors += 1
                samples.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        elapsed = time.perf_counter() - started
    print(
        f"tracking (load from this process): {len(samples):,} hits from {workers} connections "
        f"in {elapsed:.1f} s = {len(samples) / elapsed:,.0f} hits/s (target: 10,000/s); p50 "
        f"{percentile(samples, 50) * 1000:.1f} ms, p99 {percentile(samples, 99) * 1000:.1f} ms "
        f"(target: <= 20 ms), mean {statistics.fmean(samples) * 1000:.1f} ms; "
        f"{errors} not answered 200/302"
    )
    return len(samples) - errors


# wrk's Lua: each thread walks the links from its own place in the list, round and round
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("start", counter * 7919)
end
local i = 0
function request()
  i = i + 1
  return wrk.format("GET", paths[((start or 0) + i) % #paths + 1])
end
"""
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk_ms(figure: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", figure).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


async def wrk_load(base: str, paths: list[str], workers: int, seconds: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "paths").write_text("\n".join(paths) + "\n")
        (Path(folder) / "walk.lua").write_text(WRK_SCRIPT)
        command = [
            "wrk", "-t1", f"-c{workers}", f"-d{seconds}s", "--latency",
            "-s", str(Path(folder) / "walk.lua"), base,
        ]  # fmt: skip
        done = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, check=True,
            env={"BENCH_PATHS": str(Path(folder) / "paths")},
        )  # fmt: skip
    out = done.stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M))
    total = int(re.search(r"^\s+(\d+) requests in", out, re.M).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    failed = re.search(r"Socket errors: (.*)$", out, re.M)
    errors = int(bad.group(1)) if bad else 0
    print(
        f"tracking (wrk, {workers} connections, {seconds} s, {len(paths):,} links round and "
        f"round): {total:,} hits = {rate:,.0f} hits/s (target: 10,000/s); p50 "
        f"{wrk_ms(latency['50']):.1f} ms, p90 {wrk_ms(latency['90']):.1f} ms, p99 "
        f"{wrk_ms(latency['99']):.1f} ms (target: <= 20 ms); {errors} not answered 200/302"
        + (f"; socket errors: {failed.group(1)}" if failed else "")
    )
    return total - errors


async def main_async(args: argparse.Namespace) -> None:
    server_url, server = database_server()
    pg_pid = server.get_pid() if server else None
    try:
        url = await fresh_database(server_url)
        conn = await asyncpg.connect(url)
        await fill(conn, args.clients)
        await conn.close()
        settings = Settings(
            database_url=url, data_dir=ROOT / "var", secret_key=SECRET, pbx="off",
            smtp_from="shop@example.ru", public_url="https://crm.example.ru",
            mailing_email_per_minute=1_000_000,
        )  # fmt: skip
        engine = make_engine(url)
        sessionmaker = make_sessionmaker(engine)
        mailing_id = await audience_phase(sessionmaker, settings)
        async with sessionmaker() as session:
            reached = await session.scalar(
                text("SELECT count(*) FROM mailing_recipients WHERE state = 'queued'")
            )
        await sending_phase(sessionmaker, settings, reached or 0)
        await engine.dispose()
        await tracking_phase(
            url, mailing_id, args.hits, args.workers, args.load, args.seconds,
            args.web_processes, pg_pid,
        )  # fmt: skip
    finally:
        del server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--hits", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument(
        "--load", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python"
    )
    parser.add_argument("--seconds", type=int, default=10, help="of wrk's load")
    parser.add_argument(
        "--web-processes", type=int, default=2, help="CALLCENTER_WEB_PROCESSES of the app"
    )
    args = parser.parse_args()
    _runtime_dir()
    print_machine()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
