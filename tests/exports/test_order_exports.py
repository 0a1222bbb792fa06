"""Exports of the order list: one row per line, the list's filters and visibility, real files."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import update

from callcenter.db import utcnow
from callcenter.orders.models import Order
from callcenter.orders.moves import change_status


def _sheet(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def _two_orders(
    make_user: Any,
    make_client: Any,
    make_order: Any,
    make_product: Any,
    sessionmaker: Any,
    settings: Any,
) -> tuple[Any, Order, Order]:
    """A manager's order (two lines, accepted) and another manager's overdue one."""
    seller, other = await make_user("manager"), await make_user("manager")
    admin = await make_user("admin")
    desk = await make_product("Стол", "1500.00", sku="T-1")
    mine = await make_order(
        admin,
        await make_client("Алексеев", owner_id=seller.id),
        lines=[(desk.id, "2"), ("Доставка", "1", "500.50")],
        notes="к подъезду",
    )
    theirs = await make_order(admin, await make_client("Борисов", owner_id=other.id))
    async with sessionmaker.begin() as session:
        await change_status(
            session, order_id=mine.id, status="accepted", actor=admin, settings=settings
        )
        await session.execute(
            update(Order)
            .where(Order.id == theirs.id)
            .values(stage_due_at=utcnow() - timedelta(hours=1))
        )
    return seller, mine, theirs


async def test_orders_xlsx_has_a_row_per_line_money_as_numbers_and_keeps_the_filters(
    signed_in: Any,
    make_user: Any,
    make_client: Any,
    make_order: Any,
    make_product: Any,
    sessionmaker: Any,
    settings: Any,
) -> None:
    _seller, mine, _theirs = await _two_orders(
        make_user, make_client, make_order, make_product, sessionmaker, settings
    )
    client, _user, _csrf = await signed_in("supervisor", language="ru")
    response = await client.get(
        "/api/v1/orders/export", params={"format": "xlsx", "status": "accepted"}
    )
    assert response.status == 200
    rows = _sheet(await response.read())
    header = rows[0]
    assert header[:4] == ["Номер заказа", "Дата заказа", "Клиент", "ИНН клиента"]
    lines = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(x["Номер заказа"], x["Товар"], x["Кол-во"]) for x in lines] == [
        (mine.number, "Стол", 2),
        (mine.number, "Доставка", 1),
    ]
    assert (lines[0]["Артикул"], lines[0]["Цена"], lines[0]["Сумма"]) == ("T-1", 1500, 3000)
    assert (lines[0]["Сумма заказа"], lines[1]["Сумма заказа"]) == (3500.5, None)
    assert (lines[0]["Статус"], lines[0]["НДС"], lines[0]["Ед."]) == ("Принят", "22%", "шт")
    assert isinstance(lines[0]["Дата заказа"], datetime)
    assert lines[1]["Примечания"] == "к подъезду"
    overdue = await client.get("/api/v1/orders/export", params={"format": "xlsx", "overdue": "1"})
    assert [row[2] for row in _sheet(await overdue.read())[1:]] == ["Борисов"]
    unknown = await client.get("/api/v1/orders/export", params={"format": "csv", "status": "x"})
    assert unknown.status == 400


async def test_a_manager_exports_only_their_clients_orders_as_csv(
    client: Any,
    make_user: Any,
    make_client: Any,
    make_order: Any,
    make_product: Any,
    sessionmaker: Any,
    settings: Any,
) -> None:
    from tests.conftest import sign_in

    seller, mine, _theirs = await _two_orders(
        make_user, make_client, make_order, make_product, sessionmaker, settings
    )
    await sign_in(client, seller)
    response = await client.get("/api/v1/orders/export", params={"format": "csv"})
    text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Order number", "Order date", "Client"]
    assert {row[0] for row in rows[1:]} == {mine.number}
    assert rows[1][rows[0].index("Price")] == "1500.00"
    page = await (await client.get("/orders?overdue=1&q=x")).text()
    assert "/api/v1/orders/export?overdue=1&amp;q=x&amp;format=xlsx" in page


async def test_russian_csv_writes_money_with_a_decimal_comma(
    signed_in: Any,
    make_user: Any,
    make_client: Any,
    make_order: Any,
    make_product: Any,
    sessionmaker: Any,
    settings: Any,
) -> None:
    await _two_orders(make_user, make_client, make_order, make_product, sessionmaker, settings)
    client, _user, _csrf = await signed_in("admin", language="ru")
    response = await client.get("/api/v1/orders/export", params={"format": "csv"})
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig")), delimiter=";"))
    prices = {row[rows[0].index("Цена")] for row in rows[1:]}
    assert prices == {"1500,00", "500,50", "1000,00"}
    assert Decimal(prices.pop().replace(",", ".")) > 0


async def test_operators_may_not_export_orders(signed_in: Any) -> None:
    client, _user, _csrf = await signed_in("operator")
    response = await client.get("/api/v1/orders/export", params={"format": "xlsx"})
    assert response.status == 403
