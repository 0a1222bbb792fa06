"""Bonus split: contributions from the rollup, the arithmetic, approval freezing it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text

from callcenter.bonuses.report import bonuses_report
from callcenter.bonuses.service import (
    approve_pool,
    contributions,
    set_bonus_weights,
    set_pool,
)
from callcenter.bonuses.split import Contribution, split_pool
from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import Conflict, Forbidden, Invalid
from callcenter.orders.models import Order, OrderStatus, OrderStatusChange
from callcenter.reports.filters import parse_filters
from tests.reports.loyalty_data import NOW, add_loyalty_data, add_order, utc
from tests.reports.support import rolled_up

MARCH = {"since": "2026-03-01", "until": "2026-03-31"}


@pytest.fixture
async def sessionmaker(database_url: str, clean_db: None) -> AsyncIterator[Any]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def world(sessionmaker: Any, make_user: Any) -> dict[str, Any]:
    m1 = await make_user("manager", full_name="Manager One")
    m2 = await make_user("manager", full_name="Manager Two")
    operator = await make_user("operator", full_name="Operator")
    boss = await make_user("supervisor", full_name="The Boss")
    admin = await make_user("admin")
    async with sessionmaker.begin() as session:
        clients = await add_loyalty_data(session, m1.id, m2.id)
    await rolled_up(sessionmaker)
    return {"m1": m1, "m2": m2, "op": operator, "boss": boss, "admin": admin, "clients": clients}


def march() -> Any:
    return parse_filters(MARCH, timezone="Europe/Moscow", now=NOW)


async def measures(sessionmaker: Any) -> dict[str, tuple[Any, ...]]:
    filters = march()
    async with sessionmaker() as session:
        found = await contributions(session, since=filters.since, until=filters.until)
    return {c.name: (c.revenue, c.orders, c.calls, c.talk_seconds, c.tasks_on_time) for c in found}


async def test_contributions_of_march(sessionmaker: Any, world: dict[str, Any]):
    # m1: A's order of 10 Mar delivered 11 Mar (3,000); A's 31 Mar order was delivered in
    # April. Calls 1 and 20 Mar (60 + 30 s). Tasks: due 10 Mar done early, 12 Mar late.
    # m2: calls 5 and 2 Mar (120 + 90 s); due 15 Mar done early, 16 Mar open, 17 cancelled.
    assert await measures(sessionmaker) == {
        "Manager One": (Decimal("3000.00"), 1, 2, 90.0, 1),
        "Manager Two": (Decimal("0"), 0, 2, 210.0, 1),
    }  # the operator is no manager


async def test_the_split_and_its_rounding(sessionmaker: Any, world: dict[str, Any]):
    async with sessionmaker.begin() as session:
        await set_pool(
            session,
            filters=march(),
            amount="1 000,01",
            note="Q1",
            currency="RUB",
            actor=world["boss"],
        )
    async with sessionmaker() as session:
        got = await bonuses_report(session, filters=march(), user=world["boss"])
    one, two = got.split.shares
    # default weights 40/20/15/10/15; m1 parts 1, 1, 1/2, 90/300, 1/2: 40+20+7.5+3+7.5 = 78
    assert one.share == Decimal("0.78") and two.share == Decimal("0.22")
    # 780.0078 and 220.0022 rounded down, the kopeck left to the larger remainder
    assert (one.amount, two.amount) == (Decimal("780.01"), Decimal("220.00"))
    arithmetic = got.tables()[1].rows
    assert arithmetic[0] == (
        "Manager One",
        "(40 x 100.0% + 20 x 100.0% + 15 x 50.0% + 10 x 30.0% + 15 x 50.0%) / 100 = 78.0%"
        " x 1000.01 = 780.01",
    )
    split = got.tables()[0]
    assert split.totals is not None and split.totals[-1] == Decimal("1000.01")


def test_a_measure_nobody_scored_in_is_left_out():
    people = [
        Contribution(1, "A", Decimal(0), 0, 3, 0.0, 0),
        Contribution(2, "B", Decimal(0), 0, 1, 0.0, 0),
    ]
    split = split_pool(people, {"revenue": 50, "calls": 50}, Decimal("100"))
    assert split.used_weights == {"calls": 50}
    assert [s.amount for s in split.shares] == [Decimal("75.00"), Decimal("25.00")]
    assert split_pool(people, {"calls": 0}, Decimal("100")).shares[0].amount is None


async def test_approval_freezes_the_split(sessionmaker: Any, world: dict[str, Any]):
    boss = world["boss"]
    async with sessionmaker.begin() as session:
        pool = await set_pool(
            session, filters=march(), amount="10000", note="", currency="RUB", actor=boss
        )
        await approve_pool(session, pool_id=pool.id, actor=boss)
    async with sessionmaker.begin() as session:  # m2 fulfils a big order in March afterwards
        await add_order(
            session, world["clients"].c, "delivered", utc(2026, 3, 20), "90000", world["m2"].id
        )
    await rolled_up(sessionmaker)
    assert (await measures(sessionmaker))["Manager Two"][0] == Decimal("90000.00")
    async with sessionmaker() as session:
        got = await bonuses_report(session, filters=march(), user=boss)
    assert [s.amount for s in got.split.shares] == [Decimal("7800.00"), Decimal("2200.00")]
    assert got.as_dict()["pool"]["approved_by"] == "The Boss"
    async with sessionmaker.begin() as session:
        with pytest.raises(Conflict):
            await set_pool(
                session, filters=march(), amount="1", note="", currency="RUB", actor=boss
            )
        with pytest.raises(Conflict):
            await approve_pool(session, pool_id=pool.id, actor=boss)


async def test_who_may_set_pools_and_weights(sessionmaker: Any, world: dict[str, Any]):
    async with sessionmaker.begin() as session:
        with pytest.raises(Forbidden):
            await set_pool(
                session, filters=march(), amount="1", note="", currency="RUB", actor=world["m1"]
            )
        with pytest.raises(Forbidden):
            await set_bonus_weights(session, form={}, actor=world["boss"])
        with pytest.raises(Invalid) as caught:
            await set_pool(
                session, filters=march(), amount="-5", note="", currency="RUB", actor=world["boss"]
            )
        assert set(caught.value.fields) == {"amount"}


async def test_weights_change_the_split(sessionmaker: Any, world: dict[str, Any]):
    form = {"revenue": "0", "orders": "0", "calls": "0", "talk_seconds": "1", "tasks_on_time": "0"}
    async with sessionmaker.begin() as session:
        await set_bonus_weights(session, form=form, actor=world["admin"])
    async with sessionmaker() as session:
        got = await bonuses_report(session, filters=march(), user=world["boss"])
    assert [s.share for s in got.split.shares] == [Decimal("0.3"), Decimal("0.7")]  # 90 / 300


async def test_a_manager_sees_only_their_line(sessionmaker: Any, world: dict[str, Any]):
    async with sessionmaker() as session:
        got = await bonuses_report(session, filters=march(), user=world["m2"])
    assert [row[0] for row in got.tables()[0].rows] == ["Manager Two"]
    assert got.split.totals["calls"] == 4  # measured against everyone's


async def test_moves_out_of_a_period_leave_it(sessionmaker: Any, world: dict[str, Any]):
    async with sessionmaker.begin() as session:
        # the task due 10 Mar is put off to April; A's March order is refused on 20 Mar
        await session.execute(
            text(
                "UPDATE tasks SET due_at = due_at + interval '31 days', updated_at = now() "
                "WHERE due_at = :due"
            ),
            {"due": utc(2026, 3, 10, 10)},
        )
        order = (await session.scalars(select(Order).where(Order.total == 3000))).one()
        refused = (
            await session.scalars(select(OrderStatus).where(OrderStatus.code == "refused"))
        ).one()
        session.add(
            OrderStatusChange(order_id=order.id, to_status_id=refused.id, at=utc(2026, 3, 20))
        )
        order.status_id, order.status_changed_at = refused.id, utc(2026, 3, 20)
    await rolled_up(sessionmaker)
    assert (await measures(sessionmaker))["Manager One"] == (Decimal("0"), 0, 2, 90.0, 0)
