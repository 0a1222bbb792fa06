"""Commissions up a four-level chain, computed by hand, then delivered, paid out, reversed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.invoices.models import Invoice
from callcenter.invoices.service import record_payment, remove_payment
from callcenter.orders.input import LineInput
from callcenter.orders.moves import change_status
from callcenter.partners.commissions import accrue_for_payment
from callcenter.partners.exceptions import PayoutConflict
from callcenter.partners.models import CommissionLine, CommissionRun
from callcenter.partners.statements import record_payout, statement
from callcenter.users.service import get_user
from tests.partners.support import (
    PAID_ON,
    client_of,
    make_chain,
    paid_order,
    shares_of,
    three_lines,
)

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
APRIL = (date(2026, 4, 1), date(2026, 4, 30))


@pytest.fixture
async def chain(db_session: Any, make_user: Any) -> Any:
    admin = await make_user("admin")
    return await make_chain(db_session, await get_user(db_session, admin.id))


async def _qualify_b(db_session: Any, chain: Any, settings: Any) -> None:
    """B's own client buys 12 200,00 with 22 % VAT included: 10 000,00 of personal sales,
    exactly the plan's threshold for earning from level 3."""
    own = await client_of(db_session, chain, chain.b, "B's client")
    await paid_order(db_session, chain, own, settings)


async def test_a_paid_order_accrues_each_level_its_hand_computed_share(
    db_session: Any, chain: Any, settings: Any
) -> None:
    await _qualify_b(db_session, chain, settings)
    buyer = await client_of(db_session, chain, chain.d, "D's client")
    order = await paid_order(db_session, chain, buyer, settings, three_lines(chain))
    # lines (VAT 22 % / 10 % included, VAT rounded half up per line):
    #   Router 2 × 6 100 = 12 200,00, VAT 2 200,00 -> 10 000,00 net, Premium; cost 2 × 4 000
    #   Installation 1 000,00, VAT 180,33 -> 819,67 net, no group, no cost
    #   Cable 3 × 33,33 = 99,99, VAT 9,09 -> 90,90 net, no group; cost 3 × 20 = 60,00
    # D, level 1 (Standard, net): Premium 10 000,00 × 15 % = 1 500,00;
    #   others (819,67 + 90,90 = 910,57) × 10 % = 91,057 -> 91,06
    # C, level 2 (Margin): Premium (10 000,00 - 8 000,00) × 7 % = 140,00;
    #   others (819,67 + 30,90 = 850,57) × 5 % = 42,5285 -> 42,53
    # B, level 3 (Standard, qualified with exactly 10 000,00): Premium has no level-3 rate, so
    #   the level's 3 %: 10 000,00 × 3 % = 300,00; 910,57 × 3 % = 27,3171 -> 27,32
    # A, level 4: no personal sales, below the threshold: nothing
    assert await shares_of(db_session, order.id) == {
        ("DDDD", 1, "g"): Decimal("1500.00"),
        ("DDDD", 1, ""): Decimal("91.06"),
        ("CCCC", 2, "g"): Decimal("140.00"),
        ("CCCC", 2, ""): Decimal("42.53"),
        ("BBBB", 3, "g"): Decimal("300.00"),
        ("BBBB", 3, ""): Decimal("27.32"),
    }
    run = await db_session.scalar(select(CommissionRun).where(CommissionRun.order_id == order.id))
    assert run.sales == Decimal("10910.57") and run.paid_on == PAID_ON


async def test_below_the_threshold_by_a_kopeck_a_deep_level_earns_nothing(
    db_session: Any, chain: Any, settings: Any
) -> None:
    own = await client_of(db_session, chain, chain.b, "B's client")
    lines = [LineInput(description="Service", quantity="1", price="12199.99")]  # 9 999,99 net
    await paid_order(db_session, chain, own, settings, lines)
    buyer = await client_of(db_session, chain, chain.d, "D's client")
    order = await paid_order(db_session, chain, buyer, settings, three_lines(chain))
    codes = {code for code, _, _ in await shares_of(db_session, order.id)}
    assert codes == {"DDDD", "CCCC"}


