"""The loyalty report's figures against the fixed data set, worked by hand (loyalty_data.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import Forbidden
from callcenter.reports.filters import parse_filters
from callcenter.reports.loyalty.base import client_score
from callcenter.reports.loyalty.report import loyalty_report
from callcenter.reports.rollups.hours import runs
from tests.reports.loyalty_data import NOW, Clients, add_loyalty_data, utc
from tests.reports.support import rolled_up


@pytest.fixture
async def sessionmaker(database_url: str, clean_db: None) -> AsyncIterator[Any]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def world(sessionmaker: Any, make_user: Any) -> dict[str, Any]:
    m1 = await make_user("manager", full_name="Manager One")
    m2 = await make_user("manager", full_name="Manager Two")
    boss = await make_user("supervisor")
    async with sessionmaker.begin() as session:
        clients = await add_loyalty_data(session, m1.id, m2.id)
    await rolled_up(sessionmaker)
    return {"m1": m1, "m2": m2, "boss": boss, "clients": clients}


def half_year(**extra: str) -> Any:
    query = {"since": "2026-01-01", "until": "2026-06-30", **extra}
    return parse_filters(query, timezone="Europe/Moscow", now=NOW)


async def report(sessionmaker: Any, user: Any, **extra: str) -> Any:
    async with sessionmaker() as session:
        return await loyalty_report(session, filters=half_year(**extra), user=user, now=NOW)


async def test_period_figures_by_hand(sessionmaker: Any, world: dict[str, Any]):
    got = (await report(sessionmaker, world["boss"])).period
    assert (got.orders, got.first_orders, got.repeat_orders) == (5, 2, 3)
    assert got.repeat_share == 60.0
    assert got.revenue == Decimal("6500.00")
    assert got.repeat_revenue == Decimal("5000.00")  # the new order of B is not fulfilled
    # gaps: 59 d (A), 21 d 12.5 h (A), 19 d (B, the refused order skipped): mean 33.17 d
    assert got.gap_seconds == pytest.approx((59 + 21 + 12.5 / 24 + 19) * 86400)
    assert got.days_between_orders == 33.2
    assert (got.gaps_30, got.gaps_90, got.gaps_180) == (2, 1, 0)
    assert (got.client_calls, got.repeat_calls, got.repeat_call_share) == (5, 1, 20.0)
    assert (got.nps_answers, got.promoters, got.detractors, got.nps) == (3, 1, 1, 0.0)
    assert (got.ratings, got.average_rating) == (1, 4.0)
    assert (got.feedback, got.complaints, got.complaints_per_100_orders) == (5, 1, 20.0)


async def test_trend_is_by_month_of_the_users_zone(sessionmaker: Any, world: dict[str, Any]):
    got = await report(sessionmaker, world["boss"])
    assert got.unit == "month"
    months = {day.month: sums for day, sums in got.trend}
    assert sorted(months) == [1, 2, 3, 4]  # 31 Mar 22:30 UTC is April in Moscow
    assert (months[2].orders, months[2].first_orders, months[2].repeat_orders) == (2, 1, 1)
    assert (months[3].client_calls, months[3].repeat_calls, months[3].nps_answers) == (4, 1, 2)
    assert (months[4].orders, months[4].revenue, months[4].complaints) == (1, 2000, 1)


async def test_one_manager_one_channel(sessionmaker: Any, world: dict[str, Any]):
    m1, m2 = world["m1"], world["m2"]
    mine = (await report(sessionmaker, world["boss"], manager=str(m1.id))).period
    assert (mine.orders, mine.client_calls, mine.nps_answers, mine.nps) == (5, 4, 2, 0.0)
    theirs = (await report(sessionmaker, world["boss"], manager=str(m2.id))).period
    assert (theirs.orders, theirs.client_calls, theirs.nps_answers, theirs.nps) == (0, 1, 1, 0.0)
    radio = world["clients"].a.channel_id
    got = await report(sessionmaker, world["boss"], channel=str(radio))
    assert (got.period.orders, got.period.repeat_orders, got.base.buyers) == (3, 2, 1)


async def test_two_or_three_dimensions_together(sessionmaker: Any, world: dict[str, Any]):
    """Radio's only client is A, owned by m1 (loyalty_data.py): with m1 the figures are
    Radio's, with m2 there are none; a manager kept to own clients filters by channel too."""
    clients: Clients = world["clients"]
    radio, m1, m2 = str(clients.a.channel_id), world["m1"], world["m2"]
    both = (await report(sessionmaker, world["boss"], manager=str(m1.id), channel=radio)).period
    assert (both.orders, both.repeat_orders, both.client_calls) == (3, 2, 3)
    none = (await report(sessionmaker, world["boss"], manager=str(m2.id), channel=radio)).period
    assert (none.orders, none.client_calls, none.feedback) == (0, 0, 0)
    own = await report(sessionmaker, m1, channel=radio)
    assert (own.period.orders, own.period.repeat_orders, own.base.buyers) == (3, 2, 1)


