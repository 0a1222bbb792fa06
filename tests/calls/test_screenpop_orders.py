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


async def test_the_whole_pop_is_one_statement_however_much_the_caller_has(
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
    assert len(pop.orders) == 5 and len(pop.clients) == 2
    assert len(few) == len(many) == 1  # clients, tags, complaints, orders, tasks, last calls


async def test_the_pop_card_shows_each_client_as_the_card_knows_them(
    db_session: Any, make_user: Any, app: Any
) -> None:
    from callcenter.calls.models import CallRow
    from callcenter.clients.models import Tag
    from callcenter.feedback.models import Feedback
    from callcenter.tasks.models import Task

    owner = await make_user("manager", full_name="Анна Смирнова")
    nameless = await make_user("manager", full_name="")
    company = Client(kind="company", name="ООО «Ромашка»")
    db_session.add(company)
    await db_session.flush()
    older = Client(
        kind="person",
        name="Игорь Петров",
        phones=[ClientPhone(number=NUMBER, e164=NUMBER)],
        company_id=company.id,
        owner_id=owner.id,
        tags=[Tag(name="опт"), Tag(name="VIP")],
        updated_at=utcnow() - timedelta(days=2),
    )
    db_session.add(older)
    newer = await _caller(db_session, "Ольга Петрова")
    newer.owner_id = nameless.id
    merged = await _caller(db_session, "Дубль Петрова")
    merged.merged_into_id = newer.id
    now = utcnow()
    db_session.add_all(
        [
            Feedback(kind="complaint", client_id=older.id, text="Долго везли"),
            Feedback(kind="complaint", client_id=older.id, text="Не перезвонили"),
            Feedback(
                kind="complaint",
                client_id=older.id,
                text="Решено",
                status="resolved",
                resolution="Извинились",
                resolved_at=now,
            ),
            Feedback(kind="review", client_id=newer.id, text="Спасибо"),
            Task(kind="call", title="Позже", due_at=now + timedelta(days=2), client_id=older.id),
            Task(kind="call", title="Раньше", due_at=now + timedelta(days=1), client_id=newer.id),
            Task(kind="call", title="Сделано", due_at=now, client_id=older.id, status="done"),
        ]
    )
    for i, (linkedid, ended) in enumerate(
        [("x.0", True), ("x.1", True), ("x.2", False), ("x.3", True)]
    ):
        db_session.add(
            CallRow(
                linkedid=linkedid,
                direction="inbound" if i else "outbound",
                caller=NUMBER if i else "101",
                callee="" if i else NUMBER,
                started_at=now - timedelta(hours=10 - i),
                ended_at=now if ended else None,
                outcome="answered",
            )
        )
    await db_session.commit()

    pop = await build_pop(db_session, linkedid="x.3", number=NUMBER, direction="inbound")
    ids = [c.id for c in pop.clients]
    assert ids == [newer.id, older.id]  # the merged duplicate is not offered; newest first
    assert pop.clients[1].company == "ООО «Ромашка»" and pop.clients[1].owner == "Анна Смирнова"
    assert pop.clients[1].tags == ["VIP", "опт"] and pop.clients[0].tags == []
    assert pop.clients[0].owner == nameless.login  # no full name: the login
    assert pop.complaints == {older.id: 2}
    assert [t.title for t in pop.tasks] == ["Раньше", "Позже"]
    # this call itself and one still going are not "last calls"; an outbound one is
    assert [(c.direction, c.started_at.tzinfo is not None) for c in pop.last_calls] == [
        ("inbound", True),
        ("outbound", True),
    ]
    i18n.LANGUAGE.set("en")
    html = aiohttp_jinja2.get_env(app).get_template("workspace/_pop.html").render(pop=pop)
    assert "Several clients have this number" in html and "ООО «Ромашка»" in html
    assert "Анна Смирнова" in html and '<span class="tag">VIP</span>' in html
    assert "2 open complaints" in html and "Дубль" not in html


async def test_an_unknown_or_hidden_number_reads_no_card(db_session: Any) -> None:
    hidden = await build_pop(db_session, linkedid="x.9", number="", direction="inbound")
    unknown = await build_pop(db_session, linkedid="", number="+79990000000", direction="inbound")
    assert hidden.unknown and hidden.number == "" and hidden.last_calls == []
    assert unknown.unknown and unknown.number == "+79990000000" and unknown.campaign is None
