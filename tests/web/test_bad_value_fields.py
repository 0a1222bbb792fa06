"""Each class of bad value is refused naming its field: ids, pages, money, NaN, NUL, dates, JSON.

The walk in ``test_bad_values.py`` proves no route answers 500; these show what they answer.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import text

from callcenter.db import make_engine, make_sessionmaker
from callcenter.settings import Settings
from tests.tasks.support import add_task
from tests.web.bad_values_support import seed
from web.bad_input import bad_input_middleware
from web.errors import error_middleware

TASK = {"title": "Call back", "due_at": "2030-05-01T12:00:00+03:00"}


async def _refused(response: Any, status: int = 422) -> dict[str, Any]:
    body = await response.json()
    assert response.status == status, body
    return body


@pytest.mark.parametrize("bad", ["2147483648", "9223372036854775808", "9" * 40])
async def test_an_id_past_int32_in_a_path_is_not_found(api_as: Any, bad: str) -> None:
    client, _me = await api_as("admin")
    assert (await _refused(await client.get(f"/api/v1/clients/{bad}"), 404))["error"] == (
        "not_found"
    )
    response = await client.patch(f"/api/v1/tasks/{bad}", json=TASK)
    assert response.status == 404
    assert (await client.get(f"/clients/{bad}")).status == 404


@pytest.mark.parametrize(
    "query,field",
    [
        ("client_id=2147483648", "client_id"),
        ("order_id=99999999999999999999", "order_id"),
        ("page=2147483648", "page"),
        ("per_page=" + "9" * 5000, "per_page"),
        ("assignee=2147483648", "assignee"),
        ("due_from=0001-01-01T00:00:00", "due_from"),
        ("due_until=9999-12-31", "due_until"),
    ],
)
async def test_a_filter_out_of_range_is_refused_by_name(
    api_as: Any, query: str, field: str
) -> None:
    client, _me = await api_as("supervisor")
    body = await _refused(await client.get(f"/api/v1/tasks?{query}"))
    assert field in body["fields"], body


async def test_a_filter_on_a_page_out_of_range_is_refused_by_name(signed_in: Any) -> None:
    client, _user, _csrf = await signed_in("admin")
    response = await client.get("/clients?owner=99999999999999999999")
    assert response.status == 422
    assert "too large" in await response.text()
    response = await client.get("/reports/calls?since=0001-01-01&until=2026-01-01")
    assert response.status == 422
    assert "between 1900 and 2200" in await response.text()


@pytest.mark.parametrize(
    "change,field",
    [
        ({"client_id": 2**31}, "client_id"),
        ({"assignee_id": 10**30}, "assignee_id"),
        ({"order": {"id": 2**63}}, "order_id"),
        ({"title": "Call\x00back"}, "title"),
        ({"notes": ["a", {"deeper": "x\x00"}]}, "notes.1.deeper"),
        ({"due_at": "9999-12-31T23:00:00+00:00"}, "due_at"),
        ({"due_at": "1999-12-31T23:00:00+00:00"}, "due_at"),
        ({"due_at": "0001-01-01"}, "due_at"),
    ],
)
async def test_a_task_body_out_of_range_is_refused_by_name(
    api_as: Any, db_session: Any, change: dict[str, Any], field: str
) -> None:
    client, me = await api_as("admin")
    task = await add_task(db_session, assignee_id=me.id, due_at=datetime.now(UTC) + timedelta(1))
    body = await _refused(await client.post("/api/v1/tasks", json=TASK | change))
    assert field in body["fields"], body
    body = await _refused(await client.patch(f"/api/v1/tasks/{task.id}", json=change))
    assert field in body["fields"], body


async def test_a_task_due_in_9999_set_by_patch_never_reaches_the_database(
    api_as: Any, db_session: Any
) -> None:
    client, me = await api_as("admin")
    task = await add_task(db_session, assignee_id=me.id)
    response = await client.patch(f"/api/v1/tasks/{task.id}", json={"due_at": "9999-12-31"})
    body = await _refused(response)
    assert body["fields"] == {"due_at": "A date between 2000 and 2100"}
    await db_session.refresh(task)
    assert task.due_at.year < 2100


@pytest.mark.parametrize(
    "raw,field,message",
    [
        (b'{"amount": ' + b"1" + b"0" * 70 + b"}", "amount", "The number is too large"),
        (b'{"amount": "1' + b"0" * 70 + b'"}', "amount", "The number is too large"),
        (b'{"amount": NaN}', "amount", "Not a number"),
        (b'{"amount": Infinity}', "amount", "Not a number"),
        (b'{"amount": 1e400}', "amount", "An amount like 1 500,00"),  # a Decimal, not 1.0
        (b'{"amount": "100", "note": "paid\\u0000"}', "note", "The text contains a NUL character"),
    ],
)
async def test_a_payment_of_absurd_size_is_refused_by_name(
    api_as: Any, settings: Settings, database_url: str, raw: bytes, field: str, message: str
) -> None:
    client, me = await api_as("admin")
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        from callcenter.users.service import get_user

        await seed(session, await get_user(session, me.id), settings)
    await engine.dispose()
    headers = {"Content-Type": "application/json"}
    response = await client.post("/api/v1/invoices/1/payments", data=raw, headers=headers)
    body = await _refused(response)
    assert body["fields"] == {field: message}, body


@pytest.mark.parametrize(
    "raw,status,error",
    [
        (b"[" * 100_000 + b"]" * 100_000, 400, "json_too_deep"),
        (b'{"a":' * 100 + b"1" + b"}" * 100, 400, "json_too_deep"),
        (b"[1, 2]", 400, "bad_request"),
        (b"1" * 5000, 422, "value_out_of_range"),
        (b"\xff\xfe{}", 400, "bad_request"),
    ],
)
async def test_json_too_deep_or_not_an_object_is_a_clear_refusal(
    api_as: Any, raw: bytes, status: int, error: str
) -> None:
    client, _me = await api_as("admin")
    for path in ("/api/v1/tasks", "/api/v1/clients", "/api/v1/orders", "/api/v1/invoices"):
        headers = {"Content-Type": "application/json"}
        body = await _refused(await client.post(path, data=raw, headers=headers), status)
        assert body["error"] == error, (path, body)


async def test_nul_in_a_query_string_is_refused_by_name(api_as: Any) -> None:
    client, _me = await api_as("admin")
    body = await _refused(await client.get("/api/v1/clients", params={"q": "Ann\x00"}))
    assert body["fields"] == {"q": "The text contains a NUL character"}


async def test_nul_in_a_form_is_refused_by_name_and_nothing_is_saved(
    signed_in: Any, db_session: Any
) -> None:
    client, _user, csrf = await signed_in("admin")
    form = {"kind": "person", "name": "Anna\x00", "csrf_token": csrf}
    response = await client.post("/clients/new", data=form)
    assert response.status == 422
    assert "NUL" in await response.text()
    assert await db_session.scalar(text("SELECT count(*) FROM clients")) == 0


async def test_a_task_form_due_in_9999_is_shown_again_with_what_was_typed(
    signed_in: Any,
) -> None:
    client, user, csrf = await signed_in("admin")
    form = {"kind": "call", "title": "Ring Anna", "due_at": "9999-12-31T10:00",
            "assignee_id": str(user.id), "csrf_token": csrf}  # fmt: skip
    response = await client.post("/tasks/new", data=form)
    page = await response.text()
    assert response.status == 422
    assert "A date between 2000 and 2100" in page
    assert 'value="Ring Anna"' in page


async def test_the_database_refusing_a_value_is_a_422_without_sql_or_trace(
    aiohttp_client: Any, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The last line of defence: a value no parser caught, refused by PostgreSQL itself."""
    engine = make_engine(database_url)

    async def leaky(request: web.Request) -> web.Response:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT CAST(:n AS integer)"), {"n": 2**40})
        return web.Response(text="never")

    app = web.Application(middlewares=[error_middleware, bad_input_middleware])
    app.router.add_get("/api/v1/leaky", leaky)
    client = await aiohttp_client(app)
    with caplog.at_level(logging.WARNING, logger="web.bad_input"):
        response = await client.get("/api/v1/leaky")
    text_ = await response.text()
    await engine.dispose()
    assert response.status == 422
    assert "SELECT" not in text_ and "Traceback" not in text_ and "asyncpg" not in text_
    assert any("/api/v1/leaky" in r.getMessage() for r in caplog.records)
