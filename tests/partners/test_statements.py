"""A month's statements of every partner at once (``month_statements``, one grouped query)
against each partner's own statement (``statement``, summed from its lines): figure by figure
on hand-made lines of every kind and state, around a payout and a reversal after it."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.invoices.models import Invoice
from callcenter.invoices.service import remove_payment
from callcenter.orders.moves import change_status
from callcenter.partners.models import (
    CommissionLine,
    CommissionRun,
    Partner,
    Payout,
    ProductGroup,
)
from callcenter.partners.periods import month_bounds
from callcenter.partners.statements import month_statements, record_payout, statement
from callcenter.users.service import get_user
from tests.invoices.support import add_order
from tests.partners.support import client_of, make_chain, paid_order, person

FEBRUARY = month_bounds(date(2026, 2, 1))
MARCH = month_bounds(date(2026, 3, 1))
APRIL = month_bounds(date(2026, 4, 1))
FIGURES = ("statement_id", "accrued", "reversed", "held", "payable", "paid")
payment_ids = itertools.count(900_000)  # hand-made runs name no real payment


@pytest.fixture
async def chain(db_session: Any, make_user: Any) -> Any:
    admin = await make_user("admin")
    return await make_chain(db_session, await get_user(db_session, admin.id))


async def _run(db_session: Any, chain: Any, settings: Any, day: date) -> CommissionRun:
    """A run of its own order (unpaid: the lines below are written by hand)."""
    order = await add_order(db_session, chain.admin, await person(db_session, "Buyer"), settings)
    run = CommissionRun(
        order_id=order.id,
        payment_id=next(payment_ids),
        partner_id=chain.d.id,
        paid_on=day,
        sales=Decimal("1000.00"),
        vat_mode="included",
    )
    db_session.add(run)
    await db_session.flush()
    return run


def _line(run: CommissionRun, partner: Partner, level: int, amount: str, state: str, **more: Any):
    return CommissionLine(
        run_id=run.id,
        partner_id=partner.id,
        order_id=run.order_id,
        level=level,
        base=Decimal(amount) * 10,
        rate=Decimal("10"),
        amount=Decimal(amount),
        state=state,
        booked_on=more.pop("booked_on", run.paid_on),
        **more,
    )


async def _hand_made_lines(db_session: Any, chain: Any, settings: Any) -> None:
    """February: D payable, C held, B paid, A a line reversed in March before any payout;
    March: D per group, held, and a reversal of B's paid February line (payable, negative);
    April: D payable (after March: no March figure may count it)."""
    group = ProductGroup(name="Hand-made")
    db_session.add(group)
    feb = await _run(db_session, chain, settings, date(2026, 2, 14))
    lines = [
        _line(feb, chain.d, 1, "100.00", "payable"),
        _line(feb, chain.c, 2, "50.00", "held"),
        _line(feb, chain.b, 3, "30.00", "paid"),
        _line(feb, chain.a, 4, "20.00", "reversed"),
    ]
    db_session.add_all(lines)
    await db_session.flush()
    paid, void = lines[2], lines[3]
    mar = await _run(db_session, chain, settings, date(2026, 3, 1))
    db_session.add_all(
        [
            _line(mar, chain.d, 1, "15.00", "held", group_id=group.id),
            _line(mar, chain.d, 1, "5.55", "held"),
            _line(mar, chain.c, 2, "0.01", "payable", booked_on=date(2026, 3, 31)),
            _line(feb, chain.b, 3, "-30.00", "payable", booked_on=MARCH[1], reverses_id=paid.id),
            _line(feb, chain.a, 4, "-20.00", "reversed", booked_on=MARCH[0], reverses_id=void.id),
        ]
    )
    apr = await _run(db_session, chain, settings, date(2026, 4, 1))
    db_session.add(_line(apr, chain.d, 1, "7.77", "payable"))
    await db_session.commit()


async def _paid_out_then_refunded(db_session: Any, chain: Any, settings: Any) -> date:
    """D's client pays 10 000,00 net on 10 March, delivered, March paid out, then the payment
    is taken back today: D's paid line comes back negative and payable today, C's is void.
    Two payouts against D's March statement: 1 100,00 and 0,45."""
    buyer = await client_of(db_session, chain, chain.d, "D's client")
    order = await paid_order(db_session, chain, buyer, settings)
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
    )
    # a second payout against the same statement (by hand: nothing is payable any more)
    db_session.add(
        Payout(
            statement_id=payout.statement_id,
            partner_id=chain.d.id,
            amount=Decimal("0.45"),
            paid_on=date(2026, 4, 6),
        )
    )
    await db_session.commit()
    invoice = await db_session.scalar(select(Invoice).where(Invoice.order_id == order.id))
    await db_session.refresh(invoice, ["payments"])
    await remove_payment(
        db_session, invoice_id=invoice.id, payment_id=invoice.payments[0].id, by=chain.admin
    )
    await db_session.commit()
    reversal = await db_session.scalar(
        select(CommissionLine)
        .where(CommissionLine.reverses_id.isnot(None))
        .order_by(CommissionLine.id.desc())
    )
    return reversal.booked_on


