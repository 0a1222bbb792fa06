"""The calls report's figures on a small fixed day, against values computed by hand."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from callcenter.db import make_engine, make_sessionmaker
from callcenter.reports.calls.report import calls_report
from callcenter.reports.filters import parse_filters
from callcenter.reports.rollups.refresh import refresh_rollups
from tests.reports.calls_data import DAY, SUPERVISOR, add_day
from tests.reports.support import rolled_up


@pytest.fixture
async def day(database_url: str, clean_db: None, make_user: Any) -> Any:
    await make_user("operator", full_name="Anna Petrova", extension="101")
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        await add_day(session)
    await rolled_up(sessionmaker)
    yield sessionmaker
    await engine.dispose()


async def report_for(sessionmaker: Any, **query: str) -> Any:
    query = {"since": "2026-03-02", "until": "2026-03-02", **query}
    filters = parse_filters(query, timezone="UTC", now=DAY)
    async with sessionmaker() as session:
        return await calls_report(session, filters=filters, user=SUPERVISOR)


async def test_calls_by_direction(day: Any):
    report = await report_for(day)
    by = {d["direction"]: d for d in report.directions}
    assert (by["inbound"]["calls"], by["inbound"]["answered"], by["inbound"]["missed"]) == (5, 2, 3)
    assert by["inbound"]["not_answered"] == 3
    assert by["inbound"]["abandoned"] == 2 and by["inbound"]["talk_seconds"] == 160
    assert by["inbound"]["hold_seconds"] == 5 and by["inbound"]["answer_rate"] == 40.0
    assert (by["outbound"]["calls"], by["outbound"]["answered"]) == (2, 1)
    assert (by["internal"]["calls"], by["internal"]["talk_seconds"]) == (1, 20)


async def test_queue_figures_the_asterisk_way(day: Any):
    report = await report_for(day)
    sales, support = report.queues
    assert (sales.title, sales.offered, sales.answered, sales.abandoned) == ("Sales", 3, 1, 2)
    assert sales.short_abandons == 1 and sales.abandon_rate == 50.0  # (2-1)/(3-1)
    assert sales.service_level == 100.0  # waited 10 <= T 20
    assert sales.service_level2 == 66.7  # (1 + the 3 s abandon) / (1 + 2)
    assert sales.answered_in_sl == 50.0  # 1 / (3 - 1)
    assert (sales.asa, sales.aht) == (10.0, 105.0)  # talk 100 + wrap-up 5
    assert (sales.abandon_wait, sales.max_wait) == (21.5, 40)
    assert (support.title, support.service_level, support.asa, support.aht) == (
        "support",
        100.0,
        25.0,
        60.0,
    )
    total = report.total
    assert (total.offered, total.answered, total.abandoned) == (4, 2, 2)
    assert (total.service_level, total.service_level2) == (100.0, 75.0)
    assert (total.asa, total.aht, total.abandon_rate) == (17.5, 82.5, 33.3)
    assert report.abandon_waits == [
        ("up to 10 s", 1),
        ("11-30 s", 0),
        ("31-60 s", 1),
        ("61-120 s", 0),
        ("over 120 s", 0),
    ]


async def test_heat_map_by_weekday_and_hour_in_the_users_zone(day: Any):
    report = await report_for(day)
    monday = report.heat[0]
    assert (monday[10], monday[11], monday[12]) == (2, 2, 1)
    assert sum(map(sum, report.heat)) == 5
    filters = parse_filters(
        {"since": "2026-03-02", "until": "2026-03-02"}, timezone="Europe/Moscow", now=DAY
    )
    async with day() as session:
        moscow = await calls_report(session, filters=filters, user=SUPERVISOR)
    assert moscow.heat[0][13] == 2  # 10:00 UTC is 13:00 in Moscow


async def test_missed_calls_and_how_fast_they_were_called_back(day: Any):
    report = await report_for(day)
    by = {m["queue"]: m for m in report.missed}
    assert by["sales"] == {
        "queue": "sales",
        "calls": 3,
        "missed": 2,
        "lost_share": 66.7,
        "with_number": 2,
        "called_back": 1,
        "called_back_share": 50.0,
        "within_hour": 1,
        "average_callback_seconds": 1160.0,
        "not_called_back": 1,
    }
    assert by["no queue"]["called_back"] == 1 and by["no queue"]["within_hour"] == 0
    assert by["no queue"]["average_callback_seconds"] == 7170.0  # 12:00:30 -> 14:00
    assert report.summary["called_back_share"] == 66.7


async def test_agents_calls_and_time(day: Any):
    report = await report_for(day)
    a101, a102 = report.agents
    assert (a101["name"], a101["queue_answered"], a101["queue_talk_seconds"]) == (
        "Anna Petrova",
        1,
        100.0,
    )
    assert (a101["outbound_calls"], a101["outbound_answered"], a101["outbound_talk_seconds"]) == (
        2,
        1,
        50.0,
    )
    assert (a102["queue_answered"], a102["other_answered"], a102["other_talk_seconds"]) == (
        1,
        1,
        20.0,
    )
    t101, t102 = report.agent_time
    assert (t101["available"], t101["on_call"], t101["paused"]) == (5410.0, 110.0, 3480.0)
    assert t101["logged_in"] == 9000.0 and t101["occupancy"] == 2.0 and t101["utilization"] == 1.2
    assert t102["logged_in"] == 900.0  # logged out time is not counted
    assert [(p["agent"], p["reason"], p["seconds"]) for p in report.pauses] == [
        ("101", "Lunch", 3480.0),
        ("102", "no reason", 900.0),
    ]


async def test_queue_filter_keeps_to_that_queue(day: Any):
    report = await report_for(day, queue="support")
    assert [q.queue for q in report.queues] == ["support"]
    assert report.summary["inbound"] == 1
    assert [a["agent"] for a in report.agents] == ["102"]


def calls_part(rebuilt: dict[str, int] | None) -> dict[str, int]:
    """The calls' rollups of a refresh (the orders' and clients' run beside them)."""
    assert rebuilt is not None
    return {k: v for k, v in rebuilt.items() if k in ("call_hours", "agent_state_hours")}


