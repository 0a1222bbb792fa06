"""The screen-pop lists the caller's open orders (number, status, total, an overdue mark) in
one query however many orders and clients the number has."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import aiohttp_jinja2
from sqlalchemy import event

from callcenter.calls.screenpop import build_pop
from callcenter.clients.models import Client, ClientPhone
from callcenter.db import utcnow
from callcenter.orders.models import Order
from callcenter.orders.statuses import seed_default_pipeline
from web import i18n

NUMBER = "+79161112233"
NUMBERS = itertools.count(1)


async def _caller(session: Any, name: str) -> Client:
    client = Client(kind="person", name=name, phones=[ClientPhone(number=NUMBER, e164=NUMBER)])
    session.add(client)
    await session.flush()
    return client


async def _orders(session: Any, client: Client, *codes: str, overdue: bool = False) -> None:
    statuses = {s.code: s for s in await seed_default_pipeline(session)}
    due = utcnow() + timedelta(days=-1 if overdue else 1)
    for code in codes:
        session.add(
            Order(
                number=f"2026-{next(NUMBERS):05d}",
                client_id=client.id,
                status_id=statuses[code].id,
                currency="RUB",
                total=Decimal("12200.00"),
                stage_due_at=due if statuses[code].is_open else None,
            )
        )
        await session.flush()
    await session.commit()


@contextmanager
def counted(session: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = session.bind.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_the_pop_lists_open_orders_with_the_overdue_ones_marked(
    db_session: Any, app: Any
) -> None:
    caller = await _caller(db_session, "Игорь Петров")
    await _orders(db_session, caller, "new", overdue=True)
    await _orders(db_session, caller, "shipped", "delivered", "cancelled")
    pop = await build_pop(db_session, linkedid="x.1", number=NUMBER, direction="inbound")
    assert [(o.status_en, o.overdue) for o in pop.orders] == [("Shipped", False), ("New", True)]
    i18n.LANGUAGE.set("ru")
    html = aiohttp_jinja2.get_env(app).get_template("workspace/_pop.html").render(pop=pop)
    assert "Открытые заказы" in html and "Отгружен" in html and "Новый" in html
    assert html.count('class="pop-order overdue"') == 1 and "просрочен" in html
    assert "12\xa0200,00\xa0₽" in html
    assert f'href="/orders/{pop.orders[0].id}"' in html


async def test_the_orders_cost_the_pop_one_query_however_many_there_are(
    db_session: Any,
) -> None:
    first = await _caller(db_session, "Игорь Петров")
    await _orders(db_session, first, "new")
    with counted(db_session) as few:
        await build_pop(db_session, linkedid="x.1", number=NUMBER, direction="inbound")
    second = await _caller(db_session, "Ольга Петрова")
    await _orders(db_session, first, "accepted", "done", "shipped")
    await _orders(db_session, second, "new", "in_production")
    with counted(db_session) as many:
        pop = await build_pop(db_session, linkedid="x.1", number=NUMBER, direction="inbound")
    assert len(pop.orders) == 5 and len(many) == len(few)
    assert sum("FROM orders" in s for s in many) == 1