async def _both_ways(db_session: Any, month: tuple[date, date]) -> tuple[dict, dict]:
    at_once = {
        f.partner_id: tuple(getattr(f, name) for name in FIGURES)
        for f in await month_statements(db_session, first=month[0], last=month[1])
    }
    ids = await db_session.scalars(select(Partner.id).order_by(Partner.id))
    one_by_one = {}
    for partner_id in ids.all():
        view = await statement(db_session, partner_id, *month)
        one_by_one[partner_id] = tuple(getattr(view, name) for name in FIGURES)
    return at_once, one_by_one


async def test_every_partners_month_at_once_equals_each_partners_own_statement(
    db_session: Any, chain: Any, settings: Any
) -> None:
    await person(db_session, "Nobody's partner")  # a client, not a partner: no statement
    await _hand_made_lines(db_session, chain, settings)
    refunded_on = await _paid_out_then_refunded(db_session, chain, settings)
    months = {FEBRUARY, MARCH, APRIL, month_bounds(refunded_on), month_bounds(date(2025, 1, 1))}
    for month in sorted(months):
        at_once, one_by_one = await _both_ways(db_session, month)
        assert at_once == one_by_one, month
        assert list(at_once) == sorted(p.id for p in (chain.a, chain.b, chain.c, chain.d))


async def test_the_figures_are_the_hand_computed_ones(
    db_session: Any, chain: Any, settings: Any
) -> None:
    await _hand_made_lines(db_session, chain, settings)
    refunded_on = await _paid_out_then_refunded(db_session, chain, settings)
    zero = Decimal("0.00")

    async def figures(month: tuple[date, date]) -> dict[str, tuple]:
        codes = {p.id: p.code for p in (chain.a, chain.b, chain.c, chain.d)}
        return {
            codes[f.partner_id]: (f.accrued, f.reversed, f.held, f.payable, f.paid)
            for f in await month_statements(db_session, first=month[0], last=month[1])
        }

    assert await figures(FEBRUARY) == {
        "DDDD": (Decimal("100.00"), zero, zero, zero, zero),  # paid out since (in March's)
        "CCCC": (Decimal("50.00"), zero, Decimal("50.00"), zero, zero),
        "BBBB": (Decimal("30.00"), zero, zero, zero, zero),
        "AAAA": (Decimal("20.00"), zero, zero, zero, zero),
    }
    # March: D's order of 10 000,00 net (1 000,00, paid out on 5 April with February's
    # 100,00, plus 0,45 by hand; March's held lines still held); C's 500,00 and 0,01
    # payable (the 500,00 void since the refund, which is after March); B's reversal of a
    # paid line owes 30,00 back
    march = await figures(MARCH)
    assert march["DDDD"] == (Decimal("1020.55"), zero, Decimal("20.55"), zero, Decimal("1100.45"))
    assert march["CCCC"] == (Decimal("500.01"), zero, Decimal("50.00"), Decimal("0.01"), zero)
    assert march["BBBB"] == (zero, Decimal("-30.00"), zero, Decimal("-30.00"), zero)
    assert march["AAAA"] == (zero, Decimal("-20.00"), zero, zero, zero)
    later = await figures(month_bounds(refunded_on))
    assert later["DDDD"][1] == Decimal("-1000.00") and later["DDDD"][3] == Decimal("-992.23")
