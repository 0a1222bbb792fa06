"""The pop's card reads the caller's own calls only, however many calls the floor has taken:
its "last calls" come from two index ranges (the number as caller, as callee), not from a
walk of every call newest first (which, for a first-time caller, read the whole table on
every ring)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from callcenter.calls.screenpop import POP_SQL, build_pop
from callcenter.calls.service import CallQuery, list_calls
from callcenter.db import utcnow

OTHERS = 20_000  # the floor's other calls
NUMBER = "+79161112233"


async def _fill(session: Any) -> None:
    """``OTHERS`` calls of other numbers, newest last, then ANALYZE: the planner sees a
    floor's table, not the handful of rows a test makes."""
    await session.execute(
        text(
            "INSERT INTO calls (pbx, linkedid, direction, caller, callee, queue, started_at,"
            " ended_at, outcome, wait_seconds, talk_seconds, hold_seconds, recording, agents)"
            " SELECT 'main', 'o.' || i, 'inbound', '+7916' || lpad(i::text, 7, '0'),"
            " '+74951234567', 'sales', now() - (i || ' s')::interval,"
            " now() - (i || ' s')::interval + interval '1 min', 'answered', 0, 60, 0, '', '{}'"
            " FROM generate_series(1, :n) AS i"
        ),
        {"n": OTHERS},
    )
    await session.commit()
    await session.execute(text("ANALYZE calls"))


async def _number_calls(session: Any, count: int, now: datetime) -> None:
    """``count`` ended calls of ``NUMBER``, an hour apart from an hour ago (``n.0`` the
    newest): in from it (as caller) and out to it (as callee), alternating."""
    for i in range(count):
        inbound = i % 2 == 0
        await session.execute(
            text(
                "INSERT INTO calls (pbx, linkedid, direction, caller, callee, queue, started_at,"
                " ended_at, outcome, wait_seconds, talk_seconds, hold_seconds, recording,"
                " agents) VALUES ('main', :linkedid, :direction, :caller, :callee, '', :at,"
                " :ended, 'answered', 0, 60, 0, '', '{}')"
            ),
            {
                "linkedid": f"n.{i}",
                "direction": "inbound" if inbound else "outbound",
                "caller": NUMBER if inbound else "101",
                "callee": "+74951234567" if inbound else NUMBER,
                "at": now - timedelta(hours=i + 1),
                "ended": now - timedelta(hours=i + 1) + timedelta(minutes=1),
            },
        )


def _calls_rows_read(plan: dict[str, Any]) -> int:
    """Rows of ``calls`` the plan's nodes read: returned plus removed by a filter."""
    read = 0
    if plan.get("Relation Name") == "calls":
        loops = plan.get("Actual Loops", 1)
        read += (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)) * loops
    for child in plan.get("Plans", ()):
        read += _calls_rows_read(child)
    return read


async def _rows_read(session: Any, number: str, linkedid: str) -> int:
    connection = await session.connection()
    result = await connection.exec_driver_sql(
        "EXPLAIN (ANALYZE, FORMAT JSON) " + POP_SQL, (number, linkedid, "sales")
    )
    plan = result.scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return _calls_rows_read(plan[0]["Plan"])


async def test_a_first_time_callers_pop_reads_none_of_the_floors_calls(db_session: Any) -> None:
    await _fill(db_session)
    assert await _rows_read(db_session, "+79990000000", "new.1") <= 2


async def test_a_regular_callers_last_calls_are_the_newest_five_either_way(
    db_session: Any,
) -> None:
    await _fill(db_session)
    now = utcnow()
    await _number_calls(db_session, 12, now)  # in (as caller) and out (as callee), by the hour
    await db_session.commit()
    pop = await build_pop(db_session, linkedid="n.now", number=NUMBER, direction="inbound")
    assert [round((now - c.started_at) / timedelta(hours=1)) for c in pop.last_calls] == [
        1, 2, 3, 4, 5,
    ]  # fmt: skip
    assert [c.direction for c in pop.last_calls] == ["inbound", "outbound"] * 2 + ["inbound"]
    # the number's own twelve calls at most, never the other 20,000
    assert await _rows_read(db_session, NUMBER, "n.now") <= 12 + 2


async def _calls_read(session: Any) -> int:
    row = (
        await session.execute(
            text(
                "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)"
                " FROM pg_stat_xact_user_tables WHERE relname = 'calls'"
            )
        )
    ).one()
    return int(row[0])


async def test_the_call_list_by_number_reads_that_numbers_calls_only(
    db_session: Any, make_user: Any
) -> None:
    """Searched by a number, the call list reads that number's calls, under a generic plan
    too (what PostgreSQL switches a prepared statement to after a few runs), and pages them
    newest first whichever end the number was at."""
    admin = await make_user("admin")
    await _fill(db_session)
    now = utcnow()
    await _number_calls(db_session, 7, now)
    await db_session.commit()
    for mode in ("force_custom_plan", "force_generic_plan"):
        for number, expected in (("+79990000000", []), ("8 916 111-22-33", ["n.2", "n.3", "n.4"])):
            await db_session.rollback()  # counts are this transaction's
            await db_session.execute(text(f"SET plan_cache_mode = {mode}"))
            page = CallQuery(phone=number, limit=3, offset=2)
            calls = await list_calls(db_session, page, actor=admin, region="RU")
            assert [c.linkedid for c in calls] == expected, mode
            # a few reads per call of the number's (index, then heap); never the 20,000 others
            assert await _calls_read(db_session) <= 100, (mode, number)
    await db_session.execute(text("RESET plan_cache_mode"))
