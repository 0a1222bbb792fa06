"""Attributing a client to a partner by code everywhere but the card: the order form, the
client and order APIs, an import's column. The first attribution wins (by the database, even
when requests race); a different code is refused on a form or kept and audited."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.audit.models import AuditEntry
from callcenter.clients.models import Client
from callcenter.db import make_engine, make_sessionmaker
from callcenter.imports.client_partners import PartnerCodes, clean_partner_code
from callcenter.orders.models import Order
from callcenter.orders.statuses import seed_default_pipeline
from callcenter.partners.attribution import Outcome, attribute_if_new, partner_codes_of
from callcenter.partners.models import ClientAttribution, Partner
from callcenter.users.service import get_user
from tests.conftest import sign_in
from tests.imports.support import csv_bytes, run_file
from tests.partners.support import client_of, make_chain, person


@pytest.fixture
async def world(db_session: Any, make_user: Any) -> dict[str, Any]:
    admin = await make_user("admin", language="en")
    chain = await make_chain(db_session, await get_user(db_session, admin.id))
    await seed_default_pipeline(db_session)
    await db_session.commit()
    return {"chain": chain, "admin": admin}


async def _codes(db_session: Any, *client_ids: int) -> dict[int, str]:
    db_session.expire_all()
    return await partner_codes_of(db_session, client_ids)


async def _audit(db_session: Any, client_id: int) -> list[tuple[str, dict]]:
    rows = await db_session.execute(
        select(AuditEntry.action, AuditEntry.changes)
        .where(AuditEntry.entity == "client", AuditEntry.entity_id == client_id)
        .where(AuditEntry.action.in_(("attributed", "attribution_kept")))
        .order_by(AuditEntry.id)
    )
    return [(a, c) for a, c in rows.all()]


async def test_racing_attributions_of_one_client_keep_exactly_the_first(
    world: dict[str, Any], db_session: Any, database_url: str
) -> None:
    """Eight requests offer the same new client to two partners at once: one row, one
    "attributed", and every other offer of the other partner audited as kept."""
    client_id = (await person(db_session, "Racing client")).id
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)

    async def offer(code: str) -> Outcome:
        async with sessionmaker.begin() as session:
            partner = await session.scalar(select(Partner).where(Partner.code == code))
            return await attribute_if_new(
                session, client_id=client_id, partner=partner, actor=None, source="link"
            )

    outcomes = await asyncio.gather(*(offer(c) for c in ["BBBB", "CCCC"] * 4))
    await engine.dispose()
    assert outcomes.count(Outcome.ATTRIBUTED) == 1
    winner = (await _codes(db_session, client_id))[client_id]
    loser = "CCCC" if winner == "BBBB" else "BBBB"
    assert outcomes.count(Outcome.SAME) == 3 and outcomes.count(Outcome.KEPT) == 4
    audit = await _audit(db_session, client_id)
    assert [a for a, _ in audit].count("attributed") == 1
    kept = [c for a, c in audit if a == "attribution_kept"]
    assert len(kept) == 4 and all(c["offered"] == [None, loser] for c in kept)
    assert all(c["partner"] == [None, winner] for c in kept)


def _order_form(csrf: str, client_id: int, code: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "client_id": str(client_id),
        "line_description": "Монтаж",
        "line_quantity": "1",
        "line_price": "1000",
        "partner_code": code,
    }


async def _orders(db_session: Any) -> int:
    db_session.expire_all()
    return int(await db_session.scalar(select(func.count()).select_from(Order)))


async def test_the_order_form_attributes_a_new_client_and_refuses_another_partners_code(
    client: Any, world: dict[str, Any], db_session: Any
) -> None:
    csrf = await sign_in(client, world["admin"])
    buyer = await person(db_session, "Order buyer")
    buyer_id = buyer.id
    page = await (await client.get(f"/orders/new?client={buyer_id}")).text()
    assert 'name="partner_code" value=""' in page
    done = await client.post(
        "/orders/new", data=_order_form(csrf, buyer_id, " dddd "), allow_redirects=False
    )
    assert done.status == 302
    assert await _codes(db_session, buyer_id) == {buyer_id: "DDDD"}
    row = await db_session.get(ClientAttribution, buyer_id)
    assert row.source == "order" and row.by_id == world["admin"].id
    page = await (await client.get(f"/orders/new?client={buyer_id}")).text()
    assert 'name="partner_code" value="DDDD"' in page and "came through partner DDDD" in page

    before = await _orders(db_session)
    for code, error in (
        ("BBBB", "already came through another partner"),
        ("NOPE1", "No partner has this code"),
        ("x" * 500, "No partner has this code"),
    ):
        refused = await client.post("/orders/new", data=_order_form(csrf, buyer_id, code))
        text = await refused.text()
        assert refused.status == 422 and error in text, code
        assert 'value="Монтаж"' in text  # what was typed stays
    assert await _orders(db_session) == before  # nothing half-done: no order without it
    assert await _codes(db_session, buyer_id) == {buyer_id: "DDDD"}
    again = await client.post("/orders/new", data=_order_form(csrf, buyer_id, "DDDD"))
    assert again.status == 200 and await _orders(db_session) == before + 1


async def test_a_suspended_partners_code_is_refused_everywhere(
    client: Any, world: dict[str, Any], db_session: Any, api_as: Any
) -> None:
    chain = world["chain"]
    partner = await db_session.get(Partner, chain.b.id)
    partner.status = "suspended"
    await db_session.commit()
    api, _admin = await api_as("admin")
    buyer = await person(db_session, "Suspended's buyer")
    buyer_id = buyer.id
    body = {"client_id": buyer_id, "lines": [{"description": "X", "quantity": "1", "price": "5"}]}
    made = await api.post("/api/v1/orders", json=body | {"partner_code": "BBBB"})
    assert made.status == 422
    assert (await made.json())["fields"]["partner_code"] == "This partner is suspended"
    assert await _codes(db_session, buyer_id) == {}


async def test_the_client_api_reads_and_sets_the_partner_code_as_the_card_does(
    world: dict[str, Any], db_session: Any, api_as: Any
) -> None:
    api, _admin = await api_as("admin")
    made = await api.post(
        "/api/v1/clients",
        json={"kind": "person", "name": "API client", "phones": ["+7 903 111-22-33"]}
        | {"partner_code": "cccc"},
    )
    assert made.status == 201, await made.text()
    body = await made.json()
    assert body["partner_code"] == "CCCC"
    client_id = body["id"]
    got = await (await api.get(f"/api/v1/clients/{client_id}")).json()
    assert got["partner_code"] == "CCCC"
    listing = await (await api.get("/api/v1/clients?q=API")).json()
    assert [c["partner_code"] for c in listing["items"]] == ["CCCC"]

    changed = await api.patch(f"/api/v1/clients/{client_id}", json={"partner_code": "DDDD"})
    assert changed.status == 200 and (await changed.json())["partner_code"] == "DDDD"
    untouched = await api.patch(f"/api/v1/clients/{client_id}", json={"notes": "n"})
    assert (await untouched.json())["partner_code"] == "DDDD"
    removed = await api.patch(f"/api/v1/clients/{client_id}", json={"partner_code": ""})
    assert (await removed.json())["partner_code"] is None
    actions = [a for a, _ in await _audit(db_session, client_id)]
    assert actions == ["attributed", "attributed", "attributed"]

    for bad in (5, ["CCCC"], {"a": 1}, True):
        response = await api.patch(f"/api/v1/clients/{client_id}", json={"partner_code": bad})
        assert response.status == 400, bad
    unknown = await api.post(
        "/api/v1/clients", json={"kind": "person", "name": "Never made", "partner_code": "ZZZZ9"}
    )
    assert unknown.status == 422
    assert not await db_session.scalar(select(Client.id).where(Client.name == "Never made"))


async def test_the_order_api_attributes_the_orders_client_once(
    world: dict[str, Any], db_session: Any, api_as: Any
) -> None:
    api, _admin = await api_as("admin")
    buyer = await person(db_session, "API buyer")
    buyer_id = buyer.id
    body = {"client_id": buyer_id, "lines": [{"description": "X", "quantity": "1", "price": "5"}]}
    plain = await api.post("/api/v1/orders", json=body)
    assert (await plain.json())["partner_code"] is None
    made = await api.post("/api/v1/orders", json=body | {"partner_code": "BBBB"})
    assert made.status == 201 and (await made.json())["partner_code"] == "BBBB"
    order_id = (await made.json())["id"]
    assert (await (await api.get(f"/api/v1/orders/{order_id}")).json())["partner_code"] == "BBBB"
    listing = await (await api.get(f"/api/v1/orders?client={buyer_id}")).json()
    assert {o["partner_code"] for o in listing["items"]} == {"BBBB"}
    other = await api.patch(f"/api/v1/orders/{order_id}", json={"partner_code": "CCCC"})
    assert other.status == 422 and "partner_code" in (await other.json())["fields"]
    assert await _codes(db_session, buyer_id) == {buyer_id: "BBBB"}


async def test_a_manager_may_attribute_but_an_operator_may_not(
    world: dict[str, Any], db_session: Any, api_as: Any
) -> None:
    api, _operator = await api_as("operator")
    buyer = await person(db_session, "Operator's buyer")
    buyer_id = buyer.id
    response = await api.patch(
        f"/api/v1/clients/{buyer_id}", json={"partner_code": "BBBB", "allow_duplicates": True}
    )
    assert response.status == 403
    assert await _codes(db_session, buyer_id) == {}


HEAD = ["ФИО", "Телефон", "Код партнёра"]


async def test_an_import_column_attributes_new_and_matched_clients_first_one_winning(
    world: dict[str, Any], db_session: Any, database_url: str
) -> None:
    chain = world["chain"]
    known = await client_of(db_session, chain, chain.b, "Already B's")
    await db_session.refresh(known, ["phones"])
    known.phones[0].number, known.phones[0].e164 = "+7 903 999-99-99", "+79039999999"
    await db_session.commit()
    known_id, known_phone = known.id, "8 903 999 99 99"
    rows = [
        HEAD,
        ["Новый Один", "+7 903 000-00-01", "dddd"],
        ["Новый Два", "+7 903 000-00-02", ""],
        ["Новый Один", "+7 903 000-00-01", "CCCC"],  # the same client again: the first wins
        ["Already B's", known_phone, "CCCC"],  # another partner's: kept, audited
    ]
    job = await run_file(database_url, world["admin"], csv_bytes(rows), policy={"phone": "update"})
    assert job.state == "done", job.bad_rows
    one = await db_session.scalar(select(Client.id).where(Client.name == "Новый Один"))
    two = await db_session.scalar(select(Client.id).where(Client.name == "Новый Два"))
    assert await _codes(db_session, one, two, known_id) == {one: "DDDD", known_id: "BBBB"}
    assert (await db_session.get(ClientAttribution, one)).source == "import"
    audit = await _audit(db_session, known_id)
    assert audit[-1][0] == "attribution_kept"
    assert audit[-1][1]["offered"] == [None, "CCCC"] and audit[-1][1]["import"][1] == job.id
    assert [a for a, _ in await _audit(db_session, one)] == ["attributed"]


async def test_an_unknown_or_suspended_code_in_an_import_is_a_bad_row_and_nothing_is_written(
    world: dict[str, Any], db_session: Any, database_url: str
) -> None:
    chain = world["chain"]
    partner = await db_session.get(Partner, chain.a.id)
    partner.status = "suspended"
    await db_session.commit()
    rows = [
        HEAD,
        ["Хороший", "+7 903 000-00-01", "BBBB"],
        ["Неизвестный", "+7 903 000-00-02", "NOPE1"],
        ["Приостановлен", "+7 903 000-00-03", "AAAA"],
        ["Мусор", "+7 903 000-00-04", "'; DROP TABLE partners; --" * 3],
    ]
    job = await run_file(database_url, world["admin"], csv_bytes(rows))
    assert job.state == "failed"
    assert [(b["line"], b["errors"]) for b in job.bad_rows] == [
        (3, {"Код партнёра": "No partner has this code"}),
        (4, {"Код партнёра": "This partner is suspended"}),
        (5, {"Код партнёра": "No partner has this code"}),
    ]
    db_session.expire_all()
    assert not await db_session.scalar(select(Client.id).where(Client.name == "Хороший"))
    assert await db_session.scalar(select(func.count()).select_from(ClientAttribution)) == 0


def test_an_importer_who_may_not_attribute_gets_the_code_as_a_bad_cell() -> None:
    errors: dict[str, str] = {}
    assert clean_partner_code("BBBB", PartnerCodes(None), errors) is None
    assert errors == {"partner_code": "You may not attribute clients to partners"}
    errors.clear()
    assert clean_partner_code("  ", PartnerCodes(None), errors) is None and errors == {}
    assert clean_partner_code(" bbbb ", PartnerCodes({"BBBB": (7, True)}), errors) == 7
