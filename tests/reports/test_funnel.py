"""The sales funnel against the fixed data set (tests/reports/sales_data.py), by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from callcenter.errors import Forbidden
from callcenter.reports.sales.funnel import conversions, funnel_report, leak
from tests.reports.sales_data import load_sales_data, report_of


@pytest.fixture
async def data(database_url: str, make_user: Any) -> Any:
    return await load_sales_data(database_url, make_user)


def test_conversion_is_each_stage_over_the_one_before_and_the_leak_the_worst_step():
    assert conversions((10, 8, 2, 2, 1)) == [None, 80.0, 25.0, 100.0, 50.0]
    assert leak((10, 8, 2, 2, 1)) == "contacted>interested"
    assert leak((3, 3, 3, 3, 3)) == ""
    # the step that loses the most people, not the lowest rate on a handful of orders
    assert leak((40, 10, 9, 1, 0)) == "leads>contacted"  # 30 lost; 1 of 1 order is 0 %
    assert leak((100, 50, 48, 46, 1)) == "leads>contacted"  # 50 lost; not 46 -> 1 (2 %)
    assert leak((4, 3, 2, 2, 2)) == "leads>contacted"  # a tie: the earlier step
    assert leak((0, 0, 0, 0, 0)) == "" and leak((1, 0, 0, 0, 0)) == "leads>contacted"
    assert conversions((0, 0, 0, 0, 0)) == [None, None, None, None, None]


async def test_january_leads_and_how_far_they_got(database_url: str, data: Any):
    report = await report_of(database_url, funnel_report, data.boss)
    # c1..c5 came in January; c5 was reached by the campaign but refused; c3's call was
    # missed but the campaign reached him; only c1's order was delivered
    assert report.stages == [
        ("Leads", 5, None, 100.0),
        ("Contacted", 5, 100.0, 100.0),
        ("Interested", 4, 80.0, 80.0),
        ("Ordered", 4, 100.0, 80.0),
        ("Delivered", 1, 25.0, 20.0),
    ]
    assert report.leaks_at == "Ordered → Delivered"
    assert report.managers == [
        ("Masha One", 3, 3, 2, 2, 1, 66.7, "Contacted → Interested"),  # 1 lost, the first
        ("Misha Two", 2, 2, 2, 2, 0, 100.0, "Ordered → Delivered"),
    ]


async def test_unfinished_orders_by_stage_and_overdue_now(database_url: str, data: Any):
    report = await report_of(database_url, funnel_report, data.boss)
    assert report.unfinished == [
        ("New", 1, Decimal("500.00")),
        ("Accepted", 1, Decimal("400.00")),
        ("Shipped", 1, Decimal("2000.00")),
    ]
    assert report.overdue_now == 1  # o2, due on Jan 9


async def test_filters_keep_to_a_channel_and_a_segment(database_url: str, data: Any):
    radio = await report_of(database_url, funnel_report, data.boss, channel=data.radio)
    assert [s[1] for s in radio.stages] == [2, 2, 2, 2, 0]
    assert radio.unfinished == [
        ("Accepted", 1, Decimal("400.00")),
        ("Shipped", 1, Decimal("2000.00")),
    ]
    retail = await report_of(database_url, funnel_report, data.boss, segment=data.retail)
    assert [s[1] for s in retail.stages] == [3, 3, 2, 2, 1]  # c1, c3, c5


async def test_a_manager_kept_to_own_clients_sees_own_funnel_only(database_url: str, data: Any):
    report = await report_of(database_url, funnel_report, data.m1)
    assert [s[1] for s in report.stages] == [3, 3, 2, 2, 1]
    assert [m[0] for m in report.managers] == ["Masha One"]
    with pytest.raises(Forbidden):
        await report_of(database_url, funnel_report, data.m1, manager=data.m2.id)


async def test_api_gives_what_the_page_shows(database_url: str, data: Any):
    report = await report_of(database_url, funnel_report, data.boss)
    body = report.as_dict()
    assert body["stages"][4] == {
        "stage": "Delivered",
        "clients": 1,
        "conversion": 25.0,
        "of_leads": 20.0,
    }
    assert body["unfinished"][2] == {"stage": "Shipped", "orders": 1, "amount": "2000.00"}
    assert body["overdue_now"] == 1
