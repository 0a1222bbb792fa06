"""Money at the edge of its column: the largest figures the inputs allow are stored, one kopeck
(or one line, or VAT on top) past them is a 422 naming the field, and nothing is a 500.

Each money total worked out from what users type is driven here: an invoice's lines, VAT
and total (typed and from an order), an order's total with discounts, a payment, commission
lines and a partner's payout, a bonus split's figures and a channel's spend.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.bonuses.models import BonusShare, ManagerHour
from callcenter.clients.models import Channel, Client
from callcenter.invoices.models import Invoice
from callcenter.limits import column_max, fits_column
from callcenter.marketing.models import ChannelSpend
from callcenter.orders.input import LineInput as OrderLine
from callcenter.orders.moves import change_status
from callcenter.orders.statuses import seed_default_pipeline
from callcenter.partners.attribution import attribute_client
from callcenter.partners.exceptions import PartnerInvalid
from callcenter.partners.models import CommissionLine, Payout
from callcenter.partners.plans import PlanInput, save_plan
from callcenter.partners.service import PartnerInput, create_partner
from callcenter.partners.statements import record_payout
from tests.invoices.support import add_client, add_order, set_up_company
from tests.partners.support import paid_order, person

MAX = "999999999999.99"  # Numeric(14, 2): every money column a user's figure lands in
LARGEST_SUM = "9" * 38 + ".99"  # Numeric(40, 2): a sum of money (rollups, a share's revenue)
ISSUED = "2026-03-05"
DELIVERED = ("accepted", "in_production", "done", "shipped", "delivered")


def test_the_limit_is_read_off_the_column_and_a_value_rounding_past_it_does_not_fit() -> None:
    assert column_max(Invoice.total) == Decimal(MAX)
    assert column_max(BonusShare.revenue) == Decimal(LARGEST_SUM)
    assert fits_column(Decimal(MAX), Invoice.total)
    assert fits_column(-Decimal(MAX), Invoice.total)  # a reversal's negative line
    for past in ("999999999999.995", "1000000000000", "Infinity", "NaN", "1e40"):
        assert not fits_column(Decimal(past), Invoice.total), past


async def _invoicing(api_as: Any, db_session: Any, make_user: Any) -> tuple[Any, int]:
    await set_up_company(db_session, await make_user("admin"))
    client, _user = await api_as("admin")
    return client, (await add_client(db_session)).id


async def _issue(client: Any, buyer_id: int, lines: list[dict], **more: Any) -> tuple[int, dict]:
    body = {"client_id": buyer_id, "lines": lines, "issued_on": ISSUED, **more}
    response = await client.post("/api/v1/invoices", json=body)
    assert response.status in (201, 422), await response.text()
    return response.status, await response.json()


def _line(quantity: Any, price: Any, **more: Any) -> dict[str, Any]:
    return {"name": "Оборудование", "quantity": quantity, "price": price, **more}


@pytest.mark.parametrize(
    "lines,more,field",
    [
        ([_line(1, MAX)], {"vat_mode": "on_top"}, "lines"),  # VAT on top of the largest
        ([_line(2, MAX)], {}, "lines"),  # two of the largest price
        ([_line(1, MAX), _line(1, "0.01")], {}, "lines"),  # a kopeck past, in two lines
        ([_line("99999999999.999", MAX)], {}, "lines"),  # the largest quantity times it
        ([_line("100000000000", "0.01")], {}, "lines.0.quantity"),  # past Numeric(14, 3)
        ([_line("1", "1000000000000.00")], {}, "lines.0.price"),
        ([_line(1, "5000000000.00")] * 200, {"vat_mode": "on_top"}, "lines"),
    ],
)
async def test_an_invoice_past_what_its_columns_hold_is_refused_naming_the_field(
    api_as: Any, db_session: Any, make_user: Any, lines: list, more: dict, field: str
) -> None:
    client, buyer_id = await _invoicing(api_as, db_session, make_user)
    status, body = await _issue(client, buyer_id, lines, **more)
    assert (status, list(body["fields"])) == (422, [field]), body
    assert await db_session.scalar(select(Invoice.id)) is None


async def test_the_largest_invoice_each_vat_mode_allows_is_issued_and_paid_to_the_kopeck(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    client, buyer_id = await _invoicing(api_as, db_session, make_user)
    on_top = Decimal(MAX) * 100 / 122  # the largest lines whose total with 22 % fits
    largest = {
        "included": [_line(1, MAX)],
        "none": [_line(1, MAX, vat_rate="none")],
        "on_top": [_line(1, str(on_top.quantize(Decimal("0.01"), rounding="ROUND_DOWN")))],
    }
    for mode, lines in largest.items():
        more = {"vat_mode": mode, "vat_exempt_reason": "УСН"}
        status, invoice = await _issue(client, buyer_id, lines, **more)
        assert status == 201, invoice
        assert Decimal(invoice["total"]) >= Decimal("999999999999.00"), invoice
        paid = f"/api/v1/invoices/{invoice['id']}/payments"
        more_than_owed = str(Decimal(invoice["total"]) + Decimal("0.01"))
        for amount, expected in ((more_than_owed, 422), (invoice["total"], 201)):
            response = await client.post(paid, json={"amount": amount, "paid_on": ISSUED})
            assert response.status == expected, await response.text()
        assert (await response.json())["payment_status"] == "paid"
    too_much = await client.post(paid, json={"amount": "1" + "0" * 12, "paid_on": ISSUED})
    assert (too_much.status, list((await too_much.json())["fields"])) == (422, ["amount"])


async def test_an_invoice_for_the_largest_order_with_vat_on_top_is_refused_not_a_500(
    api_as: Any, db_session: Any, make_user: Any, settings: Any
) -> None:
    client, buyer_id = await _invoicing(api_as, db_session, make_user)
    buyer = await db_session.get(Client, buyer_id)
    lines = [OrderLine(description="Станок", quantity="1", price=MAX)]
    order = await add_order(db_session, await make_user("admin"), buyer, settings, lines)
    status, body = await _issue(client, buyer_id, [], order_id=order.id, vat_mode="on_top")
    assert (status, body["fields"]) == (422, {"lines": body["fields"]["lines"]}), body
    assert "VAT" in body["fields"]["lines"]
    status, invoice = await _issue(client, buyer_id, [], order_id=order.id, vat_mode="included")
    assert (status, invoice["total"]) == (201, MAX)


@pytest.mark.parametrize(
    "lines,expected",
    [
        ([{"description": "Станок", "quantity": "1", "price": MAX}], 201),
        ([{"description": "Станок", "quantity": "2", "price": MAX, "discount_percent": "50"}], 201),
        ([{"description": "Станок", "quantity": "999999999", "price": MAX}], 422),
        ([{"description": "Станок", "quantity": "1", "price": MAX}] * 2, 422),
        (
            [
                {"description": "Станок", "quantity": "1", "price": MAX},
                {"description": "Болт", "quantity": "1", "price": "0.01"},
            ],
            422,
        ),
        (
            [{"description": "Станок", "quantity": "3", "price": MAX, "discount_percent": "66.66"}],
            422,
        ),
    ],
)
async def test_an_order_total_with_discounts_is_held_to_its_column(
    api_as: Any, db_session: Any, make_user: Any, lines: list, expected: int
) -> None:
    client, _me = await api_as("admin")
    buyer = await add_client(db_session)
    await seed_default_pipeline(db_session)
    await db_session.commit()
    response = await client.post("/api/v1/orders", json={"client_id": buyer.id, "lines": lines})
    body = await response.json()
    assert response.status == expected, body
    if expected == 422:
        assert list(body["fields"]) == ["lines"], body
    else:
        assert Decimal(body["total"]) <= Decimal(MAX)


async def _partner_at_full_rate(db_session: Any, admin: Any) -> Any:
    """A partner whose plan pays 100 % at level 1, and the client that came through it."""
    await set_up_company(db_session, admin, vat_mode="none", vat_exempt_reason="УСН")
    plan = await save_plan(db_session, data=PlanInput(name="All", rates="100"), actor=admin)
    own = await person(db_session, "Partner")
    partner = await create_partner(
        db_session, data=PartnerInput(client_id=own.id, code="FULL", plan_id=plan.id), actor=admin
    )
    buyer = await person(db_session, "Buyer")
    await attribute_client(db_session, client_id=buyer.id, code="FULL", actor=admin)
    await db_session.commit()
    return partner, buyer


async def _largest_delivered_order(db_session: Any, admin: Any, buyer: Any, settings: Any) -> Any:
    chain = type("Chain", (), {"admin": admin})
    lines = [OrderLine(description="Станок", quantity="1", price=MAX, vat_rate="0")]
    order = await paid_order(db_session, chain, buyer, settings, lines, paid_on=date(2026, 3, 10))
    for status in DELIVERED:
        await change_status(
            db_session, order_id=order.id, status=status, actor=admin, settings=settings
        )
    await db_session.commit()
    return order


async def test_commissions_at_the_largest_order_fit_and_a_payout_past_its_column_is_refused(
    db_session: Any, make_user: Any, settings: Any
) -> None:
    admin = await make_user("admin")
    partner, buyer = await _partner_at_full_rate(db_session, admin)
    await _largest_delivered_order(db_session, admin, buyer, settings)
    lines = list(await db_session.scalars(select(CommissionLine)))
    assert [(line.base, line.amount, line.state) for line in lines] == [
        (Decimal(MAX), Decimal(MAX), "payable")
    ]
    march = {"partner_id": partner.id, "first": date(2026, 3, 1), "last": date(2026, 3, 31)}
    payout = await record_payout(db_session, **march, paid_on="2026-04-01", by=admin)
    assert payout.amount == Decimal(MAX)
    await db_session.commit()
    for _ in range(2):  # two more of the largest orders: their payout is past Numeric(14, 2)
        await _largest_delivered_order(db_session, admin, buyer, settings)
    with pytest.raises(PartnerInvalid) as refused:
        await record_payout(db_session, **march, paid_on="2026-04-02", by=admin)
    assert (refused.value.status, list(refused.value.fields)) == (422, ["amount"])
    await db_session.rollback()
    assert len((await db_session.scalars(select(Payout.id))).all()) == 1


async def _revenue_hours(db_session: Any, manager: Any, revenues: list[str]) -> None:
    """What the ``manager_hours`` rollup holds after that many of the largest orders."""
    for hour, revenue in enumerate(revenues, 9):
        db_session.add(
            ManagerHour(
                hour=datetime(2026, 3, 10, hour, tzinfo=UTC),
                user_id=manager.id,
                orders=1,
                revenue=Decimal(revenue),
            )
        )
    await db_session.commit()


@pytest.mark.parametrize(
    "revenues,expected",
    [([LARGEST_SUM], 200), ([LARGEST_SUM, "0.01"], 422)],
)
async def test_a_bonus_split_is_approved_at_the_largest_revenue_and_refused_past_it(
    api_as: Any, db_session: Any, make_user: Any, revenues: list[str], expected: int
) -> None:
    client, _me = await api_as("supervisor")
    await _revenue_hours(db_session, await make_user("manager"), revenues)
    period = {"since": "2026-03-01", "until": "2026-03-31"}
    too_large = await client.post("/api/v1/bonuses/pools", json=period | {"amount": "1e12"})
    assert (too_large.status, list((await too_large.json())["fields"])) == (422, ["amount"])
    pool = await client.post("/api/v1/bonuses/pools", json=period | {"amount": MAX})
    assert pool.status == 200, await pool.text()
    pool_id = (await pool.json())["id"]
    approved = await client.post(f"/api/v1/bonuses/pools/{pool_id}/approve")
    body = await approved.json()
    assert approved.status == expected, body
    shares = list(await db_session.scalars(select(BonusShare)))
    if expected == 422:
        assert list(body["fields"]) == ["revenue"] and shares == []
    else:
        assert [(s.revenue, s.amount) for s in shares] == [(Decimal(revenues[0]), Decimal(MAX))]


@pytest.mark.parametrize(
    "amount,expected",
    [(MAX, 302), ("999 999 999 999,99 ₽", 302), ("999999999999.995", 422), ("1e12", 422)],
)
async def test_a_channels_spend_is_held_to_its_column(
    signed_in: Any, db_session: Any, amount: str, expected: int
) -> None:
    client, _user, csrf = await signed_in("admin")
    channel = Channel(name="Яндекс Директ")
    db_session.add(channel)
    await db_session.commit()
    form = {"channel_id": str(channel.id), "month": "2026-03", "amount": amount}
    response = await client.post(
        "/admin/marketing/spend", data=form | {"csrf_token": csrf}, allow_redirects=False
    )
    assert response.status == expected, await response.text()
    stored = await db_session.scalar(select(ChannelSpend.amount))
    assert stored == (Decimal(MAX) if expected == 302 else None)
