"""Writing imported orders in the caller's transaction, once every row has been read.

An order's lines may lie anywhere in the file, so rows are gathered chunk by chunk and the
orders are put together at the end. New orders go in set-based: ids and numbers from their
sequences in one round trip each, then COPY of the orders, their lines, the first step of
their history and an audit entry each. Orders updated by the file go through the orders'
own ``update_order`` and the pipeline's ``check_move``. Imports e-mail nobody: the status
e-mails are for moves people make.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import diff
from callcenter.db import utcnow
from callcenter.errors import DomainError
from callcenter.i18n import N_
from callcenter.imports.client_writer import ClientWriter, driver_connection
from callcenter.imports.order_plan import (
    Found,
    OrderGroup,
    OrderPlan,
    group_rows,
    place_clients,
    plan_orders,
    shared_new_clients,
    wanted_keys,
)
from callcenter.imports.order_updates import update_from_file
from callcenter.imports.records import OrderRow
from callcenter.imports.targets import BadRow, WriteResult
from callcenter.orders.deadlines import follow_deadline
from callcenter.orders.models import Order, OrderLine, OrderStatus
from callcenter.orders.pipeline import first_stage
from callcenter.orders.service import snapshot
from callcenter.orders.statuses import list_statuses
from callcenter.users.models import User

if TYPE_CHECKING:
    import asyncpg

CLIENTS_SQL = """
SELECT 'inn', c.inn, c.id, c.owner_id, c.channel_id FROM clients c
  JOIN unnest($1::text[]) AS k(v) ON c.inn = k.v WHERE c.merged_into_id IS NULL
UNION ALL
SELECT 'phone', p.e164, c.id, c.owner_id, c.channel_id FROM client_phones p
  JOIN unnest($2::text[]) AS k(v) ON p.e164 = k.v
  JOIN clients c ON c.id = p.client_id WHERE c.merged_into_id IS NULL
UNION ALL
SELECT 'email', e.email, c.id, c.owner_id, c.channel_id FROM client_emails e
  JOIN unnest($3::text[]) AS k(v) ON e.email = k.v
  JOIN clients c ON c.id = e.client_id WHERE c.merged_into_id IS NULL
UNION ALL
SELECT 'name', k.v, c.id, c.owner_id, c.channel_id FROM clients c
  JOIN unnest($4::text[]) AS k(v) ON regexp_replace(cc_norm(c.name), '\\s+', ' ', 'g') = k.v
  WHERE c.merged_into_id IS NULL
"""
ORDER_COLUMNS = (
    "id",
    "number",
    "client_id",
    "manager_id",
    "channel_id",
    "status_id",
    "status_changed_at",
    "stage_due_at",
    "currency",
    "total",
    "notes",
    "created_by_id",
    "created_at",
    "updated_at",
)
LINE_COLUMNS = (
    "order_id",
    "position",
    "product_id",
    "description",
    "unit_code",
    "quantity",
    "price",
    "discount_percent",
    "vat_rate",
    "amount",
)
OUR_NUMBERS = re.compile(r"^\d{4}-(\d{1,9})$")  # 2026-00042, as create_order makes them


class OrderWriter:
    """Gathers an import's rows, then writes its orders in the caller's transaction."""

    gathers = True

    def __init__(
        self, session: AsyncSession, *, policy: dict[str, str], actor: User, import_id: int
    ) -> None:
        self.session, self.policy, self.actor, self.import_id = session, policy, actor, import_id
        self.rows: list[OrderRow] = []

    async def write(self, records: list[OrderRow]) -> None:
        self.rows.extend(records)

    async def review(self) -> list[BadRow]:
        """Every order put together and its client looked for; nothing written."""
        conn = await driver_connection(self.session)
        return (await self._plan(conn)).bad  # updates refused are found only when made

    async def _plan(self, conn: asyncpg.Connection) -> OrderPlan:
        groups, bad = group_rows(self.rows)
        numbers = [g.number for g in groups if g.number]
        existing = dict(
            await conn.fetch("SELECT number, id FROM orders WHERE number = ANY($1)", numbers)
        )
        plan = plan_orders(groups, existing, self.policy)
        plan.bad += bad
        restricted = None if self.actor.sees_every_client else self.actor.id
        found = await _find_clients(conn, wanted_keys(plan.new))
        place_clients(plan, found, self.policy, restricted_to=restricted)
        return plan

    async def finish(self) -> WriteResult:
        conn = await driver_connection(self.session)
        plan = await self._plan(conn)
        statuses = await list_statuses(self.session)
        await self._make_clients(plan)
        created = await self._create(conn, plan, statuses)
        updated = 0
        for group in plan.updates:
            try:
                async with self.session.begin_nested():  # a refused update leaves no trace
                    await update_from_file(self.session, group, statuses, actor=self.actor)
                updated += 1
            except DomainError as exc:
                plan.bad += group.bad("number", exc.message)
        rows_skipped = plan.skipped
        return WriteResult(created=created, updated=updated, skipped=rows_skipped, bad=plan.bad)

    async def _make_clients(self, plan: OrderPlan) -> None:
        new = shared_new_clients(plan.new)
        if not new:
            return
        policy = {"inn": "create", "phone": "create", "email": "create"}
        writer = ClientWriter(
            self.session, policy=policy, actor=self.actor, import_id=self.import_id
        )
        await writer.write(new)
        for group in plan.new:
            if group.new_client is not None:
                group.client_id = group.new_client.client_id
                group.client_owner = group.new_client.client.owner_id
                group.client_channel = group.new_client.client.channel_id

    async def _create(
        self, conn: asyncpg.Connection, plan: OrderPlan, statuses: list[OrderStatus]
    ) -> int:
        start = first_stage(statuses)
        if start is None and plan.new:
            for group in plan.new:
                plan.bad += group.bad(
                    "status", N_("The order pipeline has no open status: ask an admin")
                )
            return 0
        by_id = {s.id: s for s in statuses}
        await _reserve_numbers(conn, [g.number for g in plan.new if g.number])
        ids = await _next_values(conn, "pg_get_serial_sequence('orders', 'id')", len(plan.new))
        sequence = await _next_values(
            conn, "'order_number_seq'", sum(1 for g in plan.new if not g.number)
        )
        now = utcnow()
        orders = []
        for order_id, group in zip(ids, plan.new, strict=True):
            number = group.number or f"{now:%Y}-{sequence.pop(0):05d}"
            status = by_id.get(group.given("status_id") or 0) or start
            orders.append(self._order(order_id, number, group, status, now))  # type: ignore[arg-type]
        await _copy(conn, orders, self.actor, self.import_id)
        for order in orders:  # an open stage's deadline is the manager's task, as in the form
            stage = by_id[order.status_id]
            if stage.is_open and order.stage_due_at is not None:
                await follow_deadline(self.session, order, stage)
        return len(orders)

    def _order(
        self, order_id: int, number: str, group: OrderGroup, status: OrderStatus, now: Any
    ) -> Order:
        """The order as ``create_order`` would make it, on the file's date and status."""
        at = group.given("created_at") or now
        due = group.given("stage_due")
        if due is None and status.is_open and status.deadline_days is not None:
            due = at + timedelta(days=status.deadline_days)
        manager = group.given("manager_id") or group.client_owner or self.actor.id
        order = Order(
            id=order_id,
            number=number,
            client_id=group.client_id,
            manager_id=manager if self.actor.sees_every_client else self.actor.id,
            channel_id=group.given("channel_id") or group.client_channel,
            status_id=status.id,
            status_changed_at=at,
            stage_due_at=due if status.is_open else None,
            currency=group.first.currency,
            notes="\n".join(dict.fromkeys(r.notes for r in group.rows if r.notes)),
            created_by_id=self.actor.id,
            created_at=at,
            updated_at=now,
        )
        order.lines = [
            OrderLine(position=index, **vars(line)) for index, line in enumerate(group.lines)
        ]
        order.total = sum((line.amount for line in group.lines), start=Decimal("0.00"))
        return order


