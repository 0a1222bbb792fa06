"""The refusals, funnel, channels and segments pages, their API and exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest

from callcenter.reports import registry
from tests.conftest import sign_in
from tests.reports.sales_data import load_sales_data

SALES = ("refusals", "funnel", "channels", "segments")
MODULES = {
    "refusals": "callcenter.reports.refusals.report",
    "funnel": "callcenter.reports.sales.funnel",
    "channels": "callcenter.reports.sales.channels",
    "segments": "callcenter.reports.sales.segments",
}
JANUARY = "since=2026-01-01&until=2026-01-31"


@pytest.fixture(autouse=True)
def sales_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only this branch's reports are registered."""
    monkeypatch.setattr(registry, "REPORT_MODULES", tuple(MODULES[n] for n in SALES))
    registry._specs.cache_clear()
    yield
    registry._specs.cache_clear()


@pytest.mark.parametrize("name", SALES)
async def test_page_shows_figures_charts_formulas_and_exports(
    client: Any, make_user: Any, database_url: str, name: str
):
    data = await load_sales_data(database_url, make_user)
    await sign_in(client, data.boss)
    response = await client.get(f"/reports/{name}?{JANUARY}")
    page = await response.text()
    assert response.status == 200, page
    assert page.count("<svg") >= 2
    assert "How it is counted" in page
    assert f"/api/v1/reports/{name}/export?" in page
    index = await (await client.get("/reports")).text()
    assert f'href="/reports/{name}"' in index


async def test_api_gives_the_figures_the_page_shows(api_as: Any, make_user: Any, database_url: str):
    client, _ = await api_as("supervisor")
    await load_sales_data(database_url, make_user)
    funnel = await (await client.get(f"/api/v1/reports/funnel?{JANUARY}")).json()
    assert [s["clients"] for s in funnel["stages"]] == [5, 5, 4, 4, 1]
    channels = await (await client.get(f"/api/v1/reports/channels?{JANUARY}")).json()
    assert channels["totals"]["revenue"] == "3900.00"
    segments = await (await client.get(f"/api/v1/reports/segments?{JANUARY}")).json()
    assert segments["segments"][0]["margin"] == "1200.00"
    refusals = await (await client.get(f"/api/v1/reports/refusals?{JANUARY}&campaign=1")).json()
    assert refusals["totals"]["refusals"] == 3
    bad = await client.get("/api/v1/reports/funnel?queue=sales")
    assert bad.status == 422 and "queue" in (await bad.json())["fields"]


async def test_a_table_exports_as_csv(api_as: Any, make_user: Any, database_url: str):
    client, _ = await api_as("admin")
    await load_sales_data(database_url, make_user)
    response = await client.get(
        f"/api/v1/reports/segments/export?{JANUARY}&table=regions&format=csv"
    )
    assert response.status == 200
    text = (await response.read()).decode("utf-8-sig")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert rows[0][0] == "Region"
    assert [r[0] for r in rows[1:]] == ["Москва", "Московская область", "(region unknown)"]


async def test_a_manager_kept_to_own_clients_sees_own_figures_only(
    client: Any, make_user: Any, database_url: str
):
    data = await load_sales_data(database_url, make_user)
    await sign_in(client, data.m1)
    own = await client.get(f"/api/v1/reports/channels?{JANUARY}")
    assert (await own.json())["totals"]["revenue"] == "3500.00"  # o1, o2, o4
    other = await client.get(f"/api/v1/reports/channels?{JANUARY}&manager={data.m2.id}")
    assert other.status == 403


async def test_operators_see_no_sales_report(client: Any, make_user: Any, database_url: str):
    data = await load_sales_data(database_url, make_user)
    await sign_in(client, data.op)
    for name in SALES:
        assert (await client.get(f"/reports/{name}")).status == 403
