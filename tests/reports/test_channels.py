"""The channels report against the fixed data set (tests/reports/sales_data.py), by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from callcenter.reports.sales.channels import channels_report
from tests.reports.sales_data import load_sales_data, report_of


@pytest.fixture
async def data(database_url: str, make_user: Any) -> Any:
    return await load_sales_data(database_url, make_user)


async def test_clients_calls_orders_and_revenue_by_channel(database_url: str, data: Any):
    report = await report_of(database_url, channels_report, data.boss)
    # o4 was taken from a radio ad though its client came from Yandex; o3 was cancelled;
    # call5 is with Old, a Yandex client from December
    assert report.channels == [
        ("Radio", 2, 2, 100.0, 2, 1, 2, Decimal("2400.00"), Decimal("1200.00")),
        ("Yandex", 2, 2, 100.0, 3, 3, 2, Decimal("1500.00"), Decimal("750.00")),
        ("(no channel)", 1, 0, 0.0, 0, 0, 0, Decimal("0.00"), None),
    ]
    assert report.totals == ("Total", 5, 4, 80.0, 5, 4, 4, Decimal("3900.00"), Decimal("975.00"))


async def test_when_clients_came_and_bought(database_url: str, data: Any):
    report = await report_of(database_url, channels_report, data.boss)
    assert report.step == "day"
    assert report.trend_rows() == [
        (date(2026, 1, 5), "Yandex", 1, 1, Decimal("1000.00")),
        (date(2026, 1, 6), "Yandex", 1, 0, Decimal("0.00")),
        (date(2026, 1, 8), "Yandex", 0, 1, Decimal("500.00")),
        (date(2026, 1, 10), "Radio", 1, 0, Decimal("0.00")),
        (date(2026, 1, 12), "Radio", 1, 0, Decimal("0.00")),
        (date(2026, 1, 14), "Radio", 0, 1, Decimal("400.00")),
        (date(2026, 1, 20), "(no channel)", 1, 0, Decimal("0.00")),
        (date(2026, 1, 28), "Radio", 0, 1, Decimal("2000.00")),
    ]


async def test_a_year_is_shown_by_week(database_url: str, data: Any):
    report = await report_of(
        database_url, channels_report, data.boss, since="2025-03-01", until="2026-02-28"
    )
    assert report.step == "week"
    assert sum(r[4] for r in report.trend_rows()) == Decimal("4700.00")  # with o5's 800


async def test_the_period_is_read_in_the_users_time_zone_to_the_hour(database_url: str, data: Any):
    from tests.reports.sales_data import add_late_order

    await add_late_order(database_url, data)  # Jan 31 22:30 UTC = Feb 1 01:30 in Moscow
    utc = await report_of(database_url, channels_report, data.boss)
    moscow = await report_of(database_url, channels_report, data.boss, timezone="Europe/Moscow")
    assert utc.totals[6:8] == (5, Decimal("4000.00"))
    assert moscow.totals[6:8] == (4, Decimal("3900.00"))


async def test_a_manager_sees_own_clients_and_orders(database_url: str, data: Any):
    report = await report_of(database_url, channels_report, data.m2)
    assert report.totals == ("Total", 2, 2, 100.0, 2, 1, 1, Decimal("400.00"), Decimal("400.00"))
