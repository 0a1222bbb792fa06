"""The order list's filters: status, manager, channel, client, dates, overdue, text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update

from callcenter.clients.models import Channel
from callcenter.db import utcnow
from callcenter.orders.models import Order
from callcenter.orders.moves import change_status
from callcenter.orders.search import OrderQuery, search_orders


async def _numbers(sessionmaker: Any, actor: Any, **filters: Any) -> set[str]:
    async with sessionmaker() as session:
        page = await search_orders(session, OrderQuery(**filters), actor=actor)
    return {o.client.name for o in page.items}


async def test_filters(
    make_user: Any,
    make_client: Any,
    make_order: Any,
    sessionmaker: Any,
    settings: Any,
    pipeline: Any,
) -> None:
    admin, seller = await make_user("admin"), await make_user("manager", sees_all_clients=True)
    async with sessionmaker.begin() as session:
        site = Channel(name="Сайт")
        session.add(site)
    first = await make_order(
        admin, await make_client("Алексеев", channel_id=site.id), manager_id=seller.id
    )
    second = await make_order(admin, await make_client("Борисов"))
    third = await make_order(admin, await make_client("Васильев"))
    async with sessionmaker.begin() as session:
        await change_status(
            session, order_id=second.id, status="accepted", actor=admin, settings=settings
        )
        await session.execute(
            update(Order)
            .where(Order.id == third.id)
            .values(
                created_at=datetime(2026, 1, 15, 21, 30, tzinfo=UTC),  # 16 Jan in Moscow
                stage_due_at=utcnow() - timedelta(hours=1),
            )
        )
    assert await _numbers(sessionmaker, admin) == {"Алексеев", "Борисов", "Васильев"}
    assert await _numbers(sessionmaker, admin, status_id=pipeline["accepted"].id) == {"Борисов"}
    assert await _numbers(sessionmaker, admin, manager_id=seller.id) == {"Алексеев"}
    assert await _numbers(sessionmaker, admin, channel_id=site.id) == {"Алексеев"}  # the client's
    assert await _numbers(sessionmaker, admin, overdue=True) == {"Васильев"}
    assert await _numbers(sessionmaker, admin, client_id=first.client_id) == {"Алексеев"}
    assert await _numbers(sessionmaker, admin, q="борис") == {"Борисов"}
    assert await _numbers(sessionmaker, admin, q=first.number) == {"Алексеев"}
    jan16 = date(2026, 1, 16)  # the admin's day is Moscow's
    assert await _numbers(sessionmaker, admin, created_from=jan16, created_to=jan16) == {"Васильев"}
    assert await _numbers(sessionmaker, admin, created_to=date(2026, 1, 15)) == set()


async def test_an_order_in_a_final_status_is_never_overdue(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    admin = await make_user("admin")
    order = await make_order(admin, await make_client("Доставлен"))
    async with sessionmaker.begin() as session:
        await change_status(
            session, order_id=order.id, status="delivered", actor=admin, settings=settings
        )
    assert await _numbers(sessionmaker, admin, overdue=True) == set()
