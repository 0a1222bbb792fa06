"""One bad row never stops a rollup, and one failing rollup never stops the others.

A task due on 9999-12-31 (set through the API before due times were checked) made the
manager-hours refresh fail every 5 s for everyone: its hour plus one is past Python's dates.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
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
