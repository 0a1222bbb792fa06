"""The framework's pages, API and exports, through the sample report."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from callcenter.backoffice.priority import autogroup_niceness, is_local, is_postgres_here
from callcenter.db import make_engine
from web.report_thread import REPORTS_APPLICATION

pytestmark = pytest.mark.usefixtures("sample_registry")


async def add_calls(database_url: str) -> None:
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        for i, (direction, talk, queue) in enumerate(
            [("inbound", 60, "sales"), ("inbound", 30, "support"), ("outbound", 90, "")]
        ):
            await conn.execute(
                text(
                    "INSERT INTO calls (linkedid, pbx, direction, caller, callee, queue, "
                    "started_at, wait_seconds, talk_seconds, hold_seconds, recording, agents) "
                    "VALUES (:l, 'default', :d, '', '', :q, :at, 0, :t, 0, '', '{}')"
                ),
                {
                    "l": f"c{i}",
                    "d": direction,
                    "q": queue,
                    "at": now - timedelta(minutes=i),
                    "t": talk,
                },
            )
    await engine.dispose()


@pytest.mark.parametrize("role", ["supervisor", "manager", "admin"])
async def test_report_api_answers_with_the_pages_figures(api_as: Any, database_url: str, role: str):
    client, _ = await api_as(role)
    await add_calls(database_url)
    response = await client.get("/api/v1/reports/sample?period=today")
    assert response.status == 200
    body = await response.json()
    assert body["directions"] == [
        {"direction": "inbound", "calls": 2, "talk_seconds": 90.0},
        {"direction": "outbound", "calls": 1, "talk_seconds": 90.0},
    ]
    assert body["filters"]["period"] == "today"
    queue = await (await client.get("/api/v1/reports/sample?period=today&queue=sales")).json()
    assert queue["directions"] == [{"direction": "inbound", "calls": 1, "talk_seconds": 60.0}]


async def test_a_report_is_read_below_the_floors_priority(api_as: Any, database_url: str):
    """An admin's report runs on the reports' own connections, whose backends (PostgreSQL
    on this machine) are reniced to the back office's priority: a long aggregate read again
    and again never takes the CPU the pops' and the PBX listener's queries need. The report's
    statement is held on a lock to be seen at work."""
    client, _ = await api_as("admin")
    await add_calls(database_url)
    holder, watcher = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        lock = holder.transaction()
        await lock.start()
        await holder.execute("LOCK TABLE calls IN ACCESS EXCLUSIVE MODE")
        request = asyncio.create_task(client.get("/api/v1/reports/sample?period=today"))
        backend = None
        for _ in range(200):  # (the watcher outside a transaction: its view is fresh each time)
            backend = await watcher.fetchrow(
                "SELECT pid, application_name, host(inet_server_addr()) AS address "
                "FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM calls%'"
            )
            if backend is not None:
                break
            await asyncio.sleep(0.02)
        assert backend is not None, "the report's statement never reached PostgreSQL"
        assert backend["application_name"] == REPORTS_APPLICATION
        if is_local(backend["address"]) and is_postgres_here(backend["pid"]):
            assert os.getpriority(os.PRIO_PROCESS, backend["pid"]) == 10  # the default
            assert autogroup_niceness(backend["pid"]) in (10, None)
        await lock.rollback()
        assert (await request).status == 200
    finally:
        await holder.close()
        await watcher.close()


async def test_operators_have_no_reports(api_as: Any, signed_in: Any):
    client, _ = await api_as("operator")
    assert (await client.get("/api/v1/reports/sample")).status == 403
    assert (await client.get("/api/v1/reports")).status == 403
    assert (await client.get("/api/v1/reports/sample/export?format=csv")).status == 403
    del client.session.headers["Authorization"]
    client, _, _ = await signed_in("operator")
    page = await client.get("/reports")
    assert page.status == 403
    assert 'href="/reports"' not in await (await client.get("/workspace")).text()


async def test_signed_out_api_is_refused(client: Any):
    assert (await client.get("/api/v1/reports/sample")).status == 401


async def test_bad_filters_answer_422_naming_them(api_as: Any):
    client, _ = await api_as("supervisor")
    response = await client.get("/api/v1/reports/sample?since=2026-02-30&channel=2")
    assert response.status == 422
    body = await response.json()
    assert body["error"] == "invalid"
    assert set(body["fields"]) == {"since", "channel"}
    assert (await client.get("/api/v1/reports/nosuch")).status == 404


async def test_report_list_names_every_report_the_user_may_read(api_as: Any):
    client, _ = await api_as("manager")
    body = await (await client.get("/api/v1/reports")).json()
    assert body["items"] == [
        {"name": "sample", "title": "Calls", "filters": ["queue"], "url": "/api/v1/reports/sample"}
    ]


async def test_page_shows_tables_filters_and_exports(signed_in: Any, database_url: str):
    client, _, _ = await signed_in("supervisor")
    await add_calls(database_url)
    index = await client.get("/reports")
    assert index.status == 200
    assert 'href="/reports/sample"' in await index.text()
    page = await client.get("/reports/sample?period=today&queue=sales")
    html = await page.text()
    assert page.status == 200
    assert '<option value="today" selected>' in html
    export = "period=today&amp;queue=sales&amp;table=directions&amp;format=csv"
    assert f"/api/v1/reports/sample/export?{export}" in html
    assert "1:00" in html  # 60 s of talk as a duration
    assert 'href="/reports"' in html  # the nav link


async def test_page_keeps_bad_filters_typed_and_says_why(signed_in: Any):
    client, _, _ = await signed_in("manager")
    page = await client.get("/reports/sample?since=2026-05-10&until=2026-05-01")
    assert page.status == 422
    html = await page.text()
    assert 'value="2026-05-10"' in html and 'value="2026-05-01"' in html
    assert "The period ends before it starts" in html
    assert 'id="table-directions"' in html  # the default period's figures meanwhile


async def test_export_csv_and_xlsx_hold_the_table(api_as: Any, database_url: str):
    client, _ = await api_as("supervisor")
    await add_calls(database_url)
    response = await client.get("/api/v1/reports/sample/export?period=today&format=csv")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert rows == [
        ["Direction", "Calls", "Talk"],
        ["inbound", "2", "90.0"],
        ["outbound", "1", "90.0"],
    ]
    response = await client.get("/api/v1/reports/sample/export?period=today&table=directions")
    assert response.status == 200
    with zipfile.ZipFile(io.BytesIO(await response.read())) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "outbound" in sheet and "<v>90.0</v>" in sheet
    missing = await client.get("/api/v1/reports/sample/export?table=nope&format=csv")
    assert missing.status == 404
    assert (await client.get("/api/v1/reports/sample/export?format=pdf")).status == 400
