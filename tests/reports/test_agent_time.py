"""Agents' time read as the calls report reads it (whole UTC days from their daily sums, the
hours at either end by the hour) equals the same period summed from the hours alone, in
time zones whose midnights are not UTC's, with stretches crossing UTC midnight."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from callcenter.db import make_engine, make_sessionmaker
from callcenter.reports.calls.figures import call_sums
from callcenter.reports.calls.rollups import rebuild_state_hours
from callcenter.reports.filters import parse_filters
from tests.reports.calls_data import add_states
from tests.reports.support import rolled_up

NOW = datetime(2026, 3, 20, tzinfo=UTC)


def utc(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


# extension, status, reason, started, ended; New York moves to summer time on 8 March
STATES = [
    ("201", "available", "", utc("2026-03-05 20:00"), utc("2026-03-06 02:30")),
    ("201", "paused", "Lunch", utc("2026-03-06 02:30"), utc("2026-03-06 03:15:30.5")),
    ("201", "on_call", "", utc("2026-03-06 22:50"), utc("2026-03-07 00:20:30")),
    ("201", "available", "", utc("2026-03-07 04:00"), utc("2026-03-09 06:00")),
    ("202", "paused", "", utc("2026-03-06 20:59"), utc("2026-03-07 21:01")),
    ("202", "wrap_up", "", utc("2026-03-09 23:30"), utc("2026-03-10 05:30")),
    ("202", "logged_out", "", utc("2026-03-10 05:30"), utc("2026-03-11 08:00")),
]
PERIODS = [  # time zone, first and last day: a few whole UTC days, and none at all
    ("Europe/Moscow", "2026-03-06", "2026-03-09"),
    ("America/New_York", "2026-03-06", "2026-03-09"),
    ("America/New_York", "2026-03-09", "2026-03-10"),
    ("Europe/Moscow", "2026-03-07", "2026-03-07"),
]
_HOURS_ONLY = text(
    """
    SELECT agent, status, reason, sum(seconds) AS seconds FROM report_agent_state_hours
    WHERE hour >= :since AND hour < :until AND (CAST(:agent AS text) = '' OR agent = :agent)
    GROUP BY agent, status, reason ORDER BY agent, status, reason
    """
)


@pytest.fixture
async def stretches(database_url: str, clean_db: None) -> Any:
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        await add_states(session, STATES)
    await rolled_up(sessionmaker)
    yield sessionmaker
    await engine.dispose()


async def both_ways(sessionmaker: Any, zone: str, first: str, last: str) -> list[Any]:
    """Pairs of (as the report reads it, summed from the hours alone): for everyone, then
    for agent 201."""
    filters = parse_filters({"since": first, "until": last}, timezone=zone, now=NOW)
    pairs = []
    async with sessionmaker() as session:
        for agent in (None, "201"):
            read = (await call_sums(session, filters, own_agent=agent))["agent_time"]
            span = {"since": filters.since, "until": filters.until, "agent": agent or ""}
            hours = (await session.execute(_HOURS_ONLY, span)).mappings()
            pairs.append(([dict(r) for r in read], [dict(r) for r in hours]))
    return pairs


@pytest.mark.parametrize(("zone", "first", "last"), PERIODS)
async def test_days_and_edge_hours_give_the_hours_figures(
    stretches: Any, zone: str, first: str, last: str
):
    for read, hours in await both_ways(stretches, zone, first, last):
        assert read == hours and read


async def test_a_moscow_period_by_hand(stretches: Any):
    (everyone, _), (own, _) = await both_ways(
        stretches, "Europe/Moscow", "2026-03-06", "2026-03-09"
    )
    seconds = {(r["agent"], r["status"], r["reason"]): r["seconds"] for r in everyone}
    assert seconds == {  # from 21:00 UTC on 5 March to 21:00 UTC on 9 March
        ("201", "available", ""): 5.5 * 3600 + 50 * 3600,
        ("201", "on_call", ""): 5430.0,
        ("201", "paused", "Lunch"): 2730.5,
        ("202", "paused", ""): 24 * 3600 + 120.0,
    }
    assert [r["agent"] for r in own] == ["201"] * 3


async def test_the_days_follow_their_rebuilt_hours(stretches: Any):
    async with stretches() as session:
        days = await session.scalar(text("SELECT count(DISTINCT day) FROM report_agent_state_days"))
    assert days == 6  # 5 to 10 March
    late = [("203", "ringing", "", utc("2026-03-07 23:59:50"), utc("2026-03-08 00:00:15"))]
    async with stretches.begin() as session:
        await add_states(session, late)
        hours = [datetime(2026, 3, 7, 23, tzinfo=UTC), datetime(2026, 3, 8, tzinfo=UTC)]
        await rebuild_state_hours(session, hours)
    for zone, first, last in PERIODS:
        for read, hours_only in await both_ways(stretches, zone, first, last):
            assert read == hours_only
    (everyone, _), _ = await both_ways(stretches, "Europe/Moscow", "2026-03-06", "2026-03-09")
    assert {"agent": "203", "status": "ringing", "reason": "", "seconds": 25.0} in everyone
