"""Importing orders: lines gathered into orders, clients found, all or nothing, policies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from callcenter.audit.models import AuditEntry
from callcenter.clients.models import Channel, Client, ClientEmail, ClientPhone
from callcenter.orders.models import Order, OrderStatusChange
from callcenter.tasks.models import Task
from tests.imports.support import INN_A, csv_bytes, run_file, xlsx_bytes

HEAD = ["№ заказа", "Дата", "Клиент", "ИНН", "Телефон", "Статус", "Менеджер"]
HEAD += ["Артикул", "Товар", "Кол-во", "Цена", "Скидка, %", "НДС"]
MOSCOW = ZoneInfo("Europe/Moscow")


def _row(number: str, client: str = "", **cells: str) -> list[str]:
    return [
        number,
        cells.get("date", ""),
        client,
        cells.get("inn", ""),
        cells.get("phone", ""),
        cells.get("status", ""),
        cells.get("manager", ""),
        cells.get("sku", ""),
        cells.get("item", ""),
        cells.get("qty", "1"),
        cells.get("price", ""),
        cells.get("discount", ""),
        cells.get("vat", ""),
    ]


async def _orders(sessionmaker: Any) -> dict[str, Order]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Order).options(selectinload(Order.lines), selectinload(Order.status))
        )
        return {o.number: o for o in rows}


async def _base(sessionmaker: Any, make_product: Any, owner_id: int | None = None) -> Any:
    async with sessionmaker.begin() as session:
        fair = Channel(name="Выставка")
        vector = Client(kind="company", name="ООО «Вектор»", inn=INN_A, owner_id=owner_id)
        alena = Client(
            kind="person",
            name="Щукина Алёна",
            owner_id=owner_id,
            channel=fair,
            phones=[ClientPhone(number="8 916", e164="+79161234567", kind="mobile", position=0)],
            emails=[ClientEmail(email="alena@example.ru", position=0)],
        )
        session.add_all([vector, alena])
    await make_product("Стол письменный", "1500.00", sku="T-1", unit_code="796", vat_rate="22")
    return vector, alena, fair


async def test_lines_anywhere_in_the_file_make_one_order_with_its_client_product_and_status(
    make_user: Any, database_url: str, sessionmaker: Any, pipeline: Any, make_product: Any
) -> None:
    admin = await make_user("admin")
    seller = await make_user("manager", login="petrova", full_name="Петрова Анна")
    vector, alena, fair = await _base(sessionmaker, make_product, owner_id=seller.id)
    rows = [
        HEAD,
        _row("A-1", "ООО «Вектор»", inn=INN_A, date="05.03.2026", status="Принят", sku="T-1"),
        _row("B-7", phone="8 916 123-45-67", item="Доставка", price="500", discount="10"),
        _row("A-1", item="Монтаж", qty="3", price="1 000,50 ₽", manager="Петрова Анна"),
    ]
    rows[1][9], rows[2][12] = 2, "без НДС"  # a number cell, as Excel keeps it
    file = xlsx_bytes(rows)
    job = await run_file(database_url, admin, file, name="заказы.xlsx", target="orders")
    assert job.bad_rows == []
    assert (job.state, job.created_count, job.bad_count, job.total_rows) == ("done", 2, 0, 3)
    orders = await _orders(sessionmaker)
    first, second = orders["A-1"], orders["B-7"]
    assert first.client_id == vector.id and second.client_id == alena.id
    assert [(line.description, line.quantity, line.amount) for line in first.lines] == [
        ("Стол письменный", Decimal("2.000"), Decimal("3000.00")),
        ("Монтаж", Decimal("3.000"), Decimal("3001.50")),
    ]
    assert first.lines[0].product_id is not None and first.lines[1].product_id is None
    assert first.total == Decimal("6001.50") and first.status.code == "accepted"
    assert first.created_at == datetime(2026, 3, 5, tzinfo=MOSCOW)
    assert first.manager_id == seller.id  # the client's owner, as the file names them too
    assert (second.status.code, second.total, second.lines[0].vat_rate) == ("new", 450, "none")
    assert second.channel_id == fair.id  # the client's channel
    assert second.stage_due_at is not None  # the first stage's deadline in days
    async with sessionmaker() as session:
        history = await session.scalar(select(func.count()).select_from(OrderStatusChange))
        audit = await session.scalar(
            select(AuditEntry.changes).where(
                AuditEntry.entity == "order", AuditEntry.entity_id == first.id
            )
        )
    assert history == 2
    assert audit["import"] == [None, job.id] and audit["total"] == [None, "6001.50"]
    async with sessionmaker() as session:  # an open stage's deadline is its manager's task
        task = await session.scalar(select(Task).where(Task.order_id == second.id))
    assert task is not None and task.status == "open" and task.due_at == second.stage_due_at
    assert task.dedupe_key == f"order:{second.id}:deadline"


async def test_one_bad_row_writes_nothing_and_every_bad_row_is_reported_by_column(
    make_user: Any, database_url: str, sessionmaker: Any, pipeline: Any, make_product: Any
) -> None:
    admin = await make_user("admin")
    await _base(sessionmaker, make_product)
    rows = [
        HEAD,
        _row("1", "ООО «Вектор»", item="Стол", price="100"),
        _row("2", "ООО «Ромашка»", item="Стул", price="100"),
        _row("3", "ООО «Вектор»", item="Шкаф", price="сто", qty="0"),
        _row("4", "ООО «Вектор»", sku="NOPE", status="Улетел", date="32.13.2026"),
        _row("5", "Щукина Алёна", item="Полка", price="10"),
    ]
    job = await run_file(database_url, admin, csv_bytes(rows, delimiter=";"), target="orders")
    assert (job.state, job.created_count, job.bad_count) == ("failed", 0, 3)
    assert await _orders(sessionmaker) == {}
    bad = {row["line"]: row["errors"] for row in job.bad_rows}
    assert bad[3] == {"Клиент": "No such client: none has this INN, phone, e-mail or name"}
    assert bad[4] == {"Цена": "Not a number", "Кол-во": "Out of range"}
    assert bad[5] == {
        "Артикул": "No such product",
        "Статус": "No such status",
        "Дата": "Not a date",
    }
    skipping = await run_file(
        database_url, admin, csv_bytes(rows, delimiter=";"), target="orders", skip_bad_rows=True
    )
    assert (skipping.state, skipping.created_count, skipping.bad_count) == ("done", 2, 3)
    assert set(await _orders(sessionmaker)) == {"1", "5"}


async def test_a_line_naming_another_client_than_its_order_is_bad(
    make_user: Any, database_url: str, sessionmaker: Any, pipeline: Any, make_product: Any
) -> None:
    admin = await make_user("admin")
    await _base(sessionmaker, make_product)
    rows = [
        HEAD,
        _row("9", "ООО «Вектор»", item="Стол", price="100"),
        _row("9", "Щукина Алёна", item="Стул", price="100"),
        _row("9", "", item="Шкаф", price="100"),  # no client: the order's
    ]
    job = await run_file(database_url, admin, csv_bytes(rows), target="orders")
    assert [row["line"] for row in job.bad_rows] == [3]
    assert job.bad_rows[0]["errors"] == {"Клиент": "Another client than on the order's first line"}


async def test_clients_are_found_by_inn_phone_email_or_name_else_made_once_or_skipped(
    make_user: Any, database_url: str, sessionmaker: Any, pipeline: Any, make_product: Any
) -> None:
    manager = await make_user("manager", sees_all_clients=True)
    vector, alena, _fair = await _base(sessionmaker, make_product)
    head = ["Заказ", "Покупатель", "ИНН", "Телефон", "E-mail", "Товар", "Цена"]
    rows = [
        head,
        ["1", "", INN_A, "", "", "Стол", "10"],
        ["2", "", "", "+7 (916) 123-45-67", "", "Стол", "10"],
        ["3", "", "", "", "ALENA@example.ru", "Стол", "10"],
        ["4", "щукина  АЛЕНА", "", "", "", "Стол", "10"],
        ["5", "Новиков Олег", "", "8 903 111-22-33", "", "Стол", "10"],
        ["6", "Новиков Олег", "", "", "", "Стул", "10"],
    ]
    content = csv_bytes(rows)
    refused = await run_file(database_url, manager, content, target="orders")
    assert refused.state == "failed" and [r["line"] for r in refused.bad_rows] == [6, 7]
    skipped = await run_file(
        database_url, manager, content, target="orders", policy={"client": "skip"}
    )
    assert (skipped.created_count, skipped.skipped_count) == (4, 2)
    orders = await _orders(sessionmaker)
    assert [orders[n].client_id for n in "1234"] == [vector.id, alena.id, alena.id, alena.id]
    made = await run_file(
        database_url,
        manager,
        csv_bytes([head, *([f"new-{r[0]}", *r[1:]] for r in rows[5:])]),
        target="orders",
        policy={"client": "create"},
    )
    assert (made.state, made.created_count) == ("done", 2)
    async with sessionmaker() as session:
        oleg = list(await session.scalars(select(Client).where(Client.name == "Новиков Олег")))
    orders = await _orders(sessionmaker)
    assert len(oleg) == 1 and oleg[0].owner_id == manager.id
    assert orders["new-5"].client_id == orders["new-6"].client_id == oleg[0].id


async def test_a_manager_imports_only_for_their_own_clients(
    make_user: Any, database_url: str, sessionmaker: Any, pipeline: Any, make_product: Any
) -> None:
    mine, other = await make_user("manager"), await make_user("manager")
    vector, _alena, _fair = await _base(sessionmaker, make_product, owner_id=other.id)
    rows = [HEAD, _row("1", "ООО «Вектор»", item="Стол", price="10")]
    job = await run_file(database_url, mine, csv_bytes(rows), target="orders")
    message = "This order's client belongs to another manager"
    assert job.state == "failed" and job.bad_rows[0]["errors"] == {"Клиент": message}
    async with sessionmaker.begin() as session:
        (await session.get(Client, vector.id)).owner_id = mine.id  # type: ignore[union-attr]
    rows[1][6] = other.login  # the file names another manager: the order is still mine
    job = await run_file(database_url, mine, csv_bytes(rows), target="orders")
    assert job.state == "done"
    assert (await _orders(sessionmaker))["1"].manager_id == mine.id


async def test_an_order_number_in_the_base_is_skipped_updated_or_made_anew(
    make_user: Any,
    database_url: str,
    sessionmaker: Any,
    pipeline: Any,
    make_product: Any,
    make_order: Any,
) -> None:
    admin = await make_user("admin")
    vector, _alena, _fair = await _base(sessionmaker, make_product)
    order = await make_order(admin, vector, lines=[("Старое", "1", "100")])
    rows = [
        HEAD,
        _row(order.number, "ООО «Вектор»", item="Новое", price="200", status="Отгружен"),
        _row(order.number, "ООО «Вектор»", item="Ещё", price="50", qty="2"),
    ]
    skipped = await run_file(database_url, admin, csv_bytes(rows), target="orders")
    assert (skipped.state, skipped.skipped_count, skipped.created_count) == ("done", 2, 0)
    assert (await _orders(sessionmaker))[order.number].total == Decimal("100.00")

    policy = {"number": "update"}
    updated = await run_file(database_url, admin, csv_bytes(rows), target="orders", policy=policy)
    assert (updated.state, updated.updated_count) == ("done", 1)
    now = (await _orders(sessionmaker))[order.number]
    assert [line.description for line in now.lines] == ["Новое", "Ещё"]
    assert (now.total, now.status.code) == (Decimal("300.00"), "shipped")

    rows[1][5] = "Новый"  # back along the pipeline: refused, nothing changes
    refused = await run_file(database_url, admin, csv_bytes(rows), target="orders", policy=policy)
    assert refused.state == "failed"
    assert refused.bad_rows[0]["errors"] == {
        "№ заказа": "An order moves only forward along the pipeline"
    }

    policy = {"number": "create"}
    made = await run_file(database_url, admin, csv_bytes(rows), target="orders", policy=policy)
    orders = await _orders(sessionmaker)
    assert (made.state, made.created_count, len(orders)) == ("done", 1, 2)
    (copy,) = [o for n, o in orders.items() if n != order.number]
    assert copy.number.startswith(f"{datetime.now():%Y}-") and copy.total == Decimal("300.00")
