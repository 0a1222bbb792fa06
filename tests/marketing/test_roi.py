"""Channel ROI against hand-computed values (the sales data set of tests/reports, January 2026).

The data: Alpha (Yandex) orders o1 1000 on Jan 5 (product P1, cost 600: profit 400) and o4
2000 on Jan 28 (2 x P1: profit 800); Beta (Yandex) o2 500 on Jan 8 (a line with no product:
no cost known); Gamma (Radio) only a cancelled order; Delta (Radio) o6 400 on Jan 14 (4 x P2,
whose cost this test sets to 60: profit 160); Eps (no channel) nothing; Old (Yandex) ordered
in December. Spend: Yandex 3100 a month in January, 2800 in February; Radio 620 in January.
Touches: a website lead puts Alpha on Radio on Jan 20, and Beta calls Radio's tracked number
on Jan 7.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from callcenter.calls.models import CallRow
from callcenter.marketing.models import ChannelSpend, ClientTouch, TrackedNumber
from callcenter.marketing.roi import per, period_cost, roi, romi
from callcenter.reports.sales.channels import channels_report
from tests.marketing.support import in_db
from tests.reports.sales_data import load_sales_data, report_of

D = Decimal
YANDEX, RADIO = 1, 2


def test_each_formula_against_hand_computed_values() -> None:
    assert per(D("3100.00"), 2) == D("1550.00")
    assert per(D("1000.00"), 3) == D("333.33")
    assert roi(D("3500"), D("3100")) == D("12.9")  # (3500 - 3100) / 3100 = 12.90 %
    assert roi(D("400"), D("620")) == D("-35.5")  # (400 - 620) / 620 = -35.48 %
    assert romi(D("2400"), D("0.4"), D("620")) == D("54.8")  # (960 - 620) / 620 = 54.84 %
    assert romi(D("400"), D("0.4"), D("620")) == D("-74.2")  # (160 - 620) / 620 = -74.19 %


@pytest.mark.parametrize(
    ("figure", "args"),
    [
        (per, (D("100"), 0)),
        (per, (D("0"), 0)),
        (roi, (D("100"), D("0"))),
        (roi, (D("0"), D("0"))),
        (romi, (D("100"), D("0.5"), D("0"))),
        (romi, (D("100"), None, D("50"))),  # no margin known: ROMI is not known
    ],
)
def test_dividing_by_nothing_or_an_unknown_margin_is_none_shown_as_a_dash(
    figure: Any, args: tuple[Any, ...]
) -> None:
    assert figure(*args) is None


def test_a_months_spend_counts_by_the_share_of_its_days_inside_the_period() -> None:
    spend = [(date(2026, 1, 1), D("3100")), (date(2026, 2, 1), D("2800"))]
    assert period_cost(spend, date(2026, 1, 1), date(2026, 1, 31)) == D("3100.00")
    assert period_cost(spend, date(2026, 1, 16), date(2026, 2, 14)) == D("3000.00")  # 1600+1400
    assert period_cost(spend, date(2026, 3, 1), date(2026, 3, 31)) == D("0.00")
    assert period_cost(spend, date(2025, 1, 1), date(2027, 12, 31)) == D("5900.00")
    assert period_cost([(date(2024, 2, 1), D("290"))], date(2024, 2, 29), date(2024, 2, 29)) == D(
        "10.00"
    )  # a leap February: one day of 29


@pytest.fixture
async def data(database_url: str, make_user: Any) -> Any:
    loaded = await load_sales_data(database_url, make_user)

    async def more(session: Any) -> None:
        await session.execute(text("UPDATE products SET cost = 60 WHERE id = 2"))
        session.add_all(
            [
                ChannelSpend(channel_id=YANDEX, month=date(2025, 12, 1), amount=D("9999")),
                ChannelSpend(channel_id=YANDEX, month=date(2026, 1, 1), amount=D("3100")),
                ChannelSpend(channel_id=YANDEX, month=date(2026, 2, 1), amount=D("2800")),
                ChannelSpend(channel_id=RADIO, month=date(2026, 1, 1), amount=D("620")),
                TrackedNumber(number="+74951234567", channel_id=RADIO),
                ClientTouch(
                    client_id=1,
                    channel_id=RADIO,
                    source="lead",
                    touched_at=datetime(2026, 1, 20, tzinfo=UTC),
                ),
                CallRow(
                    linkedid="roi.1",
                    direction="inbound",
                    caller="+79160000002",
                    callee="+74951234567",
                    client_id=2,
                    started_at=datetime(2026, 1, 7, 12, tzinfo=UTC),
                ),
            ]
        )

    await in_db(database_url, more)
    return loaded


async def test_cost_leads_customers_revenue_roi_and_romi_by_first_and_last_touch(
    database_url: str, data: Any
) -> None:
    report = await report_of(database_url, channels_report, data.boss)
    none = ("(no channel)", D("0.00"), 1, D("0.00"), 0, None, D("0.00"), None, None)
    assert report.roi_first == [
        # 3500 revenue: o1 + o2 + o4; o2 has no cost, so Yandex's ROMI is not known
        ("Yandex", D("3100.00"), 2, D("1550.00"), 2, D("1550.00"), D("3500.00"), D("12.9"), None),
        ("Radio", D("620.00"), 2, D("310.00"), 1, D("620.00"), D("400.00"), D("-35.5"), D("-74.2")),
        none,
    ]
    assert report.roi_last == [
        # Beta's call (Jan 7) moves o2 and Beta as a customer; Alpha's lead (Jan 20), o4
        ("Radio", D("620.00"), 2, D("310.00"), 2, D("310.00"), D("2900.00"), D("367.7"), None),
        ("Yandex", D("3100.00"), 2, D("1550.00"), 1, D("3100.00"), D("1000.00"), D("-67.7"),
         D("-87.1")),
        none,
    ]  # fmt: skip
    assert report.roi_totals == (
        "Total", D("3720.00"), 5, D("744.00"), 3, D("1240.00"), D("3900.00"), D("4.8"), None,
    )  # fmt: skip
    assert report.romi_unknown == ["Radio", "Yandex"]
    assert {"roi_first", "roi_last", "romi_unknown"} <= set(report.as_dict())


async def test_a_period_across_months_prorates_the_spend(database_url: str, data: Any) -> None:
    report = await report_of(
        database_url, channels_report, data.boss, since="2026-01-16", until="2026-02-14"
    )
    costs = {row[0]: row[1] for row in report.roi_first}
    assert costs["Yandex"] == D("3000.00") and costs["Radio"] == D("320.00")


async def test_a_period_with_no_spend_and_no_sales_shows_dashes_not_errors(
    database_url: str, data: Any
) -> None:
    report = await report_of(
        database_url, channels_report, data.boss, since="2030-01-01", until="2030-01-31"
    )
    for row in report.roi_first + report.roi_last:
        assert row[3] is None and row[5] is None and row[7] is None and row[8] is None


async def test_the_channels_page_shows_the_figures_and_their_formulas(
    database_url: str, data: Any, client: Any
) -> None:
    from tests.conftest import sign_in

    await sign_in(client, data.boss)
    page = await (await client.get("/reports/channels?since=2026-01-01&until=2026-01-31")).text()
    for text_ in ("Return by first touch", "Return by last touch", "(revenue - cost) / cost x 100",
                  "ROMI is not known for Radio, Yandex", "367.7"):  # fmt: skip
        assert text_ in page