async def _find_clients(conn: asyncpg.Connection, wanted: dict[str, list[str]]) -> Found:
    found: Found = {}
    if not any(wanted.values()):
        return found
    rows = await conn.fetch(
        CLIENTS_SQL, wanted["inn"], wanted["phone"], wanted["email"], wanted["name"]
    )
    for key, value, client_id, owner_id, channel_id in rows:
        matches = found.setdefault((key, value), [])
        if (client_id, owner_id, channel_id) not in matches:
            matches.append((client_id, owner_id, channel_id))
    return found


async def _next_values(conn: asyncpg.Connection, sequence: str, count: int) -> list[int]:
    if not count:
        return []
    rows = await conn.fetch(f"SELECT nextval({sequence}) FROM generate_series(1, $1)", count)
    return [row[0] for row in rows]


async def _reserve_numbers(conn: asyncpg.Connection, numbers: list[str]) -> None:
    """Numbers the file keeps that look like ours: the sequence moves past them, so the
    orders people take next never collide with an imported one."""
    highest = max((int(m.group(1)) for n in numbers if (m := OUR_NUMBERS.match(n))), default=0)
    if highest:
        await conn.execute(
            "SELECT setval('order_number_seq', greatest($1, last_value)) FROM order_number_seq",
            highest,
        )


async def _copy(conn: asyncpg.Connection, orders: list[Order], actor: User, import_id: int) -> None:
    if not orders:
        return
    await conn.copy_records_to_table(
        "orders",
        records=[tuple(getattr(o, c) for c in ORDER_COLUMNS) for o in orders],
        columns=ORDER_COLUMNS,
    )
    await conn.copy_records_to_table(
        "order_lines",
        records=[
            (o.id, *(getattr(line, c) for c in LINE_COLUMNS[1:]))
            for o in orders
            for line in o.lines
        ],
        columns=LINE_COLUMNS,
    )
    await conn.copy_records_to_table(
        "order_status_changes",
        records=[
            (o.id, o.status_id, actor.id, o.status_changed_at, "", o.stage_due_at) for o in orders
        ],
        columns=("order_id", "to_status_id", "user_id", "at", "reason", "due_at"),
    )
    await conn.copy_records_to_table(
        "audit_log",
        records=[
            (
                actor.id,
                "order",
                o.id,
                "created",
                json.dumps(_created(o, import_id), ensure_ascii=False),
            )
            for o in orders
        ],
        columns=("user_id", "entity", "entity_id", "action", "changes"),
    )


def _created(order: Order, import_id: int) -> dict[str, Any]:
    return {"import": [None, import_id], **diff({}, snapshot(order))}
