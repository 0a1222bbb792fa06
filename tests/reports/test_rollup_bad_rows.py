"""One bad row never stops a rollup, and one failing rollup never stops the others.

A task due on 9999-12-31 (set through the API before due times were checked) made the
manager-hours refresh fail every 5 s for everyone: its hour plus one is past Python's dates.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from callcenter.bonuses.rollup import ROLLUPS as MANAGER_ROLLUPS
from callcenter.db import make_engine, make_sessionmaker
from callcenter.reports.rollups.refresh import Rollup, all_rollups, refresh_rollups
from callcenter.tasks.models import Task
from tests.reports.support import rolled_up

GOOD_DUE = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


@pytest.fixture
async def sessionmaker(database_url: str, clean_db: None) -> AsyncIterator[Any]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _tasks(sessionmaker: Any, manager_id: int) -> None:
    """A task done on time, one due in 9999 and one due in 20000 (past Python, not PostgreSQL),
    and a deleted task's 9999 due time in the deletions log."""
    async with sessionmaker.begin() as session:
        done = datetime(2026, 3, 2, 9, tzinfo=UTC)
        session.add(
            Task(kind="call", title="On time", due_at=GOOD_DUE, assignee_id=manager_id,
                 status="done", done_at=done)
        )  # fmt: skip
        late = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
        session.add(Task(kind="call", title="9999", due_at=late, assignee_id=manager_id))
        session.add(Task(kind="call", title="20000", due_at=GOOD_DUE, assignee_id=manager_id))
        await session.flush()
        await session.execute(
            text("UPDATE tasks SET due_at = '20000-01-01 00:00+00' WHERE title = '20000'")
        )
        await session.execute(
            text("INSERT INTO report_deletions (client_id, at) VALUES (NULL, :at)"), {"at": late}
        )


async def test_tasks_due_past_any_sane_date_leave_every_rollup_refreshed(
    sessionmaker: Any, make_user: Any
) -> None:
    manager = await make_user("manager")
    await _tasks(sessionmaker, manager.id)
    done = await rolled_up(sessionmaker)
    assert set(done) == {r.name for r in all_rollups()}  # none failed
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                text("SELECT hour, user_id, tasks_due, tasks_on_time FROM manager_hours")
            )
        ).all()
        marks = await session.scalar(text("SELECT count(*) FROM report_rollup_marks"))
    assert rows == [(datetime(2026, 3, 2, 10, tzinfo=UTC), manager.id, 1, 1)]
    assert marks == len(all_rollups())
    # the next run, finding the bad rows touched again, still goes through
    async with sessionmaker.begin() as session:
        await session.execute(text("UPDATE tasks SET updated_at = now(), notes = 'again'"))
    assert set(await rolled_up(sessionmaker)) == {r.name for r in all_rollups()}


async def test_one_failing_rollup_leaves_the_others_fresh(
    sessionmaker: Any, make_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    manager = await make_user("manager")
    await _tasks(sessionmaker, manager.id)

    async def broken_touched(session: Any, since: datetime | None) -> list[datetime]:
        raise RuntimeError("a rollup that cannot read its rows")

    async def rebuild(session: Any, buckets: list[Any]) -> None:
        raise AssertionError("never reached")

    broken = Rollup("broken_test", broken_touched, rebuild)
    with caplog.at_level(logging.ERROR, logger="callcenter.reports.rollups.refresh"):
        done = await refresh_rollups(sessionmaker, [broken, *MANAGER_ROLLUPS])
    assert done == {"manager_hours": 1}
    assert any("broken_test" in r.getMessage() for r in caplog.records)
    async with sessionmaker() as session:
        marks = set(await session.scalars(text("SELECT name FROM report_rollup_marks")))
    assert marks == {"manager_hours"}  # the broken one keeps no mark: retried next run


async def test_a_pile_of_the_largest_orders_is_summed_by_every_rollup(
    database_url: str, sessionmaker: Any, make_user: Any
) -> None:
    """Every order total fits Numeric(14, 2), but a day's sum of them, or one order's cost
    (quantity x a product's cost), went past the rollups' Numeric(16, 2) and stopped them
    for everyone: 150 orders of the largest total, each costing ~10^21, on one day."""
    from tests.reports.sales_data import load_sales_data

    await load_sales_data(database_url, make_user, refresh=False)
    largest, qty, cost = "999999999999.99", "999999999.999", "999999999999.99"
    async with sessionmaker.begin() as session:
        await session.execute(text("UPDATE products SET cost = :cost WHERE id = 1"), {"cost": cost})
        await session.execute(
            text(
                "INSERT INTO orders (number, client_id, manager_id, status_id, status_changed_at,"
                " currency, total, notes, created_at, updated_at)"
                " SELECT 'BIG' || n, 1, o.manager_id, o.status_id, o.status_changed_at, 'RUB',"
                " :total, '', o.created_at, now() FROM orders o, generate_series(1, 150) n"
                " WHERE o.id = 1"
            ),
            {"total": largest},
        )
        await session.execute(
            text(
                "INSERT INTO order_lines (order_id, position, product_id, description,"
                " unit_code, quantity, price, discount_percent, vat_rate, amount)"
                " SELECT id, 0, 1, 'item', '796', :qty, 1000, 0, '22', 1000 FROM orders"
                " WHERE number LIKE 'BIG%'"
            ),
            {"qty": qty},
        )
    done = await rolled_up(sessionmaker)
    assert set(done) == {r.name for r in all_rollups()}  # none failed
    async with sessionmaker() as session:
        revenue, cost_sum = (
            await session.execute(
                text(
                    "SELECT sum(revenue), sum(cost) FROM report_order_days"
                    " WHERE day = (SELECT day FROM report_order_facts WHERE order_id = 1)"
                )
            )
        ).one()
    assert revenue >= 150 * Decimal(largest)
    assert cost_sum >= 150 * Decimal(qty) * Decimal(cost) - 1
