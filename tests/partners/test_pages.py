"""Partner pages and API: the partner role sees only their own (a walk of every GET route),
staff see and manage everything, both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import web

from callcenter.db import make_engine, make_sessionmaker
from callcenter.partners.service import PartnerInput, update_partner
from callcenter.users.service import get_user
from callcenter.users.tokens import create_token
from tests.conftest import sign_in
from tests.partners.support import client_of, make_chain, paid_order

FOREIGN = (
    "Partner AAAA",
    "Partner BBBB",
    "B's client",
    "D's client",
    "123-45-67",
    "vector.example",
)


@pytest.fixture
async def world(db_session: Any, make_user: Any, settings: Any) -> dict[str, Any]:
    """The chain A <- B <- C <- D; C signs in as a partner; B, C and D each have a paying
    client; C's own client is "C's client"."""
    admin = await make_user("admin", language="en")
    chain = await make_chain(db_session, await get_user(db_session, admin.id))
    for partner, name in (
        (chain.b, "B's client"),
        (chain.c, "C's client"),
        (chain.d, "D's client"),
    ):
        await paid_order(
            db_session, chain, await client_of(db_session, chain, partner, name), settings
        )
    ids = {n: p.id for n, p in zip("abcd", (chain.a, chain.b, chain.c, chain.d), strict=True)}
    c_plan = chain.c.plan_id
    return {"chain": chain, "ids": ids, "admin": admin, "c_plan": c_plan}


async def _as_partner_c(
    world: dict[str, Any], make_user: Any, db_session: Any, **fields: Any
) -> Any:
    user = await make_user("partner", **fields)
    chain = world["chain"]
    await update_partner(
        db_session,
        partner_id=world["ids"]["c"],
        data=PartnerInput(code="CCCC", plan_id=world["c_plan"], sponsor="BBBB", user_id=user.id),
        actor=await get_user(db_session, chain.admin.id),
    )
    await db_session.commit()
    return user


async def test_a_partner_lands_on_their_card_with_their_downline_and_own_clients_only(
    client: Any, world: dict[str, Any], make_user: Any, db_session: Any
) -> None:
    user = await _as_partner_c(world, make_user, db_session)
    await sign_in(client, user)
    home = await client.get("/", allow_redirects=True)
    assert home.status == 200 and str(home.url.path) == f"/partners/{world['ids']['c']}"
    page = await home.text()
    assert "DDDD" in page and "C&#39;s client" in page and "/r/CCCC" in page
    assert not [s for s in ("D&#39;s client", "B&#39;s client", "123-45-67") if s in page]
    below = await client.get(f"/partners/{world['ids']['d']}")
    assert below.status == 200 and "D&#39;s client" not in await below.text()
    for name in "ab":
        assert (await client.get(f"/partners/{world['ids'][name]}")).status == 403
    assert (await client.get(f"/partners/{world['ids']['c']}/statements")).status == 200
    assert (await client.get(f"/partners/{world['ids']['d']}/statements")).status == 403


async def test_every_get_route_walked_by_a_partner_shows_nothing_of_others(
    client: Any, app: web.Application, world: dict[str, Any], make_user: Any, db_session: Any
) -> None:
    """Every GET route of the app, each id set to every id there is (so it names others'
    partners, clients, orders, invoices): what answers 200 shows none of another partner's
    or their clients' names or contacts."""
    user = await _as_partner_c(world, make_user, db_session)
    await sign_in(client, user)
    shown: list[str] = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method != "GET" or path.startswith("/static") or path == "/ws/live":
            continue
        for some_id in range(1, 13):
            filled = re.sub(r"\{id[^}]*\}", str(some_id), path)
            filled = re.sub(r"\{[a-z]+[^}]*\}", "x", filled)
            response = await client.get(filled, allow_redirects=False)
            assert response.status < 500, filled
            text = await response.text(errors="replace")
            if response.status == 200:
                shown += [f"{filled}: {s}" for s in FOREIGN if s.replace("'", "&#39;") in text]
            if "{" not in path:
                break
    assert not shown


