"""Lifetime value, last order, the client's own reorder rhythm and bought-together products,
against values computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from callcenter.orders.hints import bought_together, client_orders, clients_due_for_reorder
from callcenter.orders.models import Order
from callcenter.orders.moves import change_status

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def _order(
    sessionmaker: Any,
    settings: Any,
    make_order: Any,
    actor: Any,
    client: Any,
    *,
    day: int,
    total: str,
    status: str = "delivered",
    lines: Any = None,
) -> Any:
    order = await make_order(actor, client, lines=lines or [("Поставка", "1", total)])
    async with sessionmaker.begin() as session:
        if status != "new":
            await change_status(
                session,
                order_id=order.id,
                status=status,
                actor=actor,
                reason="Передумал",
                settings=settings,
            )
        await session.execute(
            update(Order).where(Order.id == order.id).values(created_at=T0 + day * DAY)
        )
    return order


async def test_lifetime_value_last_order_and_rhythm(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    admin = await make_user("admin")
    client = await make_client()
    for day, total in ((0, "1000.00"), (30, "2500.50"), (70, "1500.00")):
        await _order(sessionmaker, settings, make_order, admin, client, day=day, total=total)
    await _order(
        sessionmaker, settings, make_order, admin, client, day=80, total="999", status="cancelled"
    )
    await _order(
        sessionmaker, settings, make_order, admin, client, day=75, total="300", status="accepted"
    )
    async with sessionmaker() as session:
        summary = await client_orders(session, client.id)
    assert summary.lifetime_value == Decimal("5000.50")  # delivered only
    assert summary.open_value == Decimal("300.00")
    assert summary.orders == 4  # the cancelled one does not count
    assert summary.last_order_at == T0 + 75 * DAY  # the open one, not the cancelled one
    assert summary.rhythm == 35 * DAY  # median of 30 and 40 days between delivered orders
    assert summary.due_at == T0 + 110 * DAY
    assert not summary.due(T0 + 109 * DAY) and summary.due(T0 + 110 * DAY)


async def test_one_fulfilled_order_shows_no_rhythm(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    admin = await make_user("admin")
    client = await make_client()
    await _order(sessionmaker, settings, make_order, admin, client, day=0, total="100")
    async with sessionmaker() as session:
        summary = await client_orders(session, client.id)
        due = await clients_due_for_reorder(session, actor=admin, now=T0 + 1000 * DAY)
    assert summary.rhythm is None and summary.due_at is None and due == []


async def test_clients_due_for_a_reorder_by_their_own_rhythm(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    admin = await make_user("admin")
    monthly, quarterly = await make_client("Ежемесячный"), await make_client("Поквартальный")
    for day in (0, 30, 60):
        await _order(sessionmaker, settings, make_order, admin, monthly, day=day, total="10")
    for day in (0, 90):
        await _order(sessionmaker, settings, make_order, admin, quarterly, day=day, total="10")
    async with sessionmaker() as session:
        at_day_100 = await clients_due_for_reorder(session, actor=admin, now=T0 + 100 * DAY)
        at_day_200 = await clients_due_for_reorder(session, actor=admin, now=T0 + 200 * DAY)
    assert [(d.client.name, d.due_at) for d in at_day_100] == [("Ежемесячный", T0 + 90 * DAY)]
    assert [d.client.name for d in at_day_200] == ["Ежемесячный", "Поквартальный"]
    assert at_day_200[1].rhythm == 90 * DAY


async def test_products_often_bought_together(
    make_user: Any,
    make_client: Any,
    make_order: Any,
    make_product: Any,
    sessionmaker: Any,
    settings: Any,
) -> None:
    admin = await make_user("admin")
    a, b, c, d, e = [await make_product(name) for name in ("A", "B", "C", "D", "E")]
    me, others = await make_client("Я"), await make_client("Другие")

    async def basket(client: Any, *products: Any, status: str = "delivered") -> None:
        await _order(
            sessionmaker,
            settings,
            make_order,
            admin,
            client,
            day=1,
            total="0",
            status=status,
            lines=[(p.id, "1") for p in products],
        )

    await basket(me, a)
    await basket(others, a, b, c)
    await basket(others, a, b, d)
    await basket(others, a, b, c)
    await basket(others, a, e, status="cancelled")  # a cancelled order tells nothing
    await basket(others, d, e)  # no A: unrelated
    async with sessionmaker() as session:
        hints = await bought_together(session, me.id)
    assert [p.name for p in hints] == ["B", "C", "D"]
