"""A partner's downline: partners per level and each branch (a recruit with everyone below
them) with its size and its live sales of the period, also after a move."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from callcenter.orders.moves import change_status
from callcenter.partners.downline import downline
from callcenter.partners.periods import month_bounds
from callcenter.partners.service import PartnerInput, create_partner, update_partner
from callcenter.users.service import get_user
from tests.partners.support import client_of, make_chain, paid_order, person

MARCH = month_bounds(date(2026, 3, 1))


@pytest.fixture
async def tree(db_session: Any, make_user: Any, settings: Any) -> dict[str, Any]:
    """A <- B <- C <- D and A <- E; in March the clients of B, C, D and E buy 10 000,00 net
    each, D's client buys again (then cancels), E's client once more in April."""
    admin = await make_user("admin")
    chain = await make_chain(db_session, await get_user(db_session, admin.id))
    e = await create_partner(
        db_session,
        data=PartnerInput(
            client_id=(await person(db_session, "Partner EEEE")).id,
            code="EEEE",
            plan_id=chain.a.plan_id,
            sponsor="AAAA",
        ),
        actor=chain.admin,
    )
    await db_session.commit()
    partners = {"a": chain.a, "b": chain.b, "c": chain.c, "d": chain.d, "e": e}
    buyers = {}
    for name in "bcde":
        buyers[name] = await client_of(db_session, chain, partners[name], f"{name}'s client")
        await paid_order(db_session, chain, buyers[name], settings)
    cancelled = await paid_order(db_session, chain, buyers["d"], settings)
    await change_status(
        db_session,
        order_id=cancelled.id,
        status="cancelled",
        reason="Changed mind",
        actor=chain.admin,
        settings=settings,
    )
    await db_session.commit()
    await paid_order(db_session, chain, buyers["e"], settings, paid_on=date(2026, 4, 2))
    return {"chain": chain, "ids": {n: p.id for n, p in partners.items()}}


def _branches(view: Any) -> list[tuple[str, int, Decimal]]:
    return [(b.code, b.partners, b.sales) for b in view.branches]


async def test_each_branch_counts_everyone_below_its_recruit_and_their_live_sales(
    db_session: Any, tree: dict[str, Any]
) -> None:
    ids = tree["ids"]
    top = await downline(db_session, ids["a"], *MARCH)
    assert top.levels == [(1, 2), (2, 1), (3, 1)] and top.total == 4
    assert _branches(top) == [
        ("BBBB", 3, Decimal("30000.00")),  # B, C and D; D's cancelled order not counted
        ("EEEE", 1, Decimal("10000.00")),  # April's order is another month
    ]
    assert top.own_sales == 0
    middle = await downline(db_session, ids["c"], *MARCH)
    assert _branches(middle) == [("DDDD", 1, Decimal("10000.00"))]
    assert middle.own_sales == Decimal("10000.00")
    leaf = await downline(db_session, ids["d"], *MARCH)
    assert (leaf.levels, leaf.branches, leaf.own_sales) == ([], [], Decimal("10000.00"))
    april = await downline(db_session, ids["a"], *month_bounds(date(2026, 4, 1)))
    assert _branches(april) == [("BBBB", 3, 0), ("EEEE", 1, Decimal("10000.00"))]


async def test_a_moved_partner_takes_their_sales_to_the_new_branch(
    db_session: Any, tree: dict[str, Any]
) -> None:
    chain, ids = tree["chain"], tree["ids"]
    await update_partner(
        db_session,
        partner_id=ids["c"],
        data=PartnerInput(code="CCCC", plan_id=chain.c.plan_id, sponsor="EEEE"),
        actor=chain.admin,
    )
    await db_session.commit()
    top = await downline(db_session, ids["a"], *MARCH)
    assert top.levels == [(1, 2), (2, 1), (3, 1)]
    assert _branches(top) == [
        ("BBBB", 1, Decimal("10000.00")),
        ("EEEE", 3, Decimal("30000.00")),
    ]