async def test_a_manager_sees_own_clients_only(sessionmaker: Any, world: dict[str, Any]):
    got = await report(sessionmaker, world["m2"])
    assert got.filters.manager == world["m2"].id
    assert (got.base.buyers, got.base.churned) == (1, 1)  # C
    with pytest.raises(Forbidden):
        await report(sessionmaker, world["m2"], manager=str(world["m1"].id))


async def test_the_client_base_now(sessionmaker: Any, world: dict[str, Any]):
    base = (await report(sessionmaker, world["boss"])).base
    assert (base.clients, base.buyers, base.repeat_buyers) == (4, 3, 2)
    assert (base.callers, base.repeat_callers) == (3, 2)  # D's outbound call counts here
    # A: silent since 31 Mar 22:30 > 2 x rhythm (median of 59 and 21.52 days = 40.26 days);
    # C: one order in June 2025, > 180 days; B: last order 20 Feb, no rhythm, 130 days
    assert (base.churned, base.churned_revenue) == (2, Decimal("46000.00"))
    # R x F: A (R 3, F 3), B (R 3, F 2), C (R 1, F 1)
    assert base.grid == {
        (3, 3, 1): (1, Decimal("6000.00"), 1),
        (3, 2, 1): (1, Decimal("500.00"), 0),
        (1, 1, 3): (1, Decimal("40000.00"), 1),
    }
    assert base.segments() == {
        "Loyal": [1, Decimal("6000.00"), 1],
        "Need attention": [1, Decimal("500.00"), 0],
        "Lost": [1, Decimal("40000.00"), 1],
    }
    assert base.recency_by_frequency()[2] == [0, 1, 1, 0, 0]  # R 3
    assert base.monetary() == [2, 0, 1, 0, 0]


async def test_churned_clients_listed_by_revenue(sessionmaker: Any, world: dict[str, Any]):
    got = await report(sessionmaker, world["boss"])
    names = [row[0] for row in got.churned_list]
    assert names == ["Gamma", "Alpha"]
    alpha = got.churned_list[1]
    assert alpha[1] == "Manager One"
    assert alpha[6] == pytest.approx(40.3, abs=0.05)  # orders every 40.26 days


async def test_loyalty_score_and_its_parts(sessionmaker: Any, world: dict[str, Any]):
    clients: Clients = world["clients"]
    async with sessionmaker() as session:
        a = await client_score(session, clients.a.id, NOW)
        b = await client_score(session, clients.b.id, NOW)
        d = await client_score(session, clients.d.id, NOW)
    assert a is not None and b is not None and d is not None
    # A: R 3 x 8 + F 3 x 6 + M 1 x 4 + promoter 10 - 1 open complaint x 10
    assert (a.score, a.segment, a.churned, a.voice) == (46, "Loyal", True, "promoter")
    assert [points for _, _, points in a.parts] == [24, 18, 4, 10, -10]
    # B: R 3 x 8 + F 2 x 6 + M 1 x 4 + detractor 0
    assert (b.score, b.segment, b.churned) == (40, "Need attention", False)
    assert (d.score, d.recency, d.segment) == (5, 0, "")  # no orders, no NPS answer: 5


async def test_a_cancelled_first_order_makes_the_next_one_first(
    sessionmaker: Any, world: dict[str, Any]
):
    async with sessionmaker.begin() as session:
        await session.execute(
            text(
                "UPDATE orders SET status_id = (SELECT id FROM order_statuses "
                "WHERE code = 'refused'), updated_at = now() WHERE total = 1000"
            )
        )
    await rolled_up(sessionmaker)
    got = await report(sessionmaker, world["boss"])
    assert (got.period.orders, got.period.first_orders, got.period.repeat_orders) == (4, 2, 2)
    assert got.base.grid[(3, 2, 1)][0] == 2  # A now has two orders (5000)


async def test_a_new_owner_takes_the_clients_figures(sessionmaker: Any, world: dict[str, Any]):
    m1, m2 = world["m1"], world["m2"]
    async with sessionmaker.begin() as session:
        await session.execute(
            text("UPDATE clients SET owner_id = :m2, updated_at = now() WHERE name = 'Beta'"),
            {"m2": m2.id},
        )
    await rolled_up(sessionmaker)
    mine = (await report(sessionmaker, world["boss"], manager=str(m1.id))).period
    theirs = (await report(sessionmaker, world["boss"], manager=str(m2.id))).period
    assert (mine.orders, mine.client_calls, theirs.orders, theirs.client_calls) == (3, 3, 2, 2)


def test_hours_are_rebuilt_in_runs_of_consecutive_hours():
    h = utc(2026, 3, 1, 10)
    hour = timedelta(hours=1)
    assert runs([h + 5 * hour, h, h + hour, h + 2 * hour]) == [
        {"first": h, "end": h + 3 * hour},
        {"first": h + 5 * hour, "end": h + 6 * hour},
    ]