async def test_the_api_gives_a_partner_their_downline_and_own_statements_only(
    client: Any, world: dict[str, Any], make_user: Any, db_session: Any, database_url: str
) -> None:
    user = await _as_partner_c(world, make_user, db_session)
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        token = await create_token(session, user=await get_user(session, user.id))
    await engine.dispose()
    client.session.headers["Authorization"] = f"Bearer {token}"
    ids = world["ids"]
    listing = await (await client.get("/api/v1/partners")).json()
    assert sorted(p["code"] for p in listing["items"]) == ["CCCC", "DDDD"]
    tree = await (await client.get(f"/api/v1/partners/{ids['c']}/downline?month=2026-03")).json()
    assert tree["levels"] == [{"level": 1, "partners": 1}]
    assert tree["own_sales"] == "10000.00" and tree["branches"][0]["sales"] == "10000.00"
    march = await (await client.get(f"/api/v1/partners/{ids['c']}/statements?month=2026-03")).json()
    # C earns 8 % on its own client (margin plan, no cost: 10 000,00) and 5 % on D's client
    assert (march["accrued"], march["held"]) == ("1300.00", "1300.00")
    assert {line["arithmetic"] for line in march["lines"]} == {
        "10000.00 × 8 % = 800.00",
        "10000.00 × 5 % = 500.00",
    }
    for path in (
        f"/api/v1/partners/{ids['b']}",
        f"/api/v1/partners/{ids['b']}/downline",
        f"/api/v1/partners/{ids['d']}/statements",
        "/api/v1/commission-plans",
        "/api/v1/clients",
        "/api/v1/orders",
    ):
        assert (await client.get(path)).status == 403, path
    refused = await client.post(f"/api/v1/partners/{ids['c']}/payouts", json={"month": "2026-03"})
    assert refused.status == 403


@pytest.mark.parametrize(
    "language,words",
    [
        ("en", ("Downline", "Statements", "Referral link")),
        ("ru", ("Структура", "Выписки", "Реферальная ссылка")),
    ],
)
async def test_the_partner_card_speaks_the_users_language(
    client: Any, world: dict[str, Any], make_user: Any, db_session: Any, language: str, words: tuple
) -> None:
    user = await _as_partner_c(world, make_user, db_session, language=language)
    await sign_in(client, user)
    page = await (await client.get(f"/partners/{world['ids']['c']}")).text()
    assert all(word in page for word in words), words


async def test_staff_attribute_a_client_on_its_card_and_the_change_is_in_its_history(
    client: Any, world: dict[str, Any], db_session: Any
) -> None:
    from tests.partners.support import person

    buyer = await person(db_session, "Walk-in buyer")
    await db_session.commit()
    csrf = await sign_in(client, world["admin"])
    for code in ("DDDD", "BBBB", "NOSUCH"):
        response = await client.post(
            f"/clients/{buyer.id}/partner",
            data={"partner_code": code, "csrf_token": csrf},
            allow_redirects=False,
        )
        assert response.status == (422 if code == "NOSUCH" else 302)
    card = await (await client.get(f"/clients/{buyer.id}")).text()
    assert 'href="/partners/' in card and "BBBB" in card and "DDDD" in card  # history: D -> B


async def test_staff_read_a_statement_export_it_and_record_a_payout(
    client: Any, world: dict[str, Any], settings: Any, db_session: Any
) -> None:
    from sqlalchemy import select

    from callcenter.orders.models import Order
    from callcenter.orders.moves import change_status

    chain, ids = world["chain"], world["ids"]
    admin = await get_user(db_session, chain.admin.id)
    for order_id in await db_session.scalars(select(Order.id)):
        for status in ("accepted", "in_production", "done", "shipped", "delivered"):
            await change_status(
                db_session, order_id=order_id, status=status, actor=admin, settings=settings
            )
    await db_session.commit()
    csrf = await sign_in(client, world["admin"])
    page = await client.get(f"/partners/{ids['d']}/statements?month=2026-03")
    assert page.status == 200 and "10000.00 × 10 % = 1000.00" in await page.text()
    xlsx = await client.get(f"/partners/{ids['d']}/statements.xlsx?month=2026-03")
    assert xlsx.status == 200 and (await xlsx.read())[:2] == b"PK"
    form = {"month": "2026-03", "paid_on": "2026-04-05", "request_key": "k1", "csrf_token": csrf}
    for _ in range(2):
        paid = await client.post(f"/partners/{ids['d']}/payouts", data=form, allow_redirects=False)
        assert paid.status == 302
    client.session.headers["Authorization"] = ""
    api = await client.get(f"/api/v1/partners/{ids['d']}/statements?month=2026-03")
    body = await api.json()
    assert (body["paid"], body["payable"], len(body["payouts"])) == ("1000.00", "0.00", 1)
