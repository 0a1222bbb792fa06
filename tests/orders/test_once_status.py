"""An order's status change clicked many times at once moves it once: one history row, one
letter to the client; the page's double click lands on the order, the API says 409."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from callcenter.mail.models import OutboxMessage
from callcenter.orders.models import OrderStatusChange

AT_ONCE = 12


async def _count(sessionmaker: Any, model: Any, *where: Any) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def test_a_status_sent_many_times_at_once_moves_the_order_once(
    api_as: Any, make_client: Any, make_order: Any, sessionmaker: Any
) -> None:
    api, manager = await api_as("manager", sees_all_clients=True)
    order = await make_order(manager, await make_client())
    mailed_before = await _count(sessionmaker, OutboxMessage)
    url = f"/api/v1/orders/{order.id}/status"
    answers = await asyncio.gather(
        *(api.post(url, json={"status": "accepted"}) for _ in range(AT_ONCE))
    )
    assert sorted(r.status for r in answers) == [200] + [409] * (AT_ONCE - 1)
    refused = [await r.json() for r in answers if r.status == 409]
    assert {b["error"] for b in refused} == {"status_move_refused"}
    moves = await _count(sessionmaker, OrderStatusChange, OrderStatusChange.order_id == order.id)
    assert moves == 2  # created as new, then accepted once
    assert await _count(sessionmaker, OutboxMessage) - mailed_before <= 1


async def test_the_status_button_double_clicked_lands_every_click_on_the_order(
    signed_in: Any, make_client: Any, make_order: Any, sessionmaker: Any
) -> None:
    client, manager, csrf = await signed_in("manager", sees_all_clients=True)
    order = await make_order(manager, await make_client())
    url = f"/orders/{order.id}/status"
    form = {"csrf_token": csrf, "status": "accepted"}
    answers = await asyncio.gather(
        *(client.post(url, data=form, allow_redirects=False) for _ in range(AT_ONCE))
    )
    assert [r.status for r in answers] == [302] * AT_ONCE
    moves = await _count(sessionmaker, OrderStatusChange, OrderStatusChange.order_id == order.id)
    assert moves == 2
