"""The tree refuses a loop, also from two moves at once; payments racing in one chain accrue
every order exactly once."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.db import make_engine, make_sessionmaker
from callcenter.invoices.service import issue_invoice, record_payment
from callcenter.partners.exceptions import SponsorCycle
from callcenter.partners.models import CommissionLine, CommissionRun, PartnerPath
from callcenter.partners.service import PartnerInput, update_partner
from callcenter.partners.tree import level_counts
from callcenter.users.service import get_user
from tests.invoices.support import add_order
from tests.partners.support import PAID_ON, client_of, make_chain


@pytest.fixture
async def chain(db_session: Any, make_user: Any) -> Any:
    admin = await make_user("admin")
    return await make_chain(db_session, await get_user(db_session, admin.id))


def _moved(partner: tuple[int, str, int], sponsor: str) -> PartnerInput:
    _, code, plan_id = partner
    return PartnerInput(code=code, plan_id=plan_id, sponsor=sponsor)


def _plain(chain: Any) -> dict[str, tuple[int, str, int]]:
    """(id, code, plan) of each partner, read before any rollback expires the objects."""
    return {
        n: (p.id, p.code, p.plan_id)
        for n, p in zip("abcd", (chain.a, chain.b, chain.c, chain.d), strict=True)
    }


async def _paths(session: Any) -> set[tuple[int, int, int]]:
    rows = await session.execute(
        select(PartnerPath.ancestor_id, PartnerPath.descendant_id, PartnerPath.depth)
    )
    return {tuple(row) for row in rows.all()}


async def test_a_partner_under_their_own_downline_is_refused_and_nothing_changes(
    db_session: Any, chain: Any
) -> None:
    before, p, admin_id = await _paths(db_session), _plain(chain), chain.admin.id
    for sponsor in ("DDDD", "BBBB", "AAAA"):
        with pytest.raises(SponsorCycle):
            async with db_session.begin_nested():
                actor = await get_user(db_session, admin_id)
                await update_partner(
                    db_session, partner_id=p["a"][0], data=_moved(p["a"], sponsor), actor=actor
                )
    assert await _paths(db_session) == before


async def test_a_move_rehangs_the_whole_downline_and_keeps_the_closure_exact(
    db_session: Any, chain: Any
) -> None:
    # C (with D below) moves from B to A: A has B and C at level 1, D at level 2
    p = _plain(chain)
    await update_partner(
        db_session, partner_id=p["c"][0], data=_moved(p["c"], "AAAA"), actor=chain.admin
    )
    await db_session.commit()
    assert await level_counts(db_session, chain.a.id) == [(1, 2), (2, 1)]
    assert await level_counts(db_session, chain.b.id) == []
    a, b, c, d = (p.id for p in (chain.a, chain.b, chain.c, chain.d))
    assert await _paths(db_session) == {
        (a, a, 0),
        (b, b, 0),
        (c, c, 0),
        (d, d, 0),
        (a, b, 1),
        (a, c, 1),
        (c, d, 1),
        (a, d, 2),
    }


async def test_two_moves_at_once_that_together_make_a_loop_one_is_refused(
    db_session: Any, chain: Any, database_url: str
) -> None:
    """B and D become tops; then, at once, B goes under D and D under B. Each alone is
    fine; together they would loop. The tree's lock lets one through and refuses the other."""
    p, admin_id = _plain(chain), chain.admin.id
    for name in "bd":
        await update_partner(
            db_session, partner_id=p[name][0], data=_moved(p[name], ""), actor=chain.admin
        )
    await db_session.commit()
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    gate = asyncio.Event()

    async def move(partner: tuple[int, str, int], sponsor: str) -> str:
        async with sessions() as session:
            actor = await get_user(session, admin_id)
            await gate.wait()
            try:
                await update_partner(
                    session, partner_id=partner[0], data=_moved(partner, sponsor), actor=actor
                )
                await asyncio.sleep(0.2)  # hold the transaction open while the other tries
                await session.commit()
                return "moved"
            except SponsorCycle:
                return "refused"

    tasks = [asyncio.create_task(move(p["b"], "DDDD")), asyncio.create_task(move(p["d"], "BBBB"))]
    await asyncio.sleep(0.1)
    gate.set()
    results = await asyncio.gather(*tasks)
    await engine.dispose()
    assert sorted(results) == ["moved", "refused"]
    loops = await db_session.scalar(
        select(func.count())
        .select_from(PartnerPath)
        .where(PartnerPath.ancestor_id == PartnerPath.descendant_id, PartnerPath.depth > 0)
    )
    assert loops == 0


