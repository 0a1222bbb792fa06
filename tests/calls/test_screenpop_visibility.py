"""A screen-pop shows each receiver only what the client API would show them: a restricted
manager popped for another manager's client gets the number and no more, on the same call
where an operator gets the whole card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from callcenter.calls.service import save_call
from callcenter.clients.models import Client, ClientPhone
from callcenter.db import make_engine, make_sessionmaker
from callcenter.feedback.models import Feedback
from callcenter.orders.models import Order
from callcenter.orders.statuses import seed_default_pipeline
from callcenter.tasks.models import Task
from callcenter.users.models import User
from tests.calls.test_calls_store import finish, inbound_answered
from tests.calls.test_screenpop import frame_of, ring, until_listening
from tests.conftest import sign_in

NUMBER = "+79161234567"
SECRET = "Тайный Клиент Соседа"
ORDER_NUMBER = "2026-77777"
TASK = "Перезвонить про скидку соседа"
SECRET_MARKS = (SECRET, ORDER_NUMBER, TASK, "open complaint", "Last calls", "/clients/")


async def _secret_client(db_session: Any, owner_id: int, name: str = SECRET) -> Client:
    """Another manager's client with this number, an open order, a task, a complaint, and a
    call in the past."""
    known = Client(
        kind="person",
        name=name,
        owner_id=owner_id,
        phones=[ClientPhone(number=NUMBER, e164=NUMBER)],
    )
    db_session.add(known)
    await db_session.flush()
    statuses = {s.code: s for s in await seed_default_pipeline(db_session)}
    db_session.add_all(
        [
            Order(
                number=ORDER_NUMBER if name == SECRET else "2026-00001",
                client_id=known.id,
                status_id=statuses["new"].id,
                currency="RUB",
                total=Decimal("1000.00"),
            ),
            Task(kind="call", title=TASK, due_at=datetime.now(UTC), client_id=known.id)
            if name == SECRET
            else Task(kind="call", title="Своя задача", due_at=datetime.now(UTC)),
            Feedback(kind="complaint", client_id=known.id, text="Жалоба"),
        ]
    )
    await db_session.commit()
    return known


async def _past_call(database_url: str) -> None:
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        past = finish(inbound_answered("1795000000.1", caller=NUMBER))
        past.started_at -= timedelta(days=1)
        await save_call(session, past)
    await engine.dispose()


async def _workspace(aiohttp_client: Any, server: Any, user: User) -> Any:
    """A signed-in workspace socket of its own (own cookies) on the app's one server."""
    client = await aiohttp_client(server)
    await sign_in(client, user)
    ws = await client.ws_connect("/ws/live")
    await frame_of(ws, "hello")
    return ws


async def test_a_restricted_manager_is_popped_only_the_number_of_another_managers_client(
    aiohttp_client: Any,
    aiohttp_server: Any,
    app: Any,
    make_user: Any,
    db_session: Any,
    database_url: str,
) -> None:
    server = await aiohttp_server(app)
    owner = await make_user("manager")
    await _secret_client(db_session, owner.id)
    await _past_call(database_url)
    restricted = await make_user("manager", extension="101", language="en")
    ws = await _workspace(aiohttp_client, server, restricted)
    await until_listening(app)
    await ring(database_url, number=NUMBER)
    html = (await frame_of(ws, "ringing"))["html"]
    assert "Known caller: a client of another manager" in html
    assert "8 (916) 123-45-67" in html  # the number itself is theirs to see
    assert [mark for mark in SECRET_MARKS if mark in html] == []
    assert "Create a client" not in html
    await ws.close()


async def test_one_call_pops_the_whole_card_to_an_operator_and_the_number_to_the_manager(
    aiohttp_client: Any,
    aiohttp_server: Any,
    app: Any,
    make_user: Any,
    db_session: Any,
    database_url: str,
) -> None:
    """Both pages watch extension 101 (it was handed from the operator to the manager while
    the operator's page stayed open), in one language: each gets their own card."""
    server = await aiohttp_server(app)
    owner = await make_user("manager")
    await _secret_client(db_session, owner.id)
    await _past_call(database_url)
    operator = await make_user("operator", extension="101", language="en")
    operator_ws = await _workspace(aiohttp_client, server, operator)
    await db_session.execute(update(User).where(User.id == operator.id).values(extension=None))
    await db_session.commit()
    restricted = await make_user("manager", extension="101", language="en")
    manager_ws = await _workspace(aiohttp_client, server, restricted)
    await until_listening(app)
    await ring(database_url, number=NUMBER)
    whole = (await frame_of(operator_ws, "ringing"))["html"]
    assert all(mark in whole for mark in SECRET_MARKS), whole
    minimal = (await frame_of(manager_ws, "ringing"))["html"]
    assert [mark for mark in SECRET_MARKS if mark in minimal] == []
    await operator_ws.close()
    await manager_ws.close()


async def test_the_owner_and_a_manager_given_all_clients_get_the_whole_card(
    aiohttp_client: Any,
    aiohttp_server: Any,
    app: Any,
    make_user: Any,
    db_session: Any,
    database_url: str,
) -> None:
    server = await aiohttp_server(app)
    owner = await make_user("manager", extension="101", language="en")
    await _secret_client(db_session, owner.id)
    await _past_call(database_url)
    given_all = await make_user("manager", extension="102", language="en", sees_all_clients=True)
    sockets = [await _workspace(aiohttp_client, server, u) for u in (owner, given_all)]
    await until_listening(app)
    for ws, extension in zip(sockets, ("101", "102"), strict=True):
        await ring(database_url, number=NUMBER, extension=extension)
        html = (await frame_of(ws, "ringing"))["html"]
        assert all(mark in html for mark in SECRET_MARKS), html
        await ws.close()


async def test_a_number_shared_with_an_own_client_shows_only_the_own_one(
    aiohttp_client: Any,
    aiohttp_server: Any,
    app: Any,
    make_user: Any,
    db_session: Any,
    database_url: str,
) -> None:
    server = await aiohttp_server(app)
    other = await make_user("manager")
    await _secret_client(db_session, other.id)
    restricted = await make_user("manager", extension="101", language="en")
    mine = await _secret_client(db_session, restricted.id, name="Мой Клиент")
    ws = await _workspace(aiohttp_client, server, restricted)
    await until_listening(app)
    await ring(database_url, number=NUMBER)
    html = (await frame_of(ws, "ringing"))["html"]
    assert "Мой Клиент" in html and f"/clients/{mine.id}" in html and "2026-00001" in html
    assert "This number is also a client of another manager." in html
    assert SECRET not in html and ORDER_NUMBER not in html and TASK not in html
    assert "1 open complaint" in html  # their own client's, not the other's too
    await ws.close()


async def test_a_reconnecting_restricted_manager_gets_the_minimal_card_too(
    client: Any, make_user: Any, db_session: Any, database_url: str
) -> None:
    owner = await make_user("manager")
    await _secret_client(db_session, owner.id)
    await ring(database_url, number=NUMBER)  # rang before the page connected
    restricted = await make_user("manager", extension="101", language="en")
    await sign_in(client, restricted)
    ws = await client.ws_connect("/ws/live")
    html = (await frame_of(ws, "ringing"))["html"]
    assert "Known caller: a client of another manager" in html
    assert SECRET not in html and ORDER_NUMBER not in html and TASK not in html
    await ws.close()
