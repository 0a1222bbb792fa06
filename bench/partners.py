"""Partners at scale: a tree of 100,000 partners 12 levels deep and 1,000,000 orders.

Fills a database of its own afresh (``INSERT ... SELECT`` over ``generate_series``: the server
makes the rows): one commission plan of 12 levels; the tree, level by level, each level about
2.55 times the one above, with its closure table; a buyer per four orders, each attributed to
a partner; the orders of the past year (one line, 22 % VAT included), each paid by its invoice
and its commission run with lines up the chain (a tenth of them cancelled since: the run and
its lines reversed); and ``--accruals`` more orders, paid, whose commissions are not accrued
yet. (The history's lines skip the plan's qualification rule: the rows are the same shape.)
Then prints:

- one paid order's commissions accrued by the hook the app's payment runs
  (``commissions.accrue_for_payment``), p50/p99, with and without the commit (target 5 ms);
- last month's statements of every partner at once, as ``statements.month_statements``
  gives them (target 30 s), and one partner's statement page query (``statements.statement``)
  for ``--pages`` partners spread over the tree, each checked against the former;
- the downline page (``/partners/{id}``) and ``/api/v1/partners/{id}/downline`` of the partner
  nearest ``--downline`` descendants, over HTTP, p50/p99 (target 200 ms p99).

    .venv/bin/python bench/partners.py [--partners 100000] [--orders 1000000]
        [--depth 12] [--accruals 2000] [--pages 200] [--downline 10000]
        [--only hook|statements|downline]

``--only`` runs one part after the fill (a small local look at one figure, e.g.
``--only hook --partners 10000 --orders 100000``); the figures to publish are the full run's.

Uses CALLCENTER_DATABASE_URL when set, else the embedded PostgreSQL under var/bench-pg.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
from aiohttp import ClientSession, CookieJar, web  # noqa: E402

from bench.client_lookup import fmt_ms  # noqa: E402
from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.partners.commissions import accrue_for_payment  # noqa: E402
from callcenter.partners.periods import month_bounds  # noqa: E402
from callcenter.partners.statements import month_statements, statement  # noqa: E402
from callcenter.settings import Settings  # noqa: E402
from callcenter.users.passwords import hash_password  # noqa: E402
from web.app import create_app  # noqa: E402

DATABASE = "cc_bench_partners"
PASSWORD = "bench password 1"
TODAY = datetime.now(UTC).date()
START = TODAY - timedelta(days=365)  # the orders' year ends yesterday
RATES = "10, 5, 3, 2, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25"  # per cent, levels 1-12


def level_sizes(partners: int, depth: int) -> list[int]:
    """Partners per level, one at the top, each level about r times the one above (r chosen
    so the levels add up to ``partners``), every level at least one."""
    lo, hi = 1.0, float(partners)
    for _ in range(100):
        ratio = (lo + hi) / 2
        if sum(ratio**k for k in range(depth)) > partners:
            hi = ratio
        else:
            lo = ratio
    sizes = [max(1, round(lo**k)) for k in range(depth)]
    sizes[-1] = max(1, partners - sum(sizes[:-1]))
    return sizes


def _tree_sql(sizes: list[int]) -> list[str]:
    """Each level's partners (every client 1..P is one), their sponsors spread evenly over
    the level above, and the closure rows; one in fifty suspended."""
    sql = []
    starts = [1 + sum(sizes[:k]) for k in range(len(sizes))]
    for k, (start, size) in enumerate(zip(starts, sizes, strict=True)):
        sponsor = (
            "NULL"
            if k == 0
            else f"{starts[k - 1]} + ((g - {start})::bigint * {sizes[k - 1]}) / {size}"
        )
        sql.append(
            f"""INSERT INTO partners (id, client_id, code, plan_id, status, sponsor_id,
                   manager_id, user_id, created_at)
                SELECT g, g, 'P' || lpad(g::text, 7, '0'), 1,
                       CASE WHEN g % 50 = 0 THEN 'suspended' ELSE 'active' END, {sponsor}, 1,
                       NULL, now() - (g::bigint * 7919 % 730) * interval '1 day'
                FROM generate_series({start}, {start + size - 1}) g"""
        )
        sql.append(
            f"""INSERT INTO partner_paths (ancestor_id, descendant_id, depth)
                SELECT g, g, 0 FROM generate_series({start}, {start + size - 1}) g
                UNION ALL
                SELECT pp.ancestor_id, p.id, pp.depth + 1 FROM partners p
                JOIN partner_paths pp ON pp.descendant_id = p.sponsor_id
                WHERE p.id BETWEEN {start} AND {start + size - 1}"""
        )
    return sql


def fill_sql(partners: int, orders: int, depth: int, accruals: int) -> list[str]:
    buyers = max(1, orders // 4)
    history = orders - accruals  # orders paid and accrued already
    kinds = "(SELECT id FROM order_statuses WHERE kind = '{}' ORDER BY position LIMIT 1)"
    day = f"'{START}'::date + (g % 365)"
    return [
        """INSERT INTO commission_plans (id, name, base, qualify_from_level, qualify_min_sales,
               created_at) VALUES (1, 'Bench', 'net', 4, 1000, now())""",
        f"""INSERT INTO commission_plan_rates (plan_id, level, group_id, rate)
            SELECT 1, l, NULL, (ARRAY[{RATES}])[l] FROM generate_series(1, {depth}) l""",
        "SELECT setval('commission_plans_id_seq', 1)",
        f"""INSERT INTO clients (id, kind, name, legal_address, postal_address, bank_name,
               notes, notify_by, is_demo, created_at, updated_at)
            SELECT g, 'person', CASE WHEN g <= {partners} THEN 'Partner ' ELSE 'Buyer ' END
                   || g, '', '', '', '', 'email', false, now(), now()
            FROM generate_series(1, {partners + buyers}) g""",
        f"SELECT setval('clients_id_seq', {partners + buyers})",
        *_tree_sql(level_sizes(partners, depth)),
        f"SELECT setval('partners_id_seq', {partners})",
        f"""INSERT INTO client_attributions (client_id, partner_id, attributed_on, source, by_id)
            SELECT c, 1 + (c::bigint * 48271) % {partners}, '{START}'::date, 'import', NULL
            FROM generate_series({partners + 1}, {partners + buyers}) c""",
        # orders: 1 220,00 x (1 .. 50) each (1 000,00 x .. without VAT); the history's a tenth
        # cancelled, a fifth open (their lines held), the rest delivered; the last ``accruals``
        # open and paid, their commissions to be accrued by the bench
        f"""INSERT INTO orders (id, number, client_id, manager_id, channel_id, status_id,
               status_changed_at, stage_due_at, currency, total, notes, created_by_id,
               created_at, updated_at)
            SELECT g, 'P-' || g, {partners} + 1 + (g::bigint * 7919) % {buyers}, 1, NULL,
                   CASE WHEN g > {history} THEN {kinds.format("open")}
                        WHEN g % 10 = 0 THEN {kinds.format("cancel")}
                        WHEN g % 10 IN (1, 2) THEN {kinds.format("open")}
                        ELSE {kinds.format("final")} END,
                   now(), NULL, 'RUB', 1220 * (1 + g % 50), '', 1, {day}, now()
            FROM generate_series(1, {orders}) g""",
        f"SELECT setval('orders_id_seq', {orders})",
        f"""INSERT INTO order_lines (order_id, position, product_id, description, unit_code,
               quantity, price, discount_percent, vat_rate, amount)
            SELECT g, 1, NULL, 'Service', '796', 1, 1220 * (1 + g % 50), 0, '22',
                   1220 * (1 + g % 50)
            FROM generate_series(1, {orders}) g""",
        """INSERT INTO invoices (id, year, number, issued_on, due_on, order_id, client_id,
               seller, buyer, basis, vat_mode, vat_exempt_reason, currency, lines_total,
               vat_total, total, paid, payment_status, cancelled, cancel_reason, created_by_id,
               created_at)
            SELECT o.id, 2000 + o.id / 1000000, o.id % 1000000, o.created_at::date, NULL, o.id,
                   o.client_id, '{}'::jsonb, '{}'::jsonb, '', 'included', '', 'RUB',
                   o.total, o.total / 1220 * 220, o.total, o.total, 'paid', false, '', 1,
                   o.created_at
            FROM orders o""",
        f"SELECT setval('invoices_id_seq', {orders})",
        """INSERT INTO invoice_payments (id, invoice_id, amount, paid_on, note, recorded_by_id,
               recorded_at)
            SELECT i.id, i.id, i.total, i.issued_on, '', 1, i.created_at FROM invoices i""",
        f"SELECT setval('invoice_payments_id_seq', {orders})",
        f"""INSERT INTO commission_runs (id, order_id, payment_id, partner_id, paid_on, sales,
               vat_mode, created_at, reversed_at, reverse_reason)
            SELECT o.id, o.id, o.id, a.partner_id, o.created_at::date, o.total / 1220 * 1000,
                   'included', o.created_at,
                   CASE WHEN o.id % 10 = 0 THEN o.created_at + interval '3 days' END,
                   CASE WHEN o.id % 10 = 0 THEN 'cancelled' ELSE '' END
            FROM orders o JOIN client_attributions a ON a.client_id = o.client_id
            WHERE o.id <= {history}""",
        f"SELECT setval('commission_runs_id_seq', {orders})",
        f"""INSERT INTO commission_lines (run_id, partner_id, order_id, level, group_id, base,
               rate, amount, state, booked_on, reverses_id, payout_id, created_at)
            SELECT r.id, pp.ancestor_id, r.order_id, pp.depth + 1, NULL, r.sales, pr.rate,
                   round(r.sales * pr.rate / 100, 2),
                   CASE WHEN r.reversed_at IS NOT NULL THEN 'reversed'
                        WHEN r.id % 10 IN (1, 2) THEN 'held' ELSE 'payable' END,
                   r.paid_on, NULL, NULL, r.created_at
            FROM commission_runs r
            JOIN partner_paths pp ON pp.descendant_id = r.partner_id AND pp.depth < {depth}
            JOIN partners p ON p.id = pp.ancestor_id AND p.status = 'active'
            JOIN commission_plan_rates pr ON pr.plan_id = 1 AND pr.level = pp.depth + 1""",
        """INSERT INTO commission_lines (run_id, partner_id, order_id, level, group_id, base,
               rate, amount, state, booked_on, reverses_id, payout_id, created_at)
            SELECT l.run_id, l.partner_id, l.order_id, l.level, NULL, -l.base, l.rate,
                   -l.amount, 'reversed', r.reversed_at::date, l.id, NULL, r.reversed_at
            FROM commission_lines l JOIN commission_runs r ON r.id = l.run_id
            WHERE r.reversed_at IS NOT NULL""",
    ]


async def fill(conn: asyncpg.Connection, args: argparse.Namespace) -> None:
    await conn.execute(
        "INSERT INTO users (id, login, full_name, password_hash, role, language, timezone, "
        "sees_all_clients, active, session_version, is_demo) VALUES (1, 'bench', 'Bench', $1, "
        "'admin', 'en', 'Europe/Moscow', true, true, 0, false)",
        hash_password(PASSWORD),
    )
    await conn.execute("SELECT setval('users_id_seq', 1)")
    started = time.perf_counter()
    for sql in fill_sql(args.partners, args.orders, args.depth, args.accruals):
        await conn.execute(sql)
    for table in (
        "partners",
        "partner_paths",
        "client_attributions",
        "orders",
        "order_lines",
        "invoices",
        "commission_runs",
        "commission_lines",
    ):
        await conn.execute(f"VACUUM ANALYZE {table}")
    counts = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM partners) AS partners,"
        " (SELECT max(depth) + 1 FROM partner_paths) AS levels,"
        " (SELECT count(*) FROM partner_paths) AS paths,"
        " (SELECT count(*) FROM orders) AS orders,"
        " (SELECT count(*) FROM commission_runs) AS runs,"
        " (SELECT count(*) FROM commission_lines) AS lines"
    )
    print(
        f"filled {counts['partners']:,} partners ({counts['levels']} levels, "
        f"{counts['paths']:,} closure rows), {counts['orders']:,} orders, "
        f"{counts['runs']:,} commission runs, {counts['lines']:,} lines "
        f"in {time.perf_counter() - started:.1f} s"
    )


async def bench_accruals(url: str, args: argparse.Namespace) -> None:
    """The hook on each of the orders paid but not accrued yet, one transaction each."""
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    hook, whole = [], []
    first = args.orders - args.accruals + 1
    for order_id in range(first, args.orders + 1):
        t0 = time.perf_counter()
        async with sessionmaker.begin() as session:
            run_id = await accrue_for_payment(
                session, order_id=order_id, payment_id=order_id, paid_on=TODAY, vat_mode="included"
            )
            hook.append(time.perf_counter() - t0)
            assert run_id is not None, order_id
        whole.append(time.perf_counter() - t0)
    await engine.dispose()
    warm = min(20, len(hook) // 10)  # the first few warm the connection and the caches
    print(f"one paid order's commissions, the hook: {fmt_ms(hook[warm:])}")
    print(f"  the same with its commit: {fmt_ms(whole[warm:])}  (target p99 <= 5 ms)")


async def bench_statements(url: str, month: tuple[date, date], sample: int) -> None:
    """The month of every partner at once (``statements.month_statements``), then the
    statement page's own query (``statements.statement``) for ``sample`` partners spread over
    the tree, each checked against the figures of the first."""
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        started = time.perf_counter()
        figures = await month_statements(session, first=month[0], last=month[1])
        took = time.perf_counter() - started
        accrued = sum(f.accrued for f in figures)
        print(
            f"statements of {month[0]:%Y-%m} for all {len(figures):,} partners: {took:.1f} s "
            f"(target <= 30 s); accrued in all {accrued}"
        )
        samples = []
        for f in figures[:: max(1, len(figures) // sample)]:
            t0 = time.perf_counter()
            view = await statement(session, f.partner_id, *month)
            samples.append(time.perf_counter() - t0)
            got = (view.accrued, view.reversed, view.held, view.payable, view.paid)
            assert got == (f.accrued, f.reversed, f.held, f.payable, f.paid), f.partner_id
            session.expunge_all()
    await engine.dispose()
    print(f"  one partner's statement (the page's query), {len(samples)}: {fmt_ms(samples)}")


async def _sign_in(http: ClientSession, base: str) -> None:
    page = await (await http.get(f"{base}/login")).text()
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    signed = await http.post(
        f"{base}/login", data={"login": "bench", "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status == 200 and signed.url.path != "/login", "sign-in failed"


async def bench_downline(url: str, args: argparse.Namespace, month: tuple[date, date]) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    top, below = await conn.fetchrow(
        "SELECT ancestor_id, count(*) - 1 FROM partner_paths GROUP BY ancestor_id"
        " ORDER BY abs(count(*) - 1 - $1), ancestor_id LIMIT 1",
        args.downline,
    )
    await conn.close()
    # no report rollups in this process: their first build would compete with the pages
    settings = Settings(
        database_url=url, data_dir=Path("var"), secret_key="bench", report_refresh_seconds=0
    )
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    query = f"month={month[0]:%Y-%m}"
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        await _sign_in(http, base)
        for label, path, mark in (  # what each must show of the partner
            ("downline page", f"/partners/{top}?{query}", f"P{top:07d}".encode()),
            ("downline API", f"/api/v1/partners/{top}/downline?{query}", b'"levels"'),
        ):
            samples = []
            for n in range(args.pages + 5):
                t0 = time.perf_counter()
                response = await http.get(f"{base}{path}")
                body = await response.read()
                if n >= 5:  # five to warm up
                    samples.append(time.perf_counter() - t0)
                assert response.status == 200 and mark in body, path
            print(f"{label} of partner {top} ({below:,} below): {fmt_ms(samples)}")
    await runner.cleanup()
    print("  (target p99 <= 200 ms)")


async def main_async(url: str, args: argparse.Namespace) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    await fill(conn, args)
    await conn.close()
    month = month_bounds(TODAY.replace(day=1) - timedelta(days=1))
    if args.only in (None, "hook"):
        await bench_accruals(url, args)
    if args.only in (None, "statements"):
        await bench_statements(url, month, args.pages)
    if args.only in (None, "downline"):
        await bench_downline(url, args, month)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--depth", type=int, default=12)
    parser.add_argument("--accruals", type=int, default=2_000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--downline", type=int, default=10_000)
    parser.add_argument("--only", choices=("hook", "statements", "downline"))
    args = parser.parse_args()
    if not (1 <= args.depth <= 12 and args.partners >= args.depth):
        parser.error("--depth is 1 to 12 (the plan's levels) and at most --partners")
    if not 0 < args.accruals < args.orders:
        parser.error("--accruals is at least 1 and fewer than --orders")
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
    url = urlunsplit(urlsplit(base)._replace(path="/" + DATABASE))

    async def fresh_db() -> None:
        conn = await asyncpg.connect(base)
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DATABASE}"')
        await conn.close()

    asyncio.run(fresh_db())
    upgrade(url)
    asyncio.run(main_async(url, args))
    del server


if __name__ == "__main__":
    main()
