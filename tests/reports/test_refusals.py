"""The refusals report against the fixed data set (tests/reports/sales_data.py), by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from callcenter.reports.refusals.report import refusals_report
from tests.reports.sales_data import load_sales_data, report_of


@pytest.fixture
async def data(database_url: str, make_user: Any) -> Any:
    return await load_sales_data(database_url, make_user)


async def test_results_refusals_and_reasons(database_url: str, data: Any):
    report = await report_of(database_url, refusals_report, data.boss)
    # 5 campaign dispositions + 3 wrap-ups; a2, a3, a4 refused; a1, a5, w1, w2 showed
    # interest and all but a5 (Gamma, whose order was cancelled) bought after it
    assert report.total.row("") == ("", 8, 3, 37.5, 4, 1, 1)
    assert report.results == [
        ("Not interested", "refusal", 3, 37.5),
        ("complaint (wrap-up)", "other", 1, 12.5),
        ("follow_up (wrap-up)", "callback", 1, 12.5),
        ("Call later", "callback", 1, 12.5),
        ("sale (wrap-up)", "success", 1, 12.5),
        ("Sale", "success", 1, 12.5),
    ]
    assert report.reasons == [("expensive", 2, 66.7), ("has supplier", 1, 33.3)]


async def test_by_campaign_agent_and_segment(database_url: str, data: Any):
    report = await report_of(database_url, refusals_report, data.boss)
    assert report.breakdowns["campaigns"] == [
        ("Winter", 5, 3, 60.0, 2, 1, 1),
        ("Calls' wrap-ups", 3, 0, 0.0, 2, 0, 0),
    ]
    assert report.breakdowns["agents"] == [
        ("Olga Operator", 7, 3, 42.9, 3, 1, 1),
        ("Masha One", 1, 0, 0.0, 1, 0, 0),
    ]
    assert report.breakdowns["segments"] == [
        ("Retail", 4, 2, 50.0, 2, 1, 1),
        ("(no segment)", 3, 1, 33.3, 1, 0, 0),
        ("Wholesale", 1, 0, 0.0, 1, 0, 0),
    ]


async def test_trend_by_day_over_a_month(database_url: str, data: Any):
    report = await report_of(database_url, refusals_report, data.boss)
    assert report.step == "day"
    rows = report.trend_rows()
    assert len(rows) == 31 and sum(r[1] for r in rows) == 8
    refused = [(r[0], r[2]) for r in rows if r[2]]
    assert refused == [(date(2026, 1, 11), 1), (date(2026, 1, 21), 1), (date(2026, 1, 22), 1)]


async def test_the_clients_behind_the_figures(database_url: str, data: Any):
    report = await report_of(database_url, refusals_report, data.boss)
    assert report.not_bought == [
        ("Gamma", datetime(2026, 1, 25, 11, tzinfo=UTC), "Sale", "Winter", "Olga Operator")
    ]
    assert report.complained == [
        (
            "Eps",
            datetime(2026, 1, 21, 11, tzinfo=UTC),
            "Not interested: has supplier",
            "Winter",
            "Olga Operator",
        )
    ]


async def test_filters_by_campaign_agent_and_own_figures(database_url: str, data: Any):
    winter = await report_of(database_url, refusals_report, data.boss, campaign=data.campaign)
    assert winter.total.row("")[1:3] == (5, 3)
    assert [r[0] for r in winter.breakdowns["campaigns"]] == ["Winter"]
    masha = await report_of(database_url, refusals_report, data.boss, manager=data.m1.id)
    assert masha.total.row("")[1:3] == (1, 0)
    own = await report_of(database_url, refusals_report, data.m1)  # kept to her own
    assert own.total == masha.total and own.not_bought == []


async def test_api_body_has_totals_and_every_table(database_url: str, data: Any):
    body = (await report_of(database_url, refusals_report, data.boss)).as_dict()
    assert body["totals"] == {
        "results": 8,
        "refusals": 3,
        "refusal_rate": 37.5,
        "interested": 4,
        "interested_not_bought": 1,
        "after_complaint": 1,
    }
    assert body["reasons"][0] == {"reason": "expensive", "refusals": 2, "share": 66.7}
    assert body["after_complaint"][0]["at"] == "2026-01-21T11:00:00+00:00"
