"""Exported orders import back as the same orders, into a base that has only their clients."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from aiohttp import FormData
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from callcenter.clients.models import Channel, Client
from callcenter.orders.input import LineInput, OrderInput
from callcenter.orders.models import Order
from callcenter.orders.moves import change_status
from callcenter.orders.service import create_order
from tests.imports.support import INN_A


async def _make_orders(sessionmaker: Any, settings: Any, admin: Any, desk_id: int) -> None:
    async with sessionmaker.begin() as session:
        fair = Channel(name="Выставка")
        person = Client(kind="person", name="Щукина Алёна", owner_id=admin.id, channel=fair)
        company = Client(kind="company", name="ООО «Вектор»", inn=INN_A, owner_id=admin.id)
        session.add_all([person, company])
        await session.flush()
        first = OrderInput(
            client_id=person.id,
            notes="к подъезду\nпосле 18:00",
            lines=[
                LineInput(product_id=desk_id, quantity="2", discount_percent="5"),
                LineInput(description="Монтаж", quantity="1.5", price="1000.10", unit_code="356"),
                LineInput(description="Доставка", price="500", vat_rate="none"),
            ],
        )
        await create_order(session, data=first, actor=admin, settings=settings)
        second = OrderInput(
            client_id=company.id, lines=[LineInput(description="Услуга", price="99.99")]
        )
        order = await create_order(session, data=second, actor=admin, settings=settings)
        await change_status(
            session, order_id=order.id, status="shipped", actor=admin, settings=settings
        )


async def _snapshot(sessionmaker: Any) -> list[tuple[Any, ...]]:
    async with sessionmaker() as session:
        orders = await session.scalars(
            select(Order).options(selectinload(Order.lines)).order_by(Order.number)
        )
        return [
            (
                o.number,
                o.client_id,
                o.status_id,
                o.manager_id,
                o.channel_id,
                o.notes,
                o.total,
                o.currency,
                o.created_at.replace(microsecond=0),
                o.stage_due_at.replace(microsecond=0) if o.stage_due_at else None,
                [
                    (x.position, x.product_id, x.description, x.quantity, x.price)
                    + (x.discount_percent, x.unit_code, x.vat_rate, x.amount)
                    for x in o.lines
                ],
            )
            for o in orders
        ]


@pytest.mark.parametrize(("language", "file_format"), [("ru", "xlsx"), ("en", "csv")])
async def test_exported_orders_import_into_a_base_with_only_their_clients_as_the_same_orders(
    api_as: Any,
    sessionmaker: Any,
    settings: Any,
    pipeline: Any,
    make_product: Any,
    language: str,
    file_format: str,
) -> None:
    client, admin = await api_as("admin", language=language)
    desk = await make_product("Стол", "1500.00", sku="T-1", unit_code="796", vat_rate="22")
    await _make_orders(sessionmaker, settings, admin, desk.id)
    before = await _snapshot(sessionmaker)
    exported = await client.get("/api/v1/orders/export", params={"format": file_format})
    assert exported.status == 200
    async with sessionmaker.begin() as session:
        await session.execute(delete(Order))
    form = FormData()
    form.add_field("file", io.BytesIO(await exported.read()), filename=f"orders.{file_format}")
    response = await client.post("/api/v1/orders/import", data=form)
    assert response.status == 202, await response.text()
    job = await response.json()
    assert job["target"] == "orders"
    for _ in range(100):
        job = await (await client.get(f"/api/v1/imports/{job['id']}")).json()
        if job["state"] in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    assert (job["state"], job["created"], job["bad_rows"]) == ("done", 2, [])
    assert await _snapshot(sessionmaker) == before


async def test_only_those_who_may_import_orders_reach_the_orders_import(
    signed_in: Any, api_as: Any
) -> None:
    client, _user, _csrf = await signed_in("operator")
    assert (await client.get("/orders/import", allow_redirects=False)).status == 403
    client, _user, _csrf = await signed_in("supervisor")
    assert (await client.get("/orders/import", allow_redirects=False)).status == 403
    client, _user, _csrf = await signed_in("manager")
    page = await (await client.get("/orders/import")).text()
    assert 'action="/orders/import"' in page and 'name="target" value="orders"' in page
    for path in ("/api/v1/orders/import", "/api/v1/imports"):
        form = FormData()
        form.add_field("file", io.BytesIO(b"a,b\n1,2\n"), filename="x.csv")
        form.add_field("target", "orders")
        client, _user = await api_as("supervisor")
        assert (await client.post(path, data=form)).status == 403
