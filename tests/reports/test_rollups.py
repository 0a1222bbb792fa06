"""The rollup machinery: one process at a time, touched buckets only, idempotent, a mark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import text

from callcenter.db import make_engine, make_sessionmaker
from callcenter.leadership import NAMESPACE, plain_url
from callcenter.reports.rollups.refresh import LOCK_FAMILY, Rollup, refresh_rollups, rollup_marks


class CallHours:
    """A rollup over calls by the hour they started, recording what it was asked."""

    def __init__(self) -> None:
        self.asked: list[datetime | None] = []
        self.rebuilt: list[list[datetime]] = []

    async def touched(self, session: Any, since: datetime | None) -> list[datetime]:
        self.asked.append(since)
        rows = await session.execute(
            text(
                "SELECT DISTINCT date_trunc('hour', started_at) FROM calls "
                "WHERE CAST(:since AS timestamptz) IS NULL OR updated_at > :since"
            ),
            {"since": since},
        )
        return [r[0] for r in rows]

    async def rebuild(self, session: Any, buckets: list[datetime]) -> None:
        self.rebuilt.append(buckets)

    def rollup(self) -> Rollup:
        return Rollup("call_hours_test", self.touched, self.rebuild, chunk=2)


async def add_call(session: Any, linkedid: str, started_at: datetime) -> None:
    await session.execute(
        text(
            "INSERT INTO calls (linkedid, pbx, direction, caller, callee, queue, started_at, "
            "wait_seconds, talk_seconds, hold_seconds, recording, agents) "
            "VALUES (:l, 'default', 'inbound', '', '', '', :at, 0, 0, 0, '', '{}')"
        ),
        {"l": linkedid, "at": started_at},
    )


async def test_first_run_builds_all_then_only_what_changed(database_url: str, clean_db: None):
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    hour = datetime(2026, 1, 5, 10, tzinfo=UTC)
    async with sessionmaker.begin() as session:
        for i in range(5):
            await add_call(session, f"a{i}", hour + timedelta(hours=i, minutes=5))
    hours = CallHours()
    assert await refresh_rollups(sessionmaker, [hours.rollup()]) == {"call_hours_test": 5}
    assert hours.asked == [None]
    assert hours.rebuilt == [
        [hour, hour + timedelta(hours=1)],
        [hour + timedelta(hours=2), hour + timedelta(hours=3)],
        [hour + timedelta(hours=4)],
    ]  # in chunks, a transaction each
    async with sessionmaker() as session:
        marks = await rollup_marks(session)
        mark = await session.scalar(text("SELECT mark FROM report_rollup_marks"))
    assert "call_hours_test" in marks
    async with sessionmaker.begin() as session:  # a call is saved again: its hour is touched
        await session.execute(text("UPDATE calls SET updated_at = now() WHERE linkedid = 'a3'"))
        # stamped long before the mark: no longer looked at
        await session.execute(
            text("UPDATE calls SET updated_at = :old WHERE linkedid <> 'a3'"),
            {"old": mark - timedelta(hours=1)},
        )
    hours.rebuilt.clear()
    await refresh_rollups(sessionmaker, [hours.rollup()])
    assert hours.asked[1] == mark - timedelta(minutes=2)  # the margin for late commits
    assert hours.rebuilt == [[hour + timedelta(hours=3)]]
    await engine.dispose()


async def test_another_process_holding_the_lock_means_this_one_skips(
    database_url: str, clean_db: None
):
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    other = await asyncpg.connect(plain_url(database_url))
    try:
        await other.execute("SELECT pg_advisory_lock($1, hashtext($2))", NAMESPACE, LOCK_FAMILY)
        hours = CallHours()
        assert await refresh_rollups(sessionmaker, [hours.rollup()]) is None
        assert hours.asked == []
        await other.execute("SELECT pg_advisory_unlock($1, hashtext($2))", NAMESPACE, LOCK_FAMILY)
        assert await refresh_rollups(sessionmaker, [hours.rollup()]) == {"call_hours_test": 0}
    finally:
        await other.close()
        await engine.dispose()


async def test_a_queue_on_a_named_pbx_is_not_rebuilt_for_ever(database_url: str, clean_db: None):
    """The simulator's queues are stored under its PBX name: their hours, once built with the
    queue's own threshold (support: 30 s), are not taken for changed on every run."""
    from callcenter.reports.calls.rollups import touched_call_hours
    from tests.reports.calls_data import add_day

    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        await add_day(session)
        for table in ("queues", "calls", "queue_stints", "agent_states"):
            await session.execute(text(f"UPDATE {table} SET pbx = 'simulator'"))
        await session.execute(text("UPDATE calls SET updated_at = now() - interval '1 day'"))
    await refresh_rollups(sessionmaker)
    async with sessionmaker() as session:
        since = datetime.now(UTC) - timedelta(hours=1)
        assert list(await touched_call_hours(session, since)) == []
        thresholds = await session.execute(
            text("SELECT DISTINCT queue, threshold FROM report_queue_hours ORDER BY queue")
        )
        assert thresholds.all() == [("sales", 20), ("support", 30)]
    await engine.dispose()
