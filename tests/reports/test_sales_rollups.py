"""The sales rollups: built from the raw rows, kept fresh by what changed, exact at the
period's ends."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from callcenter.db import make_engine, make_sessionmaker
from callcenter.reports.refusals.report import refusals_report
from callcenter.reports.rollups.days import day_ranges, whole_days
from callcenter.reports.rollups.refresh import all_rollups, refresh_rollups
from callcenter.reports.sales.channels import channels_report
from callcenter.reports.sales.funnel import funnel_report
from callcenter.reports.sales.models import SLICES
from callcenter.reports.sales.order_rollups import ORDER_DAYS
from tests.reports.sales_data import load_sales_data, report_of


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_whole_utc_days_inside_a_local_period():
    # January in Moscow: Dec 31 21:00 UTC .. Jan 31 21:00 UTC
    assert whole_days(utc(2025, 12, 31, 21), utc(2026, 1, 31, 21)) == (
        utc(2026, 1, 1),
        utc(2026, 1, 31),
    )
    assert whole_days(utc(2026, 1, 1), utc(2026, 1, 2)) == (utc(2026, 1, 1), utc(2026, 1, 2))
    # a Moscow day holds no whole UTC day: all of it is read raw
    first, last = whole_days(utc(2026, 1, 4, 21), utc(2026, 1, 5, 21))
    assert first == last


def test_consecutive_days_are_rebuilt_as_one_range():
    days = [utc(2026, 1, 3), utc(2026, 1, 1), utc(2026, 1, 2), utc(2026, 1, 9)]
    assert day_ranges(days) == [
        (utc(2026, 1, 1), utc(2026, 1, 4)),
        (utc(2026, 1, 9), utc(2026, 1, 10)),
    ]


@pytest.fixture
async def data(database_url: str, make_user: Any) -> Any:
    return await load_sales_data(database_url, make_user)


async def _execute(database_url: str, sql: str, **params: Any) -> None:
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        await session.execute(text(sql), params)
    await engine.dispose()


async def _refresh(database_url: str) -> dict[str, int] | None:
    engine = make_engine(database_url)
    done = await refresh_rollups(make_sessionmaker(engine))
    await engine.dispose()
    return done


async def _contents(sessionmaker: Any, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    async with sessionmaker() as session:
        return {
            t: sorted(map(tuple, await session.execute(text(f"SELECT * FROM {t}")))) for t in tables
        }


async def test_a_rollup_holds_what_its_raw_rows_give_and_rebuilding_changes_nothing(
    database_url: str, data: Any
):
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    for rollup in [r for r in all_rollups() if r.name in SLICES]:  # the sales day rollups
        tables = [rollup.name, *(t.name for t in SLICES[rollup.name])]
        before = await _contents(sessionmaker, tables)
        async with sessionmaker.begin() as session:
            days = await session.execute(text(f"SELECT DISTINCT day FROM {rollup.name}"))
            await rollup.rebuild(session, [d for (d,) in days])
        assert all(before.values()) and await _contents(sessionmaker, tables) == before
    async with sessionmaker() as session:  # rollup and raw rows agree (o3, cancelled, too)
        rows = await ORDER_DAYS.period(session, utc(2026, 1, 1), utc(2026, 2, 1), {"day"})
        raw = ORDER_DAYS.facts(utc(2026, 1, 1), utc(2026, 2, 1)).subquery()
        assert await session.scalar(select(func.sum(rows.c.revenue))) == Decimal("4200.00")
        assert await session.scalar(select(func.sum(raw.c.revenue))) == Decimal("4200.00")
    await engine.dispose()


async def test_a_delivered_order_moves_the_funnel_on_the_next_refresh(database_url: str, data: Any):
    await _refresh(database_url)  # nothing changed: nothing rebuilt
    await _execute(
        database_url,
        "UPDATE orders SET status_id = (SELECT id FROM order_statuses WHERE code = 'delivered'), "
        "status_changed_at = now(), updated_at = now() WHERE id = 6",
    )
    assert await _refresh(database_url) is not None
    funnel = await report_of(database_url, funnel_report, data.boss)
    assert [s[1] for s in funnel.stages] == [5, 5, 4, 4, 2]
    assert [u[0] for u in funnel.unfinished] == ["New", "Shipped"]


async def test_a_client_moved_to_another_channel_moves_their_figures(database_url: str, data: Any):
    await _execute(
        database_url, "UPDATE clients SET channel_id = 2, updated_at = now() WHERE id = 2"
    )
    await _refresh(database_url)
    report = await report_of(database_url, channels_report, data.boss)
    radio = next(r for r in report.channels if r[0] == "Radio")
    assert radio[1:3] == (3, 3)  # Beta came from the radio now, and ordered
    assert radio[7] == Decimal("2900.00")  # with her order o2


async def test_an_order_after_a_refusal_and_a_new_disposition_are_counted(
    database_url: str, data: Any
):
    # Gamma's cancelled order is replaced by a new one: she bought after her "sale"
    await _execute(
        database_url,
        "INSERT INTO orders (id, number, client_id, manager_id, status_id, status_changed_at, "
        "currency, total, notes, created_at, updated_at) VALUES (8, 'N8', 3, :m, "
        "(SELECT id FROM order_statuses WHERE code = 'new'), now(), 'RUB', 50, '', "
        ":at, now())",
        m=data.m2.id,
        at=utc(2026, 1, 27, 9),
    )
    await _execute(
        database_url,
        "INSERT INTO campaign_attempts (campaign_id, contact_id, action_id, number, started_at, "
        "outcome, linkedid, agent_id, agent_interface, disposition, refusal_reason, note, "
        "dispositioned_at) VALUES (1, 1, 'A9', '', :at, 'answered', '', :agent, '', 'no', "
        "'expensive', '', now())",
        at=utc(2026, 1, 29, 9),
        agent=data.op.id,
    )
    await _refresh(database_url)
    report = await report_of(database_url, refusals_report, data.boss)
    assert report.total.row("")[1:] == (8, 3, 37.5, 4, 0, 1)  # the new one is not January's
    assert report.not_bought == []
    today = datetime.now(UTC).date().isoformat()  # recorded now: seen by its stamp
    now = await report_of(database_url, refusals_report, data.boss, since=today, until=today)
    assert now.total.refusals == 1


async def test_reports_share_a_session_across_transactions(database_url: str, data: Any):
    """The raw ends of a period live in temporary tables of one transaction."""
    from callcenter.reports.filters import parse_filters
    from tests.reports.sales_data import JANUARY, NOW

    filters = parse_filters(JANUARY, timezone="Europe/Moscow", now=NOW)
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        first = await channels_report(session, filters=filters, user=data.boss)
        again = await channels_report(session, filters=filters, user=data.boss)
        await session.commit()  # the temporary tables go with the transaction
        after = await channels_report(session, filters=filters, user=data.boss)
    await engine.dispose()
    assert first.channels == again.channels == after.channels
    assert first.totals is not None and first.totals[7] == Decimal("3900.00")


async def test_rollups_kept_fresh_by_differences_equal_rollups_built_afresh(
    database_url: str, data: Any
):
    """A refresh adds what changed to the lead and order days (no day is rebuilt): the
    result is what building them from scratch gives."""
    from callcenter.reports.rollups.deletions import note_deletions
    from tests.reports.sales_data import rebuild_all

    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    cubes = ["report_client_days", "report_order_days", "report_order_region_days"]
    cubes += ["report_order_tag_days", "report_disposition_days"]
    ledgers = ["report_order_facts", "report_result_facts"]
    tables = [*ledgers, *cubes, *(t.name for c in cubes for t in SLICES[c])]
    async with sessionmaker.begin() as session:
        # Eps moves to the radio and orders; Delta's order is delivered; Gamma is deleted
        await session.execute(
            text("UPDATE clients SET channel_id = 2, updated_at = now() WHERE id = 5")
        )
        await session.execute(
            text(
                "INSERT INTO orders (number, client_id, status_id, status_changed_at, currency, "
                "total, notes, created_at, updated_at) VALUES ('N9', 5, (SELECT id FROM "
                "order_statuses WHERE code = 'new'), now(), 'RUB', 10, '', now(), now())"
            )
        )
        await session.execute(
            text(
                "UPDATE orders SET status_id = (SELECT id FROM order_statuses WHERE code = "
                "'delivered'), status_changed_at = now(), updated_at = now() WHERE id = 6"
            )
        )
        await note_deletions(session, clients=[3])
        await session.execute(text("DELETE FROM clients WHERE id = 3"))
        # Beta gets the vip tag and moves to Tatarstan; P2 gets a cost; o1 is deleted
        await session.execute(text("INSERT INTO client_tags VALUES (2, 1)"))
        await session.execute(
            text(
                "UPDATE clients SET postal_address = 'Республика Татарстан, г. Казань', "
                "updated_at = now() WHERE id = 2"
            )
        )
        await session.execute(
            text("UPDATE products SET cost = 40, updated_at = now() WHERE id = 2")
        )
        await note_deletions(session, orders=[1])
        await session.execute(text("DELETE FROM orders WHERE id = 1"))
        # Eps complains again (before nothing new); a wrap-up on Delta's call is recorded
        await session.execute(
            text(
                "INSERT INTO feedback (kind, status, client_id, text, resolution, created_at, "
                "updated_at) VALUES ('complaint', 'new', 5, 'again', '', now(), now())"
            )
        )
        await session.execute(
            text(
                "INSERT INTO call_wrapups (call_id, result, note, created_at) "
                "VALUES (4, 'sale', '', now())"
            )
        )
    await _refresh(database_url)
    kept = await _contents(sessionmaker, tables)
    assert all(kept.values())
    await rebuild_all(sessionmaker)
    assert kept == await _contents(sessionmaker, tables)
    radio = [r for r in kept["report_client_days_by_channel"] if r[1] == 2]
    assert [r[2:] for r in radio] == [(1, 1, 1, 1, 1), (1, 1, 1, 1, 0)]  # Delta; Eps moved
    vip = [r[1:] for r in kept["report_order_tag_days_by_tag"]]  # o2 tagged now; o1 gone
    assert vip == [
        (1, 1, Decimal("500.00"), Decimal("0.00"), Decimal("0.00")),
        (1, 1, Decimal("2000.00"), Decimal("2000.00"), Decimal("1200.00")),  # o4: 2 x P1
    ]
    await engine.dispose()


async def test_lead_milestones_refreshed_for_changed_clients_equal_milestones_built_afresh(
    database_url: str, data: Any
):
    """Each source of a milestone changes for someone (a campaign result, a call and its
    wrap-up, a wrap-up on an old call, a delivery, a merge, a new client): the refreshed
    milestones and lead days are, row by row, what building them from scratch gives."""
    from tests.reports.sales_data import rebuild_all

    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    tables = ["report_client_milestones", "report_client_days"]
    tables += [t.name for t in SLICES["report_client_days"]]
    async with sessionmaker.begin() as session:
        for sql in (
            # Gamma's "sale" is taken back: her interest is now her (cancelled) order
            "UPDATE campaign_attempts SET disposition = 'no', dispositioned_at = now() "
            "WHERE id = 5",
            # Eps calls in, is answered and the call ends in a sale
            "INSERT INTO calls (id, linkedid, pbx, direction, caller, callee, client_id, "
            "queue, started_at, answered_at, ended_at, wait_seconds, talk_seconds, "
            "hold_seconds, recording, agents) VALUES (9, 'L9', 'default', 'inbound', '', '', "
            "5, '', now(), now(), now(), 0, 10, 0, '', '{}')",
            "INSERT INTO call_wrapups (call_id, result, note, created_at) "
            "VALUES (9, 'sale', '', now())",
            # Old's call gets a follow-up; Beta's order is delivered; Delta is merged
            "INSERT INTO call_wrapups (call_id, result, note, created_at) "
            "VALUES (5, 'follow_up', '', now())",
            "UPDATE orders SET status_id = (SELECT id FROM order_statuses WHERE code = "
            "'delivered'), status_changed_at = now(), updated_at = now() WHERE id = 2",
            "UPDATE clients SET merged_into_id = 1, updated_at = now() WHERE id = 4",
            "INSERT INTO clients (id, kind, name, created_at, updated_at, postal_address, "
            "legal_address, notes, bank_name, is_demo) "
            "VALUES (7, 'person', 'New', now(), now(), '', '', '', '', false)",
        ):
            await session.execute(text(sql))
    await _refresh(database_url)
    kept = await _contents(sessionmaker, tables)
    await rebuild_all(sessionmaker)
    assert kept == await _contents(sessionmaker, tables)
    async with sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT client_id, interested_at = ordered_at, interested_at IS NOT NULL, "
                "delivered_at IS NOT NULL FROM report_client_milestones ORDER BY client_id"
            )
        )
        milestones = {client: flags for client, *flags in rows}
    assert sorted(milestones) == [1, 2, 3, 5, 6, 7]  # Delta merged away, New a lead
    assert milestones[3][0] and milestones[5][1] and milestones[6][1] and milestones[2][2]
    assert milestones[7] == [None, False, False]
    await engine.dispose()
