"""A small fixed data set for the sales reports (January 2026, UTC), and the figures it gives
worked out by hand in the tests that use it.

Clients (created)            owner channel segment   address
  c1 Alpha  Jan 5  09:00     m1    Yandex  Retail    г. Москва, ул. Тверская, 1   tag vip
  c2 Beta   Jan 6  09:00     m1    Yandex  Wholesale Московская обл., г. Подольск (legal)
  c3 Gamma  Jan 10 09:00     m2    Radio   Retail    Республика Татарстан, г. Казань
  c4 Delta  Jan 12 09:00     m2    Radio   -         -
  c5 Eps    Jan 20 09:00     m1    -       Retail    -
  c6 Old    Dec 10 2025      m1    Yandex  -         -
Calls: call1 c1 Jan 5 answered 120 s; call2 c2 Jan 7 answered 60 s; call3 c3 Jan 11 missed;
  call4 c4 Jan 13 answered 30 s; call5 c6 Jan 15 answered 100 s.
Wrap-ups (by op): w1 call1 sale Jan 5 10:05; w2 call4 follow_up Jan 13 10:05;
  w3 call5 complaint Jan 15 10:05.
Campaign Winter (sale: success, no: refusal, later: callback); attempts, all connected:
  a1 c2 Jan 7 later (m1); a2 c3 Jan 11 no "expensive" (op); a3 c5 Jan 21 no "has supplier"
  (op); a4 no client Jan 22 no "expensive" (op); a5 c3 Jan 25 sale (op).
Complaints: c5 Jan 20 12:00; c6 Jan 15 11:00.
Orders (taken, manager, stage now, total, channel):
  o1 c1 Jan 5 11:00 m1 delivered 1000 (P1 x1, cost 600); o2 c2 Jan 8 m1 new 500 (free
  text), overdue since Jan 9; o3 c3 Jan 26 m2 cancelled 300 (P2, no cost); o4 c1 Jan 28 m1
  shipped 2000, channel Radio (P1 x2); o5 c6 Dec 20 2025 m1 delivered 800;
  o6 c4 Jan 14 m2 accepted 400 (P2), due 2099.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from callcenter.db import make_engine, make_sessionmaker
from callcenter.orders.statuses import seed_default_pipeline
from callcenter.reports.filters import parse_filters
from callcenter.reports.rollups.refresh import refresh_rollups
from tests.reports.support import rolled_up

DISPOSITIONS = [
    {"code": "sale", "label": "Sale", "kind": "success"},
    {"code": "no", "label": "Not interested", "kind": "refusal"},
    {"code": "later", "label": "Call later", "kind": "callback"},
]


@dataclass
class SalesData:
    m1: Any
    m2: Any
    op: Any
    boss: Any  # a supervisor: sees every figure
    yandex: int = 1
    radio: int = 2
    retail: int = 1
    wholesale: int = 2
    campaign: int = 1


def _value(value: Any) -> Any:
    """ "2026-01-05 09:00" as that UTC moment; anything else as it is."""
    if isinstance(value, str) and len(value) == 16 and value[4] == "-" and value[13] == ":":
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


def _rows(session: Any) -> Any:
    async def run(sql: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            await session.execute(text(sql), {k: _value(v) for k, v in row.items()})

    return run


async def _clients(run: Any, d: SalesData) -> None:
    await run(
        "INSERT INTO channels (id, name, active) VALUES (:id, :name, true)",
        [{"id": 1, "name": "Yandex"}, {"id": 2, "name": "Radio"}],
    )
    await run(
        "INSERT INTO segments (id, name, active) VALUES (:id, :name, true)",
        [{"id": 1, "name": "Retail"}, {"id": 2, "name": "Wholesale"}],
    )
    await run("INSERT INTO tags (id, name) VALUES (1, 'vip')", [{}])
    clients = [
        (1, "Alpha", "2026-01-05 09:00", d.m1.id, 1, 1, "г. Москва, ул. Тверская, 1", ""),
        (2, "Beta", "2026-01-06 09:00", d.m1.id, 1, 2, "", "Московская обл., г. Подольск"),
        (3, "Gamma", "2026-01-10 09:00", d.m2.id, 2, 1, "Республика Татарстан, г. Казань", ""),
        (4, "Delta", "2026-01-12 09:00", d.m2.id, 2, None, "", ""),
        (5, "Eps", "2026-01-20 09:00", d.m1.id, None, 1, "", ""),
        (6, "Old", "2025-12-10 09:00", d.m1.id, 1, None, "", ""),
    ]
    await run(
        "INSERT INTO clients (id, kind, name, created_at, updated_at, owner_id, channel_id, "
        "segment_id, postal_address, legal_address, notes, bank_name, is_demo) VALUES (:id, "
        "'company', :name, CAST(:at AS timestamptz), now(), :owner, :channel, :segment, "
        ":postal, :legal, '', '', false)",
        [
            dict(
                zip(
                    ("id", "name", "at", "owner", "channel", "segment", "postal", "legal"),
                    c,
                    strict=True,
                )
            )
            for c in clients
        ],
    )
    await run("INSERT INTO client_tags (client_id, tag_id) VALUES (1, 1)", [{}])


async def _calls(run: Any, d: SalesData) -> None:
    calls = [
        (1, 1, "inbound", "2026-01-05 10:00", True, 120),
        (2, 2, "outbound", "2026-01-07 10:00", True, 60),
        (3, 3, "inbound", "2026-01-11 10:00", False, 0),
        (4, 4, "outbound", "2026-01-13 10:00", True, 30),
        (5, 6, "inbound", "2026-01-15 10:00", True, 100),
    ]
    await run(
        "INSERT INTO calls (id, linkedid, pbx, direction, caller, callee, client_id, queue, "
        "started_at, answered_at, ended_at, wait_seconds, talk_seconds, hold_seconds, "
        "recording, agents) VALUES (:id, :linkedid, 'default', :dir, '', '', :client, '', "
        "CAST(:at AS timestamptz), CASE WHEN :answered THEN CAST(:at AS timestamptz) "
        "+ interval '5 seconds' END, CAST(:at AS timestamptz) + interval '3 minutes', 5, :talk, "
        "0, '', '{}')",
        [
            {
                **dict(zip(("id", "client", "dir", "at", "answered", "talk"), c, strict=True)),
                "linkedid": f"L{c[0]}",
            }
            for c in calls
        ],
    )
    wrapups = [
        (1, 1, "sale", "2026-01-05 10:05"),
        (2, 4, "follow_up", "2026-01-13 10:05"),
        (3, 5, "complaint", "2026-01-15 10:05"),
    ]
    await run(
        "INSERT INTO call_wrapups (id, call_id, user_id, result, note, created_at) VALUES "
        "(:id, :call, :user, :result, '', CAST(:at AS timestamptz))",
        [{"id": i, "call": c, "user": d.op.id, "result": r, "at": at} for i, c, r, at in wrapups],
    )


async def _campaign(run: Any, d: SalesData) -> None:
    await run(
        "INSERT INTO campaigns (id, name, mode, state, pbx, queue, agent_ids, caller_id, script, "
        "dispositions, refusal_reasons, advertising, weekdays, window_from, window_to, "
        "retry_rules, max_attempts, ring_seconds, max_dial_ratio, abandon_cap_percent, "
        "abandon_grace_seconds, dial_ratio, created_at) VALUES (1, 'Winter', 'progressive', "
        "'running', 'default', '', '{}', '', '', CAST(:d AS jsonb), "
        "'[\"expensive\", \"has supplier\"]', false, '{}', '09:00', '21:00', '{}', 5, 25, 3, 3, "
        "2, 1, now())",
        [{"d": json.dumps(DISPOSITIONS)}],
    )
    contacts = [(1, 2), (2, 3), (3, 5), (4, None)]
    await run(
        "INSERT INTO campaign_contacts (id, campaign_id, client_id, e164, name, timezone, "
        "timezone_source, state, attempts, last_outcome, disposition, refusal_reason, "
        "updated_at) VALUES (:id, 1, :client, :e164, '', '', '', 'done', 1, "
        "'answered', '', '', now())",
        [{"id": i, "client": c, "e164": f"+7900000000{i}"} for i, c in contacts],
    )
    attempts = [
        (1, 1, "2026-01-07 11:00", d.m1.id, "later", ""),
        (2, 2, "2026-01-11 11:00", d.op.id, "no", "expensive"),
        (3, 3, "2026-01-21 11:00", d.op.id, "no", "has supplier"),
        (4, 4, "2026-01-22 11:00", d.op.id, "no", "expensive"),
        (5, 2, "2026-01-25 11:00", d.op.id, "sale", ""),
    ]
    await run(
        "INSERT INTO campaign_attempts (id, campaign_id, contact_id, action_id, number, "
        "started_at, answered_at, connected_at, ended_at, outcome, linkedid, agent_id, "
        "agent_interface, disposition, refusal_reason, note, dispositioned_at) VALUES (:id, 1, "
        ":contact, :action, '', CAST(:at AS timestamptz) - interval '5 minutes', "
        "CAST(:at AS timestamptz) - interval '4 minutes', CAST(:at AS timestamptz) - interval "
        "'4 minutes', CAST(:at AS timestamptz) - interval '1 minute', 'answered', '', :agent, "
        "'', :code, :reason, '', CAST(:at AS timestamptz))",
        [
            {
                **dict(zip(("id", "contact", "at", "agent", "code", "reason"), a, strict=True)),
                "action": f"A{a[0]}",
            }
            for a in attempts
        ],
    )
    await run(
        "INSERT INTO feedback (kind, status, client_id, text, resolution, created_at, "
        "updated_at) VALUES ('complaint', 'new', :client, 'late', '', CAST(:at AS timestamptz), "
        "now())",
        [{"client": 5, "at": "2026-01-20 12:00"}, {"client": 6, "at": "2026-01-15 11:00"}],
    )


async def _orders(run: Any, d: SalesData, stage: dict[str, int]) -> None:
    await run(
        "INSERT INTO products (id, name, sku, unit_code, price, vat_rate, active, cost, "
        "created_at, updated_at) VALUES (:id, :name, '', '796', :price, '22', true, :cost, "
        "now(), now())",
        [
            {"id": 1, "name": "P1", "price": 1000, "cost": 600},
            {"id": 2, "name": "P2", "price": 100, "cost": None},
        ],
    )
    orders = [
        (1, 1, "2026-01-05 11:00", d.m1.id, "delivered", 1000, None, None),
        (2, 2, "2026-01-08 10:00", d.m1.id, "new", 500, None, "2026-01-09 10:00"),
        (3, 3, "2026-01-26 10:00", d.m2.id, "cancelled", 300, None, None),
        (4, 1, "2026-01-28 10:00", d.m1.id, "shipped", 2000, d.radio, None),
        (5, 6, "2025-12-20 10:00", d.m1.id, "delivered", 800, None, None),
        (6, 4, "2026-01-14 10:00", d.m2.id, "accepted", 400, None, "2099-01-01 00:00"),
    ]
    await run(
        "INSERT INTO orders (id, number, client_id, manager_id, channel_id, status_id, "
        "status_changed_at, stage_due_at, currency, total, notes, created_at, updated_at) "
        "VALUES (:id, :number, :client, :manager, :channel, :status, CAST(:at AS "
        "timestamptz) + interval '1 day', CAST(:due AS timestamptz), 'RUB', :total, '', "
        "CAST(:at AS timestamptz), now())",
        [
            {
                "id": i,
                "client": c,
                "at": at,
                "manager": m,
                "status": stage[s],
                "total": t,
                "channel": ch,
                "due": due,
                "number": f"N{i}",
            }
            for i, c, at, m, s, t, ch, due in orders
        ],
    )
    lines = [
        (1, 1, 1, 1000),
        (2, None, 1, 500),
        (3, 2, 3, 100),
        (4, 1, 2, 1000),
        (5, None, 1, 800),
        (6, 2, 4, 100),
    ]
    await run(
        "INSERT INTO order_lines (order_id, position, product_id, description, unit_code, "
        "quantity, price, discount_percent, vat_rate, amount) VALUES (:order, 0, :product, "
        "'item', '796', :qty, :price, 0, '22', :amount)",
        [
            {"order": o, "product": p, "qty": q, "price": price, "amount": q * price}
            for o, p, q, price in lines
        ],
    )


async def load_sales_data(database_url: str, make_user: Any, *, refresh: bool = True) -> SalesData:
    """The data set above, with the rollups built (unless ``refresh`` is False)."""
    d = SalesData(
        m1=await make_user("manager", full_name="Masha One", sees_all_clients=False),
        m2=await make_user("manager", full_name="Misha Two"),
        op=await make_user("operator", full_name="Olga Operator"),
        boss=await make_user("supervisor", full_name="Boss"),
    )
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        stage = {s.code: s.id for s in await seed_default_pipeline(session)}
        run = _rows(session)
        await _clients(run, d)
        await _calls(run, d)
        await _campaign(run, d)
        await _orders(run, d, stage)
        for table in (
            "channels",
            "segments",
            "tags",
            "clients",
            "calls",
            "call_wrapups",
            "campaigns",
            "campaign_contacts",
            "campaign_attempts",
            "products",
            "orders",
        ):  # rows added later get the next ids
            await session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
            )
    if refresh:
        await rebuild_all(sessionmaker)
    await engine.dispose()
    return d


async def rebuild_all(sessionmaker: Any) -> None:
    """Build the rollups from scratch: the data set is stamped in the past, before any mark
    (an app under test may be refreshing them too: wait for it)."""
    while True:
        async with sessionmaker.begin() as session:
            await session.execute(text("DELETE FROM report_rollup_marks"))
        if await refresh_rollups(sessionmaker) is not None:
            return
        await asyncio.sleep(0.1)


JANUARY = {"since": "2026-01-01", "until": "2026-01-31"}
NOW = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)


async def report_of(
    database_url: str, build: Any, user: Any, timezone: str = "UTC", **query: Any
) -> Any:
    """Run a report's builder as ``user`` for January 2026 (or the dates given)."""
    filters = parse_filters(
        {**JANUARY, **{k: str(v) for k, v in query.items()}}, timezone=timezone, now=NOW
    )
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        report = await build(session, filters=filters, user=user)
    await engine.dispose()
    return report


async def add_late_order(database_url: str, d: SalesData) -> None:
    """o7: Beta's order of 100 taken on Jan 31 at 22:30 UTC (Feb 1, 01:30 in Moscow); the
    rollups are brought up to date after it."""
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        await session.execute(
            text(
                "INSERT INTO orders (id, number, client_id, manager_id, status_id, "
                "status_changed_at, currency, total, notes, created_at, updated_at) VALUES "
                "(7, 'N7', 2, :m, (SELECT id FROM order_statuses WHERE code = 'new'), now(), "
                "'RUB', 100, '', :at, now())"
            ),
            {"m": d.m1.id, "at": datetime(2026, 1, 31, 22, 30, tzinfo=UTC)},
        )
    await rolled_up(sessionmaker)
    await engine.dispose()
