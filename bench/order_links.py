"""Orders with their invoices at scale: the screen-pop with the caller's open orders, and the
order list's payment column and filter.

Prints build_pop p50/p99 for known callers (each with about ten orders) and the open-orders
query alone, then the order list page (50 orders, with its payment column) unfiltered and
filtered by each payment status, p50/p99.

    .venv/bin/python bench/order_links.py [--clients 50000] [--orders 500000] [--runs 300]

Uses CALLCENTER_DATABASE_URL when set, else the embedded PostgreSQL under var/bench-pg, in a
database of its own that is filled afresh each run.
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
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402

from callcenter.calls.screenpop import build_pop, open_orders  # noqa: E402
from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.orders.search import ORDER_PAYMENTS, OrderQuery, search_orders  # noqa: E402
from callcenter.users.models import User  # noqa: E402

DATABASE = "cc_bench_orders"

FILL = [
    """INSERT INTO clients (id, kind, name, legal_address, postal_address, bank_name, notes,
           is_demo)
       SELECT g, 'person', 'Клиент ' || g, '', '', '', '', false FROM generate_series(1, $1) g""",
    """INSERT INTO client_phones (client_id, number, e164, extension, kind, position)
       SELECT g, '+79' || lpad(g::text, 9, '0'), '+79' || lpad(g::text, 9, '0'), '', 'mobile', 0
       FROM generate_series(1, $1) g""",
    """INSERT INTO orders (number, client_id, status_id, status_changed_at, stage_due_at,
           currency, total, notes, created_at, updated_at)
       SELECT '2026-' || lpad(g::text, 7, '0'), 1 + g % $1,
              (SELECT array_agg(id ORDER BY position) FROM order_statuses)[1 + g % 8],
              now(), now() + ((g % 20) - 10) * interval '1 day', 'RUB', 1000, '',
              now() - (g % 5000) * interval '1 hour', now()
       FROM generate_series(1, $2) g""",
    """INSERT INTO invoices (year, number, issued_on, order_id, client_id, seller, buyer, basis,
           vat_mode, vat_exempt_reason, currency, lines_total, vat_total, total, paid,
           payment_status, cancelled, cancel_reason)
       SELECT 2026, o.id, current_date, o.id, o.client_id, '{}', '{}', '', 'included', '',
              'RUB', 1000, 0, 1000, (o.id % 4 - 1) * 500,
              (ARRAY['unpaid', 'partly_paid', 'paid'])[o.id % 4], o.id % 40 = 1, ''
       FROM orders o WHERE o.id % 4 <> 0""",
]


def fmt_ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (
        f"p50 {statistics.median(samples) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"
        f" (n={len(samples)})"
    )


async def fill(url: str, clients: int, orders: int) -> None:
    conn = await asyncpg.connect(url)
    started = time.perf_counter()
    await conn.execute(FILL[0], clients)
    await conn.execute(FILL[1], clients)
    await conn.execute(FILL[2], clients, orders)
    await conn.execute(FILL[3])
    for table in ("clients", "client_phones", "orders", "invoices"):
        await conn.execute(f"VACUUM ANALYZE {table}")
    invoices = await conn.fetchval("SELECT count(*) FROM invoices")
    print(
        f"filled {clients:,} clients, {orders:,} orders and {invoices:,} invoices "
        f"in {time.perf_counter() - started:.1f} s"
    )
    await conn.close()


async def timed(runs: int, call: object) -> list[float]:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await call()  # type: ignore[operator]
        samples.append(time.perf_counter() - t0)
    return samples


async def bench(url: str, clients: int, runs: int) -> None:
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    rng = random.Random(7)
    admin = User(id=0, login="bench", role="admin", active=True, timezone="Europe/Moscow")
    async with sessionmaker() as session:

        async def pop() -> None:
            number = f"+79{rng.randint(1, clients):09d}"
            found = await build_pop(session, linkedid="b.1", number=number, direction="inbound")
            assert found.clients

        async def orders_only() -> None:
            await open_orders(session, [rng.randint(1, clients)])

        await timed(50, pop)  # warm up
        print(f"build_pop, known caller with open orders: {fmt_ms(await timed(runs, pop))}")
        print(f"  of which the open-orders query: {fmt_ms(await timed(runs, orders_only))}")
        for payment in ("", *ORDER_PAYMENTS):

            async def page(payment: str = payment) -> None:
                result = await search_orders(session, OrderQuery(payment=payment), actor=admin)
                assert len(result.payments) == len(result.items)

            label = f"payment={payment}" if payment else "no filter"
            samples = await timed(max(runs // 10, 10), page)
            print(f"order list page of 50 with payments, {label}: {fmt_ms(samples)}")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    _runtime_dir()
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
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
    asyncio.run(fill(url, args.clients, args.orders))
    asyncio.run(bench(url, args.clients, args.runs))
    del server


if __name__ == "__main__":
    main()
