"""Mailings in the channels report, against the fixed data set (tests/reports/sales_data.py):
an order credited to a mailing moves from its client's channel to "Mailings" unless it names
its own channel; a cancelled one stays out; the totals do not change (nothing counted twice)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from callcenter.db import make_engine, make_sessionmaker
from callcenter.mailings.models import Mailing, MailingRecipient
from callcenter.mailings.tracking import record_open
from callcenter.reports.sales.channels import channels_report
from tests.reports.sales_data import load_sales_data, report_of


@pytest.fixture
async def data(database_url: str, make_user: Any) -> Any:
    return await load_sales_data(database_url, make_user)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def _touch(database_url: str, opens: list[tuple[int, str]]) -> None:
    """A sent mailing whose letters to these clients were opened at these moments."""
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        mailing = Mailing(
            name="Январь", channel="email", kind="service", audience={}, subject="s",
            body_html="", body_text="t", state="done", window_from=time(0), window_to=time(23),
            rate_per_minute=60, attribution_days=7,
        )  # fmt: skip
        session.add(mailing)
        await session.flush()
        recipients: dict[int, int] = {}
        for client_id, at in opens:
            if client_id not in recipients:
                row = MailingRecipient(
                    mailing_id=mailing.id, client_id=client_id, name=str(client_id),
                    address=f"c{client_id}@example.ru", zones="", state="sent", reason="",
                    attempts=1, sent_at=_at("2026-01-01 00:00"),
                )  # fmt: skip
                session.add(row)
                await session.flush()
                recipients[client_id] = row.id
            assert await record_open(session, recipient_id=recipients[client_id], at=_at(at))
    await engine.dispose()


async def test_a_mailing_order_moves_to_mailings_and_the_totals_stay(
    database_url: str, data: Any
) -> None:
    # Alpha (c1, Yandex) opened on Jan 5 before o1 (11:00, 1000, no channel of its own: moved)
    # and on Jan 27 before o4 (Jan 28, 2000, its own channel Radio: stays); Gamma (c3) opened
    # before o3 (Jan 26, cancelled: out anyway)
    await _touch(database_url, [(1, "2026-01-05 10:00"), (1, "2026-01-27 09:00"),
                                (3, "2026-01-25 09:00")])  # fmt: skip
    report = await report_of(database_url, channels_report, data.boss)
    assert report.channels == [
        ("Radio", 2, 2, 100.0, 2, 1, 2, Decimal("2400.00"), Decimal("1200.00")),
        ("Mailings", 0, 0, None, 0, 0, 1, Decimal("1000.00"), Decimal("1000.00")),
        ("Yandex", 2, 2, 100.0, 3, 3, 1, Decimal("500.00"), Decimal("500.00")),
        ("(no channel)", 1, 0, 0.0, 0, 0, 0, Decimal("0.00"), None),
    ]
    assert report.totals == ("Total", 5, 4, 80.0, 5, 4, 4, Decimal("3900.00"), Decimal("975.00"))
    rows = [r for r in report.trend_rows() if r[0].day == 5]
    assert rows == [
        (rows[0][0], "Mailings", 0, 1, Decimal("1000.00")),
        (rows[0][0], "Yandex", 1, 0, Decimal("0.00")),
    ]


async def test_a_touch_after_the_order_or_past_the_window_moves_nothing(
    database_url: str, data: Any
) -> None:
    await _touch(database_url, [(1, "2026-01-05 11:00:01"), (2, "2025-12-31 23:59")])
    report = await report_of(database_url, channels_report, data.boss)
    assert [r[0] for r in report.channels] == ["Radio", "Yandex", "(no channel)"]
    assert report.channels[1][6:8] == (2, Decimal("1500.00"))
