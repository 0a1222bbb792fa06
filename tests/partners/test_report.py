"""The partner sales report against hand-computed figures: a three-level chain, this period
and the one before it, a cancelled and a refunded order counted nowhere, the partner role
refused, both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import update

from callcenter.invoices.service import issue_invoice, record_payment, remove_payment
from callcenter.orders.input import LineInput
from callcenter.orders.moves import change_status
from callcenter.partners.models import Partner
from callcenter.partners.plans import PlanInput, save_plan
from callcenter.partners.report import previous_period
from callcenter.partners.service import PartnerInput, create_partner
from callcenter.reports.filters import parse_filters
from callcenter.users.service import get_user
from tests.conftest import sign_in
from tests.invoices.support import add_order, set_up_company
from tests.partners.support import client_of, person

MARCH = "since=2026-03-01&until=2026-03-31"  # 31 days: the period before is 29 Jan - 28 Feb


class Admin:
    def __init__(self, admin: Any) -> None:
        self.admin = admin


async def _paid(
    session: Any, who: Admin, client: Any, settings: Any, price: str, day: date
) -> tuple[Any, Any]:
    """An order of one line (22 % VAT included) invoiced and paid in full on ``day``."""
    lines = [LineInput(description="Service", quantity="1", price=price)]
    order = await add_order(session, who.admin, client, settings, lines)
    invoice = await issue_invoice(
        session, client_id=client.id, lines=None, by=who.admin, order_id=order.id, issued_on=day
    )
    invoice = await record_payment(
        session, invoice_id=invoice.id, amount=invoice.total, paid_on=day, by=who.admin
    )
    await session.commit()
    return order, invoice


@pytest.fixture
async def world(db_session: Any, make_user: Any, settings: Any) -> dict[str, Any]:
    """A <- B <- C on one plan, 10 / 5 / 2 %. Sales (12 200,00 with 22 % VAT is 10 000,00):
    this period (March): C's client 10 000,00 on 10 March; B's client 5 000,00 on 12 March;
      C's client 5 000,00 on 15 March, then cancelled; C's client 5 000,00 on 20 March,
      then its payment taken back; A's client 5 000,00 on 1 April (after the period).
    the period before (29 January - 28 February): C's client 10 000,00 on 10 February; A's
      client 2 500,00 on 29 January (in it, though not in February); A's client 2 500,00 on
      28 January (before it).
    Joined: A on 15 January, B on 20 February, C at 00:30 on 1 March in Moscow (21:30 UTC
    the day before)."""
    user = await make_user("admin", language="en")
    who = Admin(await get_user(db_session, user.id))
    await set_up_company(db_session, who.admin)
    plan = await save_plan(
        db_session, data=PlanInput(name="Simple", rates="10; 5; 2"), actor=who.admin
    )
    partners, sponsor = {}, ""
    for code in ("AAAA", "BBBB", "CCCC"):
        holder = await person(db_session, f"Partner {code}")
        partners[code] = await create_partner(
            db_session,
            data=PartnerInput(client_id=holder.id, code=code, plan_id=plan.id, sponsor=sponsor),
            actor=who.admin,
        )
        sponsor = code
    for code, at in (
        ("AAAA", datetime(2026, 1, 15, 9, 0, tzinfo=UTC)),
        ("BBBB", datetime(2026, 2, 20, 9, 0, tzinfo=UTC)),
        ("CCCC", datetime(2026, 2, 28, 21, 30, tzinfo=UTC)),
    ):
        await db_session.execute(update(Partner).where(Partner.code == code).values(created_at=at))
    await db_session.commit()
    c_client = await client_of(db_session, who, partners["CCCC"], "C's client")
    b_client = await client_of(db_session, who, partners["BBBB"], "B's client")
    a_client = await client_of(db_session, who, partners["AAAA"], "A's client")
    await _paid(db_session, who, c_client, settings, "12200", date(2026, 3, 10))
    await _paid(db_session, who, b_client, settings, "6100", date(2026, 3, 12))
    cancelled, _ = await _paid(db_session, who, c_client, settings, "6100", date(2026, 3, 15))
    await change_status(
        db_session,
        order_id=cancelled.id,
        status="cancelled",
        reason="Changed mind",
        actor=who.admin,
        settings=settings,
    )
    _, refunded = await _paid(db_session, who, c_client, settings, "6100", date(2026, 3, 20))
    await remove_payment(
        db_session, invoice_id=refunded.id, payment_id=refunded.payments[0].id, by=who.admin
    )
    await db_session.commit()
    await _paid(db_session, who, a_client, settings, "6100", date(2026, 4, 1))
    await _paid(db_session, who, c_client, settings, "12200", date(2026, 2, 10))
    await _paid(db_session, who, a_client, settings, "3050", date(2026, 1, 29))
    await _paid(db_session, who, a_client, settings, "3050", date(2026, 1, 28))
    return {"admin": user, "partners": partners}


async def test_the_report_gives_the_hand_computed_figures_of_both_periods(
    world: dict[str, Any], api_as: Any
) -> None:
    client, _ = await api_as("manager", language="en")
    response = await client.get(f"/api/v1/reports/partners?{MARCH}")
    assert response.status == 200, await response.text()
    body = await response.json()
    # March: 10 000 (C) + 5 000 (B); the cancelled and the refunded orders count nowhere
    assert body["current"] == {
        "first_day": "2026-03-01",
        "last_day": "2026-03-31",
        "orders": 2,
        "sales": "15000.00",
        # C's sale: C 1 000, B 500, A 200; B's sale: B 500, A 250
        "commissions": "2450.00",
        "new_partners": 1,  # C, at 00:30 Moscow time on 1 March
        "selling_partners": 2,
    }
    assert body["previous"] == {
        "first_day": "2026-01-29",
        "last_day": "2026-02-28",
        "orders": 2,  # C's 10 February and A's 29 January, not A's 28 January
        "sales": "12500.00",
        "commissions": "1950.00",  # C 1 000, B 500, A 200; A 250
        "new_partners": 1,  # B
        "selling_partners": 2,
    }
    assert body["top"] == [
        {
            "partner": "Partner CCCC",
            "code": "CCCC",
            "orders": 1,
            "sales": "10000.00",
            "share": 66.7,
            "formula": "10000.00 = 10000.00; 10000.00 / 15000.00 × 100 = 66.7 %",
        },
        {
            "partner": "Partner BBBB",
            "code": "BBBB",
            "orders": 1,
            "sales": "5000.00",
            "share": 33.3,
            "formula": "5000.00 = 5000.00; 5000.00 / 15000.00 × 100 = 33.3 %",
        },
    ]
    assert [
        (row["level"], row["partners"], row["lines"], row["base"], row["earned"], row["share"])
        for row in body["levels"]
    ] == [
        (1, 2, 2, "15000.00", "1500.00", 10.0),
        (2, 2, 2, "15000.00", "750.00", 5.0),
        (3, 1, 1, "10000.00", "200.00", 1.3),
    ]
    assert body["levels"][1]["formula"] == (
        "15000.00 × 5 % → 750.00 = 750.00; 750.00 / 15000.00 × 100 = 5.0 %"
    )
    assert body["new"] == [
        {"partner": "Partner CCCC", "code": "CCCC", "sponsor": "BBBB", "joined": "2026-03-01"}
    ]
    assert [(row["measure"], row["change"], row["formula"]) for row in body["change"]] == [
        ("Paid orders", 0.0, "(2 − 2) / 2 × 100 = 0.0 %"),
        ("Sales without VAT", 20.0, "(15000.00 − 12500.00) / 12500.00 × 100 = 20.0 %"),
        ("Commissions", 25.6, "(2450.00 − 1950.00) / 1950.00 × 100 = 25.6 %"),
        ("New partners", 0.0, "(1 − 1) / 1 × 100 = 0.0 %"),
        ("Partners with sales", 0.0, "(2 − 2) / 2 × 100 = 0.0 %"),
    ]


async def test_a_top_partners_many_orders_are_written_out_up_to_five(
    world: dict[str, Any], api_as: Any, db_session: Any, settings: Any
) -> None:
    admin = Admin(await get_user(db_session, world["admin"].id))
    buyer = await client_of(db_session, admin, world["partners"]["BBBB"], "B's other client")
    for day in range(1, 7):  # six more sales of 2 500,00 for B in March
        await _paid(db_session, admin, buyer, settings, "3050", date(2026, 3, day))
    client, _ = await api_as("supervisor", language="en")
    body = await (await client.get(f"/api/v1/reports/partners?{MARCH}")).json()
    top = body["top"][0]
    assert (top["code"], top["orders"], top["sales"]) == ("BBBB", 7, "20000.00")
    # paid on 1 to 5 March first; the 12 March sale and the sixth are in the "…"
    assert top["formula"] == (
        "2500.00 + 2500.00 + 2500.00 + 2500.00 + 2500.00 + … (7) = 20000.00; "
        "20000.00 / 30000.00 × 100 = 66.7 %"
    )


async def test_a_period_with_nothing_before_it_shows_dashes(
    world: dict[str, Any], api_as: Any
) -> None:
    client, _ = await api_as("admin", language="en")
    body = await (
        await client.get("/api/v1/reports/partners?since=2026-01-28&until=2026-01-28")
    ).json()
    assert body["previous"]["first_day"] == body["previous"]["last_day"] == "2026-01-27"
    assert (body["current"]["sales"], body["previous"]["sales"]) == ("2500.00", "0.00")
    sales = next(row for row in body["change"] if row["measure"] == "Sales without VAT")
    assert sales["change"] is None and sales["formula"] == "(2500.00 − 0.00) / 0.00: —"
    empty = await (
        await client.get("/api/v1/reports/partners?since=2031-05-01&until=2031-05-31")
    ).json()
    assert empty["top"] == empty["levels"] == empty["new"] == []


@pytest.mark.parametrize(
    ("since", "until", "first", "last"),
    [
        ("2024-03-01", "2024-03-31", date(2024, 1, 30), date(2024, 2, 29)),  # a leap February
        ("2026-03-10", "2026-03-10", date(2026, 3, 9), date(2026, 3, 9)),
        ("2026-01-01", "2026-12-31", date(2025, 1, 1), date(2025, 12, 31)),
        ("2026-03-29", "2026-04-04", date(2026, 3, 22), date(2026, 3, 28)),
    ],
)
def test_the_previous_period_is_as_long_and_ends_the_day_before(
    since: str, until: str, first: date, last: date
) -> None:
    filters = parse_filters(
        {"since": since, "until": until},
        timezone="Europe/Moscow",
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )
    got_first, got_last, got_since, got_until = previous_period(filters)
    assert (got_first, got_last) == (first, last)
    assert got_since.date() == first and got_until == filters.since
    assert got_since.utcoffset() == filters.since.utcoffset()


async def test_the_partner_role_and_operators_are_refused_the_report(
    world: dict[str, Any], make_user: Any, client: Any, db_session: Any
) -> None:
    partner_user = await make_user("partner", language="en")
    await db_session.execute(
        update(Partner).where(Partner.code == "CCCC").values(user_id=partner_user.id)
    )
    await db_session.commit()
    for role_user in (partner_user, await make_user("operator", language="en")):
        await sign_in(client, role_user)
        for path in (
            f"/reports/partners?{MARCH}",
            f"/api/v1/reports/partners?{MARCH}",
            f"/api/v1/reports/partners/export?{MARCH}&table=top&format=csv",
        ):
            response = await client.get(path, allow_redirects=False)
            assert response.status == 403, (role_user.role, path, response.status)
            assert "Partner BBBB" not in await response.text()
        client.session.cookie_jar.clear()


async def test_the_page_shows_the_figures_and_arithmetic_in_either_language(
    world: dict[str, Any], make_user: Any, client: Any
) -> None:
    for language, title, label in (
        ("ru", "Продажи партнёров", "Продажи по уровням"),
        ("en", "Partner sales", "Sales by level"),
    ):
        client.session.cookie_jar.clear()
        await sign_in(client, await make_user("manager", language=language))
        index = await (await client.get("/reports")).text()
        assert "/reports/partners" in index and title in index
        response = await client.get(f"/reports/partners?{MARCH}")
        page = await response.text()
        assert response.status == 200 and title in page and label in page
        assert "10000.00 / 15000.00 × 100 = 66.7 %" in page
        assert "(2450.00 − 1950.00) / 1950.00 × 100 = 25.6 %" in page


async def test_garbage_filters_are_refused_by_name(world: dict[str, Any], api_as: Any) -> None:
    client, _ = await api_as("admin", language="en")
    for query, field in (
        ("manager=3", "manager"),
        ("since=2026-02-30", "since"),
        ("since=2026-03-10&until=2026-03-01", "until"),
        ("period=forever", "period"),
        ("since=1500-01-01", "since"),
    ):
        response = await client.get(f"/api/v1/reports/partners?{query}")
        assert response.status == 422, query
        assert field in (await response.json())["fields"], query
    export = await client.get(f"/api/v1/reports/partners/export?{MARCH}&table=levels&format=csv")
    assert export.status == 200
    assert "15000.00 × 10 % → 1500.00" in (await export.read()).decode("utf-8-sig")
