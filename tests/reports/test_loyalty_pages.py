"""The loyalty and bonus pages, their API and exports, the client card's loyalty panel."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from callcenter.db import make_engine, make_sessionmaker, utcnow
from callcenter.reports import registry
from callcenter.reports.loyalty.base import client_score
from tests.reports.loyalty_data import Clients, add_loyalty_data
from tests.reports.support import rolled_up

HALF_YEAR = "since=2026-01-01&until=2026-06-30"
MARCH = "since=2026-03-01&until=2026-03-31"


@pytest.fixture(autouse=True)
def loyalty_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    modules = ("callcenter.reports.loyalty.report", "callcenter.bonuses.report")
    monkeypatch.setattr(registry, "REPORT_MODULES", modules)
    registry._specs.cache_clear()
    yield
    registry._specs.cache_clear()


@pytest.fixture
async def data(database_url: str, make_user: Any) -> AsyncIterator[Clients]:
    m1 = await make_user("manager", full_name="Manager One", login="m1")
    m2 = await make_user("manager", full_name="Manager Two", login="m2")
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        clients = await add_loyalty_data(session, m1.id, m2.id)
    await rolled_up(sessionmaker)
    yield clients
    await engine.dispose()


async def test_loyalty_page_draws_charts_and_formulas(signed_in: Any, data: Clients):
    client, _, _ = await signed_in("supervisor")
    page = await client.get(f"/reports/loyalty?{HALF_YEAR}")
    html = await page.text()
    assert page.status == 200, html
    assert html.count("<svg") >= 5  # orders, NPS shares, gaps, R x F, segments
    assert "Promoters and detractors" in html
    assert "How it is counted" in html and "fixed thresholds" in html
    assert 'id="table-trend"' in html and 'id="table-churned"' in html
    assert f'href="/clients/{data.c.id}"' in html  # a churned client to win back
    radio = data.a.channel_id
    both = await client.get(
        f"/reports/loyalty?{HALF_YEAR}&manager={data.a.owner_id}&channel={radio}"
    )
    assert both.status == 200 and 'id="table-trend"' in await both.text()  # A alone


async def test_loyalty_api_gives_the_pages_figures(api_as: Any, data: Clients):
    client, _ = await api_as("admin")
    body = await (await client.get(f"/api/v1/reports/loyalty?{HALF_YEAR}")).json()
    assert body["period"]["orders"] == 5
    assert body["period"]["repeat_share"] == 60.0
    assert body["period"]["nps"] == 0.0
    assert body["trend_totals"]["revenue"] == "6500.00"
    assert [row["gap"] for row in body["gaps"]][0] == "up to 30 days"
    assert body["client_base"]["buyers"] == 3


async def test_loyalty_trend_exports_as_csv(api_as: Any, data: Clients):
    client, _ = await api_as("supervisor")
    url = f"/api/v1/reports/loyalty/export?{HALF_YEAR}&table=trend&format=csv"
    response = await client.get(url)
    assert response.status == 200
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Month", "Orders", "First orders", "Repeat orders"]
    assert len(rows) == 1 + 4 + 1  # January to April, then the totals
    assert rows[-1][1:4] == ["5", "2", "3"]


async def test_client_card_shows_the_loyalty_score(
    signed_in: Any, data: Clients, database_url: str
):
    client, _, _ = await signed_in("operator")
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        score = await client_score(session, data.a.id, utcnow())
    await engine.dispose()
    assert score is not None
    html = await (await client.get(f"/clients/{data.a.id}")).text()
    assert 'class="panel loyalty-score"' in html
    assert (
        f'<span class="figure-value loyalty-value" title="out of 100">{score.score}</span>' in html
    )
    assert "Recency" in html and "promoter" in html and "-10" in html
    assert 'href="/reports/loyalty"' not in html  # operators have no reports


async def test_bonus_pool_entered_approved_and_exported(signed_in: Any, data: Clients):
    client, _, csrf = await signed_in("supervisor", full_name="The Boss")
    page = await client.get(f"/reports/bonuses?{MARCH}")
    html = await page.text()
    assert page.status == 200 and "Manager One" in html and "pool-form" in html
    form = {"csrf_token": csrf, "since": "2026-03-01", "until": "2026-03-31", "note": "March"}
    bad = await client.post("/reports/bonuses/pool", data={**form, "amount": "lots"})
    assert bad.status == 422
    assert 'value="lots"' in await bad.text()
    saved = await client.post(
        "/reports/bonuses/pool", data={**form, "amount": "10000"}, allow_redirects=False
    )
    assert saved.status == 302 and saved.headers["Location"].endswith(MARCH)
    html = await (await client.get(f"/reports/bonuses?{MARCH}")).text()
    pool_id = html.split("/reports/bonuses/pools/")[1].split("/")[0]
    approved = await client.post(
        f"/reports/bonuses/pools/{pool_id}/approve", data={"csrf_token": csrf}
    )
    html = await approved.text()
    assert "Approved by The Boss" in html and "pool-form" not in html
    url = f"/api/v1/reports/bonuses/export?{MARCH}&table=split&format=csv"
    rows = list(csv.reader(io.StringIO((await (await client.get(url)).read()).decode("utf-8-sig"))))
    assert rows[1][0] == "Manager One" and rows[1][-1] == "7800.00"
    assert rows[-1][-1] == "10000.00"


async def test_bonus_api_and_its_permissions(api_as: Any, data: Clients):
    client, _ = await api_as("manager")
    answer = await client.post(
        "/api/v1/bonuses/pools", json={"period": "this_month", "amount": "5"}
    )
    assert answer.status == 403
    client, _ = await api_as("supervisor")
    assert (await client.put("/api/v1/bonuses/weights", json={"revenue": 1})).status == 403
    body = await (
        await client.post(
            "/api/v1/bonuses/pools",
            json={"since": "2026-03-01", "until": "2026-03-31", "amount": "100"},
        )
    ).json()
    approved = await client.post(f"/api/v1/bonuses/pools/{body['id']}/approve")
    assert (await approved.json())["approved_by"]
    report = await (await client.get(f"/api/v1/reports/bonuses?{MARCH}")).json()
    # the manager who signed in above contributed nothing: a line of zero
    assert [row["amount"] for row in report["split"]] == ["0.00", "78.00", "22.00"]
    client, _ = await api_as("admin")
    weights = {"revenue": 1, "orders": 0, "calls": 0, "talk_seconds": 0, "tasks_on_time": "x"}
    bad = await client.put("/api/v1/bonuses/weights", json=weights)
    assert bad.status == 422 and set((await bad.json())["fields"]) == {"tasks_on_time"}


async def test_admin_sets_weights_on_a_page(signed_in: Any, data: Clients):
    client, _, csrf = await signed_in("admin")
    page = await client.get("/admin/bonus-weights")
    assert page.status == 200 and 'name="talk_seconds" value="10"' in await page.text()
    form = {"csrf_token": csrf, "revenue": "5", "orders": "0", "calls": "0", "talk_seconds": "0"}
    bad = await client.post("/admin/bonus-weights", data={**form, "tasks_on_time": "-1"})
    assert bad.status == 422 and 'value="-1"' in await bad.text()
    done = await client.post("/admin/bonus-weights", data={**form, "tasks_on_time": "0"})
    assert 'name="revenue" value="5"' in await done.text()