async def test_payments_racing_in_one_chain_accrue_every_order_exactly_once(
    db_session: Any, chain: Any, settings: Any, database_url: str
) -> None:
    """Eight orders of clients of C and D, each on two invoices of 6 100,00, all sixteen
    payments sent at once: every order accrues one run, whatever invoice paid it last."""
    orders = []
    for n in range(8):
        owner = (chain.c, chain.d)[n % 2]
        buyer = await client_of(db_session, chain, owner, f"Buyer {n}")
        order = await add_order(db_session, chain.admin, buyer, settings)
        halves = []
        for _ in range(2):
            from callcenter.invoices.input import LineInput as InvoiceLine

            invoice = await issue_invoice(
                db_session,
                client_id=buyer.id,
                by=chain.admin,
                order_id=order.id,
                lines=[InvoiceLine(name="Half", quantity="1", price="6100")],
                issued_on=date(2026, 3, 1),
            )
            halves.append(invoice.id)
        await db_session.commit()
        orders.append((order.id, halves))
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)

    async def pay(invoice_id: int) -> None:
        async with sessions.begin() as session:
            actor = await get_user(session, chain.admin.id)
            await record_payment(
                session, invoice_id=invoice_id, amount="6100", paid_on=PAID_ON, by=actor
            )

    await asyncio.gather(*(pay(i) for _, halves in orders for i in halves))
    await engine.dispose()
    runs = (
        await db_session.execute(
            select(CommissionRun.order_id, func.count()).group_by(CommissionRun.order_id)
        )
    ).all()
    assert sorted(runs) == sorted((order_id, 1) for order_id, _ in orders)
    # each order: 12 200,00 with VAT included = 10 000,00 net (no cost known: the margin too).
    # C's client: C 8 % = 800,00, B 5 % = 500,00, A at level 3 unqualified: 1 300,00.
    # D's client: D 10 % = 1 000,00, C 5 % = 500,00, B and A unqualified: 1 500,00.
    total = await db_session.scalar(select(func.sum(CommissionLine.amount)))
    assert total == 4 * Decimal("1300.00") + 4 * Decimal("1500.00")
    lines = await db_session.scalar(select(func.count()).select_from(CommissionLine))
    assert lines == 8 * 2


async def test_a_payment_waiting_on_a_status_move_of_its_order_still_accrues(
    db_session: Any, chain: Any, settings: Any, database_url: str
) -> None:
    """The order is moved (its row locked, its status changed) while its last payment comes
    in: the payment waits for the move, then accrues on the order as the move left it."""
    from callcenter.orders.moves import change_status

    buyer = await client_of(db_session, chain, chain.d, "Buyer")
    order = await add_order(db_session, chain.admin, buyer, settings)
    invoice = await issue_invoice(
        db_session,
        client_id=buyer.id,
        by=chain.admin,
        order_id=order.id,
        lines=None,
        issued_on=date(2026, 3, 1),
    )
    await db_session.commit()
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    async with sessions() as mover:
        await change_status(
            mover,
            order_id=order.id,
            status="accepted",
            actor=await get_user(mover, chain.admin.id),
            settings=settings,
        )

        async def pay() -> None:
            async with sessions.begin() as session:
                actor = await get_user(session, chain.admin.id)
                await record_payment(
                    session, invoice_id=invoice.id, amount="12200", paid_on=PAID_ON, by=actor
                )

        paying = asyncio.create_task(pay())
        await asyncio.sleep(0.5)  # the payment is waiting on the order's row
        assert not paying.done()
        await mover.commit()
        await paying
    await engine.dispose()
    total = await db_session.scalar(
        select(func.sum(CommissionLine.amount)).where(CommissionLine.order_id == order.id)
    )
    assert total == Decimal("1500.00")  # D 10 % and C 5 % of 10 000,00