async def test_a_partly_paid_order_accrues_nothing_until_paid_in_full_then_once(
    db_session: Any, chain: Any, settings: Any
) -> None:
    from callcenter.invoices.service import issue_invoice
    from tests.invoices.support import add_order

    buyer = await client_of(db_session, chain, chain.d, "D's client")
    order = await add_order(db_session, chain.admin, buyer, settings)
    invoice = await issue_invoice(
        db_session,
        client_id=buyer.id,
        lines=None,
        by=chain.admin,
        order_id=order.id,
        issued_on=date(2026, 3, 1),
    )
    await record_payment(
        db_session, invoice_id=invoice.id, amount="2200", paid_on=PAID_ON, by=chain.admin
    )
    assert await shares_of(db_session, order.id) == {}
    paid = await record_payment(
        db_session, invoice_id=invoice.id, amount="10000", paid_on=PAID_ON, by=chain.admin
    )
    await db_session.commit()
    assert await shares_of(db_session, order.id) == {
        ("DDDD", 1, ""): Decimal("1000.00"),
        ("CCCC", 2, ""): Decimal("500.00"),
    }
    again = await accrue_for_payment(
        db_session,
        order_id=order.id,
        payment_id=paid.payments[-1].id,
        paid_on=PAID_ON,
        vat_mode="included",
    )
    assert again is None
    assert await db_session.scalar(select(func.count()).select_from(CommissionLine)) == 2


async def test_held_until_delivered_then_paid_out_and_a_later_refund_is_a_negative_line(
    db_session: Any, chain: Any, settings: Any
) -> None:
    buyer = await client_of(db_session, chain, chain.d, "D's client")
    lines = [LineInput(description="Service", quantity="1", price="12200")]  # 10 000,00 net
    order = await paid_order(db_session, chain, buyer, settings, lines)
    march = await statement(db_session, chain.d.id, *MARCH)
    assert (march.accrued, march.held, march.payable) == (Decimal("1000.00"), Decimal("1000.00"), 0)
    with pytest.raises(PayoutConflict):
        async with db_session.begin_nested():
            await record_payout(
                db_session,
                partner_id=chain.d.id,
                first=MARCH[0],
                last=MARCH[1],
                paid_on="2026-04-05",
                by=chain.admin,
            )
    for status in ("accepted", "in_production", "done", "shipped", "delivered"):
        await change_status(
            db_session, order_id=order.id, status=status, actor=chain.admin, settings=settings
        )
    await db_session.commit()
    payout = await record_payout(
        db_session,
        partner_id=chain.d.id,
        first=MARCH[0],
        last=MARCH[1],
        paid_on="2026-04-05",
        by=chain.admin,
        request_key="form-1",
    )
    twice = await record_payout(
        db_session,
        partner_id=chain.d.id,
        first=MARCH[0],
        last=MARCH[1],
        paid_on="2026-04-05",
        by=chain.admin,
        request_key="form-1",
    )
    await db_session.commit()
    assert payout.amount == Decimal("1000.00") and twice.id == payout.id
    march = await statement(db_session, chain.d.id, *MARCH)
    assert (march.paid, march.payable, march.held) == (Decimal("1000.00"), 0, 0)

    invoice = await db_session.scalar(select(Invoice).where(Invoice.order_id == order.id))
    await db_session.refresh(invoice, ["payments"])
    await remove_payment(
        db_session, invoice_id=invoice.id, payment_id=invoice.payments[0].id, by=chain.admin
    )
    await db_session.commit()
    lines_now = (
        await db_session.scalars(
            select(CommissionLine)
            .where(CommissionLine.partner_id == chain.d.id)
            .order_by(CommissionLine.id)
        )
    ).all()
    assert [(x.amount, x.state) for x in lines_now] == [
        (Decimal("1000.00"), "paid"),
        (Decimal("-1000.00"), "payable"),
    ]
    assert lines_now[1].reverses_id == lines_now[0].id
    # the reversal counts in the month it happened: the next statement owes it back
    today = lines_now[1].booked_on
    later = await statement(db_session, chain.d.id, today.replace(day=1), today.replace(day=28))
    assert later.reversed == Decimal("-1000.00") and later.payable == Decimal("-1000.00")
    with pytest.raises(PayoutConflict):
        await record_payout(
            db_session,
            partner_id=chain.d.id,
            first=today.replace(day=1),
            last=today.replace(day=28),
            paid_on=today.isoformat(),
            by=chain.admin,
        )


async def test_a_cancelled_order_reverses_what_is_still_held(
    db_session: Any, chain: Any, settings: Any
) -> None:
    buyer = await client_of(db_session, chain, chain.d, "D's client")
    order = await paid_order(db_session, chain, buyer, settings)
    await change_status(
        db_session,
        order_id=order.id,
        status="cancelled",
        reason="Changed mind",
        actor=chain.admin,
        settings=settings,
    )
    await db_session.commit()
    states = (
        await db_session.execute(
            select(CommissionLine.amount, CommissionLine.state).order_by(CommissionLine.id)
        )
    ).all()
    assert sorted(states) == sorted(
        [
            (Decimal("1000.00"), "reversed"),
            (Decimal("500.00"), "reversed"),
            (Decimal("-1000.00"), "reversed"),
            (Decimal("-500.00"), "reversed"),
        ]
    )
    march = await statement(db_session, chain.d.id, *MARCH)
    assert march.held == 0 and march.payable == 0
