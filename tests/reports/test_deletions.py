"""Hard deletions leave the report figures on the next refresh (report_deletions), checked
against the fixed data set (tests/reports/sales_data.py) by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from callcenter.db import make_engine, make_sessionmaker
from callcenter.demo import remove_demo
from callcenter.reports.loyalty.report import loyalty_report
from callcenter.reports.refusals.report import refusals_report
from callcenter.reports.rollups.deletions import note_deletions
from callcenter.reports.sales.channels import channels_report
from callcenter.reports.sales.funnel import funnel_report
from callcenter.reports.sales.segments import segments_report
from tests.reports.sales_data import load_sales_data, report_of
from tests.reports.support import rolled_up


@pytest.fixture
async def data(database_url: str, make_user: Any) -> Any:
    return await load_sales_data(database_url, make_user)


async def _in_transaction(database_url: str, work: Any) -> None:
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        await work(session)
    await rolled_up(sessionmaker)
    await engine.dispose()


def _row(report: Any, name: str) -> tuple[Any, ...]:
    return next(r for r in report.channels if r[0] == name)


async def test_a_deleted_order_leaves_the_sales_figures(database_url: str, data: Any):
    before = await report_of(database_url, channels_report, data.boss)
    assert _row(before, "Radio")[6:8] == (2, Decimal("2400.00"))  # o4 2000 (its own), o6 400

    async def delete_o4(session: Any) -> None:
        await note_deletions(session, orders=[4])
        await session.execute(text("DELETE FROM orders WHERE id = 4"))

    await _in_transaction(database_url, delete_o4)
    after = await report_of(database_url, channels_report, data.boss)
    assert _row(after, "Radio")[6:8] == (1, Decimal("400.00"))
    assert after.totals is not None and after.totals[7] == Decimal("1900.00")  # 3900 - 2000
    funnel = await report_of(database_url, funnel_report, data.boss)
    assert funnel.unfinished == [("New", 1, Decimal("500.00")), ("Accepted", 1, Decimal("400.00"))]
    segments = await report_of(database_url, segments_report, data.boss)
    assert segments.totals is not None and segments.totals[1:3] == (3, Decimal("1900.00"))


async def test_a_removed_client_leaves_leads_results_and_loyalty(database_url: str, data: Any):
    """Gamma (c3: Radio, Retail, Jan 10; a missed call, a refusal and a sale by the campaign,
    a cancelled order) goes with the demo."""
    boss = data.boss
    before = await report_of(database_url, funnel_report, boss)
    assert [s[1] for s in before.stages] == [5, 5, 4, 4, 1]
    refusals = await report_of(database_url, refusals_report, boss, segment=data.retail)
    assert refusals.total.refusals == 2  # Gamma's "expensive" and Eps's "has supplier"
    loyalty = await report_of(database_url, loyalty_report, boss)
    assert loyalty.base.clients == 6

    async def remove_gamma(session: Any) -> None:
        await session.execute(text("UPDATE clients SET is_demo = (id = 3)"))
        assert (await remove_demo(session))["clients"] == 1

    await _in_transaction(database_url, remove_gamma)
    after = await report_of(database_url, funnel_report, boss)
    assert [s[1] for s in after.stages] == [4, 4, 3, 3, 1]
    assert _row(await report_of(database_url, channels_report, boss), "Radio")[1:3] == (1, 1)
    refusals = await report_of(database_url, refusals_report, boss, segment=data.retail)
    assert refusals.total.refusals == 1  # her result stays, with no client: no segment
    everyone = await report_of(database_url, refusals_report, boss)
    assert everyone.total.results == 8
    loyalty = await report_of(database_url, loyalty_report, boss)
    assert loyalty.base.clients == 5


async def test_the_log_is_pruned_once_every_rollup_has_passed_it(database_url: str, data: Any):
    async def log_and_age(session: Any) -> None:
        await note_deletions(session, orders=[4])
        await session.execute(
            text("UPDATE report_deletions SET deleted_at = now() - interval '1 day'")
        )

    await _in_transaction(database_url, log_and_age)
    await _in_transaction(database_url, lambda session: note_deletions(session, orders=[5]))
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        kept = await session.scalar(text("SELECT count(*) FROM report_deletions"))
    await engine.dispose()
    assert kept == 2  # o5's taking and its stage's change; o4's are gone


async def test_removed_demo_staff_leave_the_managers_figures(database_url: str, data: Any):
    """Real clients and orders a demo manager owned lose their owner with the demo (the
    foreign keys set it to null), and the rollups follow: nothing is left under that
    manager, the funnel no longer names them, and the totals stay."""
    before = await report_of(database_url, funnel_report, data.boss)
    assert "Misha Two" in [row[0] for row in before.managers]
    mine = {"manager": data.m2.id}
    channels = await report_of(database_url, channels_report, data.boss, **mine)
    assert channels.totals is not None and channels.totals[1] == 2

    async def remove_misha(session: Any) -> None:
        await session.execute(text("UPDATE clients SET is_demo = false"))
        await session.execute(text("UPDATE users SET is_demo = (id = :m2)"), {"m2": data.m2.id})
        assert (await remove_demo(session))["users"] == 1

    await _in_transaction(database_url, remove_misha)
    after = await report_of(database_url, funnel_report, data.boss)
    assert "Misha Two" not in [row[0] for row in after.managers]
    assert [s[1] for s in after.stages] == [s[1] for s in before.stages]  # nobody else moved
    assert (await report_of(database_url, channels_report, data.boss, **mine)).totals is None
    funnel = await report_of(database_url, funnel_report, data.boss, **mine)
    assert [s[1] for s in funnel.stages] == [0, 0, 0, 0, 0]
    loyalty = await report_of(database_url, loyalty_report, data.boss, **mine)
    assert loyalty.base.clients == 0