async def test_hours_touched_by_orders_only_equal_hours_built_afresh(
    sessionmaker: Any, world: dict[str, Any]
):
    """A refresh after order changes rebuilds only the order figures of their hours: the
    table is what building it from scratch gives, calls and feedback kept."""
    async with sessionmaker.begin() as session:
        await session.execute(
            text(
                "UPDATE orders SET status_id = (SELECT id FROM order_statuses "
                "WHERE code = 'refused'), updated_at = now() WHERE total = 1000"
            )
        )
        await session.execute(
            text("UPDATE clients SET segment_id = NULL, updated_at = now() WHERE name = 'Beta'")
        )
    await rolled_up(sessionmaker)
    query = text("SELECT * FROM loyalty_hours WHERE orders + client_calls + feedback > 0")
    async with sessionmaker() as session:
        kept = sorted(map(tuple, await session.execute(query)))
    async with sessionmaker.begin() as session:
        await session.execute(text("DELETE FROM report_rollup_marks"))
        await session.execute(text("DELETE FROM loyalty_hours"))
    await rolled_up(sessionmaker)
    async with sessionmaker() as session:
        assert kept and kept == sorted(map(tuple, await session.execute(query)))


async def _loyalty_tables(sessionmaker: Any) -> dict[str, list[tuple[Any, ...]]]:
    async with sessionmaker() as session:
        return {
            table: sorted(map(tuple, await session.execute(text(f"SELECT * FROM {table}"))))
            for table in ("loyalty_hours", "loyalty_cube_hours", "client_loyalty")
        }


async def test_a_refresh_after_changes_leaves_the_rows_a_rebuild_gives(
    sessionmaker: Any, world: dict[str, Any]
):
    """Whole hours (a new call) and hours touched by orders only (orders refused, added
    beside another client's, deleted) are refreshed to exactly the rows a build from scratch
    makes, row by row: a row left with nothing is gone, one that keeps a call is zeroed."""
    from callcenter.reports.rollups.deletions import note_deletions
    from tests.reports.loyalty_data import add_call, add_order

    clients: Clients = world["clients"]
    m1, m2 = world["m1"].id, world["m2"].id
    async with sessionmaker.begin() as session:  # an order beside A's call of 1 Mar
        await add_order(session, clients.a, "delivered", utc(2026, 3, 1, 9, 15), "60", m1)
    await rolled_up(sessionmaker)
    async with sessionmaker.begin() as session:
        refused = "UPDATE orders SET status_id = (SELECT id FROM order_statuses WHERE code = "
        refused += "'refused'), updated_at = now() WHERE total IN (1000, 800, 60)"
        await session.execute(text(refused))  # A's first and 1 Mar; B's new, alone in its hour
        await add_order(session, clients.c, "delivered", utc(2026, 3, 10, 10, 30), "90", m2)
        await add_call(session, clients.d, utc(2026, 3, 20, 15))
        gone = list(await session.scalars(text("SELECT id FROM orders WHERE total = 500")))
        await note_deletions(session, orders=gone)
        await session.execute(text("DELETE FROM orders WHERE id = ANY(:ids)"), {"ids": gone})
    done = await rolled_up(sessionmaker)
    assert done["loyalty_hours"] and done["client_loyalty"]
    kept = await _loyalty_tables(sessionmaker)
    async with sessionmaker.begin() as session:
        await session.execute(text("DELETE FROM report_rollup_marks"))
        await session.execute(text("DELETE FROM loyalty_hours"))
        await session.execute(text("DELETE FROM loyalty_cube_hours"))
        await session.execute(text("DELETE FROM client_loyalty"))
    await rolled_up(sessionmaker)
    assert kept == await _loyalty_tables(sessionmaker)
    async with sessionmaker() as session:  # the cube adds up to the figures for all
        by_hour = text(
            "SELECT hour, sum(orders), sum(client_calls), sum(feedback), sum(revenue) "
            "FROM {} {} GROUP BY hour ORDER BY hour"
        )
        cube = (await session.execute(text(by_hour.text.format("loyalty_cube_hours", "")))).all()
        every = "WHERE dimension = 'all'"
        assert (
            cube == (await session.execute(text(by_hour.text.format("loyalty_hours", every)))).all()
        )
    async with sessionmaker() as session:
        rows = await session.execute(
            text("SELECT hour, orders, client_calls FROM loyalty_hours WHERE dimension = 'all'")
        )
        figures = {hour: (orders, calls) for hour, orders, calls in rows}
    assert utc(2026, 2, 20, 12) not in figures  # B's refused order was all that hour held
    assert utc(2026, 2, 1, 12) not in figures  # so was her deleted one
    assert figures[utc(2026, 3, 1, 9)] == (0, 1)  # A's refused order; her call stays
