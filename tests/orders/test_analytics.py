"""Stage analytics against figures computed by hand from a known history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter.orders.analytics import order_stages, stage_figures
from callcenter.orders.moves import change_status
from callcenter.orders.search import OrderQuery
from tests.orders.conftest import backdate

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def _history(
    sessionmaker: Any, settings: Any, actor: Any, order: Any, moves: list[str]
) -> None:
    for target in moves:
        async with sessionmaker.begin() as session:
            await change_status(
                session, order_id=order.id, status=target, actor=actor, settings=settings
            )


async def test_time_in_each_stage_on_average_and_where_orders_get_stuck(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    admin = await make_user("admin")
    first = await make_order(admin, await make_client("Первый"))
    second = await make_order(admin, await make_client("Второй"))
    await _history(sessionmaker, settings, admin, first, ["accepted", "in_production", "delivered"])
    await _history(sessionmaker, settings, admin, second, ["accepted"])
    async with sessionmaker.begin() as session:
        # first: new 1 day (on time), accepted 2 days (on time), in production 10 days
        await backdate(
            session,
            first.id,
            [T0, T0 + DAY, T0 + 3 * DAY, T0 + 13 * DAY],
            dues=[T0 + DAY, T0 + 3 * DAY, T0 + 13 * DAY, None],
        )
        # second: new 3 days (late by 2), accepted since day 3, due day 5: overdue now
        await backdate(
            session,
            second.id,
            [T0, T0 + 3 * DAY],
            dues=[T0 + DAY, T0 + 5 * DAY],
            stage_due_at=T0 + 5 * DAY,
        )
    now = T0 + 10 * DAY
    async with sessionmaker() as session:
        figures = {
            f.status.code: f
            for f in await stage_figures(session, OrderQuery(), actor=admin, now=now)
        }
        per_order = await order_stages(session, [first, second], now=now)
    assert list(figures) == ["new", "accepted", "in_production", "done", "shipped"]
    new, accepted, production = figures["new"], figures["accepted"], figures["in_production"]
    assert (new.visits, new.average_seconds, new.median_seconds, new.late) == (
        2,
        2 * DAY.total_seconds(),
        2 * DAY.total_seconds(),
        1,
    )
    assert (new.now_in_stage, new.overdue_now) == (0, 0)
    assert (accepted.visits, accepted.average_seconds, accepted.late) == (
        1,
        2 * DAY.total_seconds(),
        0,
    )
    assert (accepted.now_in_stage, accepted.overdue_now) == (1, 1)
    assert (production.visits, production.average_seconds) == (1, 10 * DAY.total_seconds())
    assert figures["done"].visits == 0 and figures["done"].average_seconds is None
    by_order = {row.order.id: row.seconds for row in per_order}
    codes = {f.status.id: code for code, f in figures.items()}
    assert {codes[k]: v / 86400 for k, v in by_order[first.id].items()} == {
        "new": 1,
        "accepted": 2,
        "in_production": 10,
    }
    assert {codes[k]: v / 86400 for k, v in by_order[second.id].items()} == {
        "new": 3,
        "accepted": 7,
    }  # still there: 7 days so far


async def test_a_manager_sees_figures_of_own_clients_only(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any
) -> None:
    mine, other = await make_user("manager"), await make_user("manager")
    await make_order(mine, await make_client("Мой", owner_id=mine.id))
    await make_order(other, await make_client("Чужой", owner_id=other.id))
    await make_order(other, await make_client("Чужой 2", owner_id=other.id))
    async with sessionmaker() as session:
        figures = await stage_figures(session, OrderQuery(), actor=mine)
    assert figures[0].status.code == "new" and figures[0].now_in_stage == 1