async def test_a_later_save_or_a_new_threshold_refreshes_only_what_it_touched(day: Any):
    async with day.begin() as session:  # saved long before the mark: nothing to do
        await session.execute(text("UPDATE calls SET updated_at = now() - interval '1 day'"))
    assert calls_part(await refresh_rollups(day)) == {"call_hours": 0, "agent_state_hours": 0}
    async with day.begin() as session:
        await session.execute(
            text("UPDATE queue_stints SET wait_seconds = 2 WHERE linkedid = 'c2'")
        )
        await session.execute(text("UPDATE calls SET updated_at = now() WHERE linkedid = 'c2'"))
    assert calls_part(await refresh_rollups(day)) == {"call_hours": 1, "agent_state_hours": 0}
    report = await report_for(day)
    assert report.queues[0].short_abandons == 2
    async with day.begin() as session:
        await session.execute(
            text("UPDATE queues SET service_level_seconds = 5 WHERE name = 'sales'")
        )
    assert (await refresh_rollups(day))["call_hours"] == 2  # the queue's two hours
    report = await report_for(day)
    assert report.queues[0].service_level == 0.0  # waited 10 > T 5


async def test_api_gives_the_pages_figures(api_as: Any, day: Any):
    client, _ = await api_as("supervisor")
    body = await (
        await client.get("/api/v1/reports/calls?since=2026-03-02&until=2026-03-02")
    ).json()
    assert body["summary"]["offered"] == 4 and body["summary"]["aht_seconds"] == 82.5
    assert body["queues"][0]["queue"] == "Sales" and body["queues"][0]["service_level2"] == 66.7
    assert body["heat"]["calls"][0][13] == 2  # the user is in Moscow
    page = await client.get("/reports/calls?since=2026-03-02&until=2026-03-02")
    html = await page.text()
    assert page.status == 200
    assert "How it is counted" in html and "<svg" in html and "1:45" in html  # AHT 105 s


async def test_page_over_several_days_draws_the_trend(signed_in: Any, day: Any):
    async with day.begin() as session:
        await session.execute(
            text(
                "INSERT INTO queue_stints (pbx, key, queue, linkedid, uniqueid, caller, "
                "entered_at, outcome, position, wait_seconds, agent, ended_by) VALUES "
                "('default', 'next', 'sales', 'c9', 'c9', '', '2026-03-03 09:00+00', "
                "'abandoned', 1, 7, '', '')"
            )
        )
        await session.execute(
            text(
                "INSERT INTO calls (linkedid, pbx, direction, caller, callee, queue, "
                "started_at, ended_at, outcome, wait_seconds, talk_seconds, hold_seconds, "
                "recording, agents) VALUES ('c9', 'default', 'inbound', '', '', 'sales', "
                "'2026-03-03 09:00+00', '2026-03-03 09:00:07+00', 'abandoned', 7, 0, 0, '', '{}')"
            )
        )
    await refresh_rollups(day)
    client, _, _ = await signed_in("supervisor", language="ru")
    page = await client.get("/reports/calls?since=2026-03-01&until=2026-03-05")
    html = await page.text()
    assert page.status == 200
    assert "Уровень обслуживания по дням, %" in html and "<polyline" in html


async def test_one_lost_call_everywhere_busy_and_failed_inbound_calls_too(day: Any):
    """Inbound: c1, c4 answered; c2, c3 abandoned; c5 not answered; and now one busy, one
    failed (no queue). Lost = 7 - 2 = 5 in the summary, the directions and by queue; the lost
    share 5 / 7 = 71.4 % in the summary and the table's total, each queue over its own calls."""
    async with day.begin() as session:
        for linkedid, outcome in (("c9", "busy"), ("c10", "failed")):
            await session.execute(
                text(
                    "INSERT INTO calls (linkedid, pbx, direction, caller, callee, queue, "
                    "started_at, ended_at, outcome, wait_seconds, talk_seconds, hold_seconds, "
                    "recording, agents) VALUES (:l, 'default', 'inbound', '+79160000009', "
                    "'74951234567', '', :s, :s, :o, 0, 0, 0, '', '{}')"
                ),
                {"l": linkedid, "s": DAY.replace(hour=15), "o": outcome},
            )
    await rolled_up(day)
    report = await report_for(day)
    s = report.summary
    inbound = next(d for d in report.directions if d["direction"] == "inbound")
    assert (s["inbound"], s["inbound_answered"], s["lost"], s["lost_share"]) == (7, 2, 5, 71.4)
    assert inbound["not_answered"] == inbound["missed"] == s["lost"] == s["missed"]
    by = {m["queue"]: m for m in report.missed}
    assert (by["sales"]["missed"], by["sales"]["lost_share"]) == (2, 66.7)
    assert (by["support"]["missed"], by["support"]["lost_share"]) == (0, 0.0)
    assert (by["no queue"]["calls"], by["no queue"]["missed"]) == (3, 3)
    assert by["no queue"]["with_number"] == 3  # the busy and failed callers can be called back
    lost = next(t for t in report.tables() if t.name == "missed")
    assert lost.totals is not None
    assert (lost.totals[1], lost.totals[2], lost.totals[3]) == (7, 5, 71.4)
    assert sum(row[2] for row in lost.rows) == s["lost"]
