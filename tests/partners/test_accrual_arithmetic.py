"""The accrual's SQL against the Python reference (``tests/partners/reference.py``): random
orders of every VAT rate and mode, odd kopecks, fractional quantities, products with and
without costs and groups, margins below zero, the largest amount an order holds, and buyers
at every depth of the chain, so the qualification rule flips as personal sales pile up."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.invoices.service import issue_invoice, record_payment
from callcenter.orders.input import LineInput
from callcenter.orders.models import OrderLine
from callcenter.partners.models import (
    CommissionLine,
    CommissionPlan,
    CommissionRun,
    Partner,
    PartnerPath,
    ProductGroupMember,
)
from callcenter.partners.periods import month_bounds
from callcenter.products.models import Product
from callcenter.products.service import ProductInput, save_product
from callcenter.users.service import get_user
from tests.invoices.support import add_order
from tests.partners import reference
from tests.partners.support import PAID_ON, Chain, client_of, make_chain

VAT_RATES = ("22", "10", "0", "5", "7", "none")


@pytest.fixture
async def chain(db_session: Any, make_user: Any) -> Any:
    admin = await make_user("admin")
    return await make_chain(db_session, await get_user(db_session, admin.id))


def _random_lines(rng: random.Random, products: list[int]) -> list[LineInput]:
    if rng.random() < 0.1:  # near the most an invoice holds with 22 % VAT on top
        return [LineInput(description="All of it", quantity="1", price="819672131147.53")]
    lines = []
    for _ in range(rng.randint(1, 5)):
        product = rng.choice([None, *products])
        lines.append(
            LineInput(
                product_id=product,
                description="Item",
                quantity=f"{rng.randint(1, 5000) / 1000:.3f}",
                price=f"{rng.randint(1, 5_000_000) / 100:.2f}",
                discount_percent=rng.choice(["0", "0", "3.5", "33.33"]),
                vat_rate=rng.choice(VAT_RATES),
            )
        )
    return lines


async def _sold_lines(session: Any, order_id: int) -> list[reference.SoldLine]:
    rows = await session.execute(
        select(
            OrderLine.amount,
            OrderLine.vat_rate,
            OrderLine.quantity,
            Product.cost,
            ProductGroupMember.group_id,
        )
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .outerjoin(ProductGroupMember, ProductGroupMember.product_id == OrderLine.product_id)
        .where(OrderLine.order_id == order_id)
    )
    return [reference.SoldLine(*row) for row in rows.all()]


async def _earners(
    session: Any, partner_id: int, paid_on: date, own_sale: Decimal
) -> list[reference.Earner]:
    """The chain above ``partner_id`` as the reference sees it, read row by row."""
    first, last = month_bounds(paid_on)
    earners = []
    ups = await session.execute(
        select(PartnerPath.ancestor_id, PartnerPath.depth)
        .where(PartnerPath.descendant_id == partner_id)
        .order_by(PartnerPath.depth)
    )
    for ancestor_id, depth in ups.all():
        partner = await session.get(Partner, ancestor_id)
        plan = await session.get(CommissionPlan, partner.plan_id)
        level = depth + 1
        rates = {r.group_id: r.rate for r in plan.rates if r.level == level}
        if partner.status != "active" or not rates:
            continue
        sales = await session.scalar(
            select(func.coalesce(func.sum(CommissionRun.sales), 0)).where(
                CommissionRun.partner_id == ancestor_id,
                CommissionRun.reversed_at.is_(None),
                CommissionRun.paid_on.between(first, last),
            )
        )
        personal = sales + (own_sale if ancestor_id == partner_id else 0)
        if reference.qualifies(plan.qualify_from_level, plan.qualify_min_sales, level, personal):
            earners.append(reference.Earner(ancestor_id, level, plan.base, rates))
    return earners


async def _pay(session: Any, chain: Chain, client: Any, order: Any, vat_mode: str) -> None:
    invoice = await issue_invoice(
        session,
        client_id=client.id,
        lines=None,
        by=chain.admin,
        order_id=order.id,
        vat_mode=vat_mode,
        vat_exempt_reason="УСН" if vat_mode == "none" else None,
        issued_on=date(2026, 3, 1),
    )
    await record_payment(
        session, invoice_id=invoice.id, amount=invoice.total, paid_on=PAID_ON, by=chain.admin
    )
    await session.commit()


async def test_random_orders_accrue_exactly_what_the_python_reference_computes(
    db_session: Any, chain: Any, settings: Any
) -> None:
    rng = random.Random(18)
    free = await save_product(  # a product of no group with a cost above some prices
        db_session, data=ProductInput(name="Bulky", price="10", cost="99.99"), actor=chain.admin
    )
    products = [chain.router_id, chain.cable_id, free.id]
    buyers = [
        (await client_of(db_session, chain, partner, f"Client of {partner.code}"), partner)
        for partner in (chain.a, chain.b, chain.c, chain.d)
    ]
    lines_made = 0
    for _ in range(40):
        buyer, partner = rng.choice(buyers)
        order = await add_order(
            db_session, chain.admin, buyer, settings, _random_lines(rng, products)
        )
        vat_mode = rng.choice(["included", "included", "on_top", "none"])
        sold = await _sold_lines(db_session, order.id)
        sales = reference.sales_without_vat(sold, vat_mode)
        earners = await _earners(db_session, partner.id, PAID_ON, sales)
        expected = {
            (s.partner_id, s.level, s.group_id): (s.base, s.rate, s.amount)
            for s in reference.shares(sold, vat_mode, earners)
        }
        await _pay(db_session, chain, buyer, order, vat_mode)
        run = await db_session.scalar(
            select(CommissionRun).where(CommissionRun.order_id == order.id)
        )
        got = await db_session.execute(
            select(
                CommissionLine.partner_id,
                CommissionLine.level,
                CommissionLine.group_id,
                CommissionLine.base,
                CommissionLine.rate,
                CommissionLine.amount,
            ).where(CommissionLine.run_id == run.id)
        )
        assert {(p, lv, g): (b, r, a) for p, lv, g, b, r, a in got.all()} == expected, sold
        assert (run.sales, run.vat_mode) == (sales, vat_mode)
        lines_made += len(expected)
    assert lines_made > 80  # the orders did earn: the comparison was not of empty sets
