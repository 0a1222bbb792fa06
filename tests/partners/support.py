"""A four-level chain of partners over a real database: plans, groups, clients, orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.invoices.service import issue_invoice, record_payment
from callcenter.orders.input import LineInput
from callcenter.partners.attribution import attribute_client
from callcenter.partners.models import CommissionLine, Partner
from callcenter.partners.plans import PlanInput, save_group, save_plan
from callcenter.partners.service import PartnerInput, create_partner
from callcenter.products.service import ProductInput, save_product
from callcenter.settings import Settings
from callcenter.users.models import User
from tests.invoices.support import add_client, add_order, set_up_company

PAID_ON = date(2026, 3, 10)


@dataclass
class Chain:
    """A (top) <- B <- C <- D: D's clients buy; level 1 is D, level 4 is A."""

    admin: User
    a: Partner
    b: Partner
    c: Partner
    d: Partner
    router_id: int
    cable_id: int


async def person(session: AsyncSession, name: str) -> Any:
    return await add_client(session, None, kind="person", name=name)


async def make_chain(session: AsyncSession, admin: User) -> Chain:
    """Plans: "Standard" 10/5/3/2 %, Premium group 15/7 %, qualifying from level 3 with
    10 000,00 of personal sales a month; "Margin" (C's) 8/5 %, Premium 12/7 %, on the margin."""
    await set_up_company(session, admin)
    router = await save_product(
        session, data=ProductInput(name="Router", price="6100", cost="4000"), actor=admin
    )
    cable = await save_product(
        session,
        data=ProductInput(name="Cable", price="33.33", cost="20", vat_rate="10"),
        actor=admin,
    )
    group = await save_group(session, name="Premium", product_ids=[router.id], actor=admin)
    standard = await save_plan(
        session,
        data=PlanInput(
            name="Standard",
            rates="10; 5; 3; 2",
            group_rates={group.id: "15; 7"},
            qualify_from_level="3",
            qualify_min_sales="10 000",
        ),
        actor=admin,
    )
    margin = await save_plan(
        session,
        data=PlanInput(name="Margin", base="margin", rates="8; 5", group_rates={group.id: "12; 7"}),
        actor=admin,
    )
    made = []
    sponsor = ""
    plans = (("AAAA", standard), ("BBBB", standard), ("CCCC", margin), ("DDDD", standard))
    for code, plan in plans:
        client = await person(session, f"Partner {code}")
        partner = await create_partner(
            session,
            data=PartnerInput(client_id=client.id, code=code, plan_id=plan.id, sponsor=sponsor),
            actor=admin,
        )
        made.append(partner)
        sponsor = code
    await session.commit()
    return Chain(admin, *made, router.id, cable.id)


async def client_of(session: AsyncSession, chain: Chain, partner: Partner, name: str) -> Any:
    client = await person(session, name)
    await attribute_client(session, client_id=client.id, code=partner.code, actor=chain.admin)
    await session.commit()
    return client


def three_lines(chain: Chain) -> list[LineInput]:
    return [
        LineInput(product_id=chain.router_id, description="Router", quantity="2", price="6100"),
        LineInput(description="Installation", quantity="1", price="1000"),
        LineInput(
            product_id=chain.cable_id,
            description="Cable",
            quantity="3",
            price="33.33",
            vat_rate="10",
        ),
    ]


async def paid_order(
    session: AsyncSession,
    chain: Chain,
    client: Any,
    settings: Settings,
    lines: list[LineInput] | None = None,
    paid_on: date = PAID_ON,
) -> Any:
    """An order issued on its own invoice and paid in full."""
    order = await add_order(session, chain.admin, client, settings, lines)
    invoice = await issue_invoice(
        session,
        client_id=client.id,
        lines=None,
        by=chain.admin,
        order_id=order.id,
        issued_on=date(2026, 3, 1),
    )
    await record_payment(
        session, invoice_id=invoice.id, amount=invoice.total, paid_on=paid_on, by=chain.admin
    )
    await session.commit()
    return order


async def shares_of(session: AsyncSession, order_id: int) -> dict[tuple[str, int, str], Decimal]:
    """(partner code, level, group or "") -> amount of the order's accrual lines."""
    rows = await session.execute(
        select(Partner.code, CommissionLine.level, CommissionLine.group_id, CommissionLine.amount)
        .join(Partner, Partner.id == CommissionLine.partner_id)
        .where(CommissionLine.order_id == order_id, CommissionLine.reverses_id.is_(None))
    )
    return {(code, level, "g" if g else ""): amount for code, level, g, amount in rows.all()}
