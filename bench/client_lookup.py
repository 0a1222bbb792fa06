"""Client base at scale: 1,000,000 clients, caller lookup by phone and list-page search.

Prints: fill rate (rows/s), caller lookup by E.164 p50/p99 (the query a screen-pop runs, both
as a prepared asyncpg statement and through the SQLAlchemy service), and the /clients list page
searching by a phone typed another way and by a name fragment, over HTTP, p50/p99.

    .venv/bin/python bench/client_lookup.py [--clients 1000000] [--lookups 20000] [--pages 300]

Uses CALLCENTER_DATABASE_URL when set, else the embedded PostgreSQL under var/bench-pg; the
filled database is reused by later runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
from aiohttp import ClientSession, CookieJar, web  # noqa: E402

from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.clients.search import find_by_phone  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.demo import COMPANY, FIRST, LAST  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.settings import Settings  # noqa: E402
from callcenter.users.passwords import hash_password  # noqa: E402
from web.app import create_app  # noqa: E402

DATABASE = "cc_bench"
PASSWORD = "bench password 1"


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def fmt_ms(samples: list[float]) -> str:
    return (
        f"p50 {percentile(samples, 50) * 1000:.3f} ms, p99 {percentile(samples, 99) * 1000:.3f} ms,"
        f" mean {statistics.fmean(samples) * 1000:.3f} ms (n={len(samples)})"
    )


def phone_of(i: int) -> str:
    return f"+79{(100_000_000 + i * 7919) % 1_000_000_000:09d}"


def client_row(i: int, rng: random.Random) -> tuple[Any, ...]:
    if i % 10 == 0:
        name = f"ООО «{rng.choice(COMPANY)} {i}»"
        kind = "company"
    else:
        last = rng.choice(LAST)
        first = rng.choice(FIRST)
        if first.endswith(("а", "я")):
            last += "а"
        name = f"{last} {first} {i}"
        kind = "person"
    return (i, kind, name, "", "", "", "", False)


async def fill(conn: asyncpg.Connection, count: int) -> None:
    have = await conn.fetchval("SELECT count(*) FROM clients")
    if have >= count:
        print(f"reusing {have:,} clients already in {DATABASE}")
        return
    await conn.execute("TRUNCATE clients, client_phones RESTART IDENTITY CASCADE")
    await conn.execute("DROP INDEX IF EXISTS ix_clients_name_trgm")
    await conn.execute("DROP INDEX IF EXISTS ix_client_phones_e164_trgm")
    rng = random.Random(42)
    started = time.perf_counter()
    batch = 100_000
    for start in range(1, count + 1, batch):
        ids = range(start, min(start + batch, count + 1))
        await conn.copy_records_to_table(
            "clients",
            records=[client_row(i, rng) for i in ids],
            columns=[
                "id",
                "kind",
                "name",
                "legal_address",
                "postal_address",
                "bank_name",
                "notes",
                "is_demo",
            ],
        )
        await conn.copy_records_to_table(
            "client_phones",
            records=[(i, phone_of(i), phone_of(i), "", "mobile", 0) for i in ids],
            columns=["client_id", "number", "e164", "extension", "kind", "position"],
        )
    copied = time.perf_counter() - started
    print(
        f"filled {count:,} clients + {count:,} phones by COPY in {copied:.1f} s "
        f"({2 * count / copied:,.0f} rows/s)"
    )
    started = time.perf_counter()
    await conn.execute("CREATE INDEX ix_clients_name_trgm ON clients USING gin (cc_trigrams(name))")
    await conn.execute(
        "CREATE INDEX ix_client_phones_e164_trgm ON client_phones USING gin (cc_trigrams(e164))"
    )
    await conn.execute("SELECT setval('clients_id_seq', $1)", count)
    await conn.execute("VACUUM ANALYZE clients")
    await conn.execute("VACUUM ANALYZE client_phones")
    print(f"built trigram indexes and analyzed in {time.perf_counter() - started:.1f} s")


LOOKUP_SQL = """
SELECT c.id, c.name FROM client_phones p JOIN clients c ON c.id = p.client_id
WHERE p.e164 = $1 AND c.merged_into_id IS NULL ORDER BY c.updated_at DESC LIMIT 10
"""


async def bench_lookup(conn: asyncpg.Connection, url: str, count: int, lookups: int) -> None:
    rng = random.Random(7)
    numbers = [phone_of(rng.randint(1, count)) for _ in range(lookups)]
    stmt = await conn.prepare(LOOKUP_SQL)
    for number in numbers[:500]:
        await stmt.fetch(number)
    samples = []
    for number in numbers:
        t0 = time.perf_counter()
        rows = await stmt.fetch(number)
        samples.append(time.perf_counter() - t0)
        assert rows, number
    print(f"caller lookup, prepared statement: {fmt_ms(samples)}")
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    samples = []
    async with sessionmaker() as session:
        for number in numbers[: lookups // 4]:
            t0 = time.perf_counter()
            found = await find_by_phone(session, number)
            samples.append(time.perf_counter() - t0)
            assert found
    await engine.dispose()
    print(f"caller lookup, SQLAlchemy find_by_phone: {fmt_ms(samples)}")


async def bench_pages(url: str, count: int, pages: int) -> None:
    settings = Settings(database_url=url, data_dir=Path("var"), secret_key="bench")
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(11)
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        page = await (await http.get(f"{base}/login")).text()
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        signed = await http.post(
            f"{base}/login", data={"login": "bench", "password": PASSWORD, "csrf_token": token}
        )
        assert signed.url.path == "/clients", f"sign-in failed: {signed.status} {signed.url}"
        phones = []
        for _ in range(pages):
            e164 = phone_of(rng.randint(1, count))
            phones.append(f"8 ({e164[2:5]}) {e164[5:8]}-{e164[8:10]}-{e164[10:]}")
        # what people type: part of a surname, or a surname and the start of a first name
        male = [f for f in FIRST if not f.endswith(("а", "я"))]
        fragments = [
            rng.choice(LAST)[1:].lower()
            if i % 2
            else f"{rng.choice(LAST)} {rng.choice(male)[:3]}".lower()
            for i in range(pages)
        ]
        for label, queries in (("phone typed another way", phones), ("name fragment", fragments)):
            samples, found = [], []
            for q in queries:
                t0 = time.perf_counter()
                response = await http.get(f"{base}/clients", params={"q": q})
                body = await response.text()
                samples.append(time.perf_counter() - t0)
                assert response.status == 200 and 'class="client-name"' in body, q
                found.append(body.count('class="client-name"'))
            print(
                f"/clients search by {label}: {fmt_ms(samples)}; "
                f"rows on the page: mean {statistics.fmean(found):.1f}"
            )
    await runner.cleanup()


async def main_async(url: str, args: argparse.Namespace) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    await fill(conn, args.clients)
    await conn.execute(
        "INSERT INTO users (login, full_name, password_hash, role, language, timezone, "
        "sees_all_clients, active, session_version, is_demo) VALUES ('bench', 'Bench', $1, "
        "'admin', 'ru', 'Europe/Moscow', true, true, 0, false) ON CONFLICT (login) DO UPDATE "
        "SET password_hash = EXCLUDED.password_hash",
        hash_password(PASSWORD),
    )
    await bench_lookup(conn, url, args.clients, args.lookups)
    await conn.close()
    await bench_pages(url, args.clients, args.pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--pages", type=int, default=300)
    args = parser.parse_args()
    _runtime_dir()
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    server = None
    given = os.environ.get("CALLCENTER_DATABASE_URL")
    if given:
        base = given
    else:
        import pgserver

        Path("var").mkdir(exist_ok=True)
        server = pgserver.get_server(Path("var/bench-pg").resolve(), cleanup_mode="stop")
        base = server.get_uri("postgres")
    admin_url = base
    url = urlunsplit(urlsplit(base)._replace(path="/" + DATABASE))

    async def ensure_db() -> None:
        conn = await asyncpg.connect(admin_url)
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await conn.execute(f'CREATE DATABASE "{DATABASE}"')
        await conn.close()

    asyncio.run(ensure_db())
    upgrade(url)
    asyncio.run(main_async(url, args))
    del server


if __name__ == "__main__":
    main()
