"""The segments report against the fixed data set (tests/reports/sales_data.py), by hand."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.db import make_engine, make_sessionmaker
from callcenter.reports.sales.regions import region_of
from callcenter.reports.sales.segments import segments_report
from tests.reports.sales_data import load_sales_data, report_of


@pytest.fixture
async def data(database_url: str, make_user: Any) -> Any:
    return await load_sales_data(database_url, make_user)


async def test_revenue_margin_and_growth_by_segment(database_url: str, data: Any):
    report = await report_of(database_url, segments_report, data.boss)
    # not cancelled: o1 1000 and o4 2000 (Retail, P1 at cost 600: margin 400 + 800),
    # o2 500 (Wholesale, a free-text line: cost unknown), o6 400 (no segment; P2 has no
    # cost); December (the period before) had o5 800 with no segment
    assert report.breakdowns["segments"] == [
        ("Retail", 2, D("3000.00"), 100.0, D("1200.00"), 40.0, D("0.00"), None),
        ("Wholesale", 1, D("500.00"), 0.0, None, None, D("0.00"), None),
        ("(no segment)", 1, D("400.00"), 0.0, None, None, D("800.00"), -50.0),
    ]
    assert report.totals == ("Total", 4, D("3900.00"), 76.9, D("1200.00"), 40.0, D("800.00"), 387.5)


async def test_by_tag_region_and_channel(database_url: str, data: Any):
    report = await report_of(database_url, segments_report, data.boss)
    assert report.breakdowns["tags"] == [
        ("vip", 2, D("3000.00"), 100.0, D("1200.00"), 40.0, D("0.00"), None)
    ]
    assert report.breakdowns["regions"] == [
        ("Москва", 2, D("3000.00"), 100.0, D("1200.00"), 40.0, D("0.00"), None),
        ("Московская область", 1, D("500.00"), 0.0, None, None, D("0.00"), None),
        ("(region unknown)", 1, D("400.00"), 0.0, None, None, D("800.00"), -50.0),
    ]
    assert report.breakdowns["channels"] == [
        ("Radio", 2, D("2400.00"), 83.3, D("800.00"), 40.0, D("0.00"), None),
        ("Yandex", 2, D("1500.00"), 66.7, D("400.00"), 40.0, D("800.00"), 87.5),
    ]


async def test_filtered_by_segment_and_own_figures(database_url: str, data: Any):
    retail = await report_of(database_url, segments_report, data.boss, segment=data.retail)
    assert [r[0] for r in retail.breakdowns["segments"]] == ["Retail"]
    assert [r[0] for r in retail.breakdowns["channels"]] == ["Radio", "Yandex"]
    own = await report_of(database_url, segments_report, data.m2)  # o6 only (o3 cancelled)
    assert own.totals == ("Total", 1, D("400.00"), 0.0, None, None, D("0.00"), None)


@pytest.mark.parametrize(
    ("postal", "legal", "region"),
    [
        ("г. Москва, ул. Тверская, 1", "", "Москва"),
        ("", "142100, Московская обл., г. Подольск", "Московская область"),
        ("Свердловская область, г. Екатеринбург", "", "Свердловская область"),
        ("350000, Краснодарский край, г. Краснодар", "", "Краснодарский край"),
        ("Республика Татарстан, г. Казань", "", "Республика Татарстан"),
        ("Татарстан Респ, г. Казань", "", "Республика Татарстан"),
        (
            "Ханты-Мансийский автономный округ - Югра, г. Сургут",
            "",
            "Ханты-Мансийский автономный округ",
        ),
        ("  ", "Санкт-Петербург, Невский пр., 1", "Санкт-Петербург"),
        ("ул. Ленина, 5", "", ""),
        ("", "", ""),
    ],
)
async def test_region_is_read_from_the_address(
    database_url: str, postal: str, legal: str, region: str
):
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        assert await session.scalar(select(region_of(postal, legal))) == region
    await engine.dispose()
