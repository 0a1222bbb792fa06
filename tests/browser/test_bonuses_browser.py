"""In headless Chromium: a supervisor enters March's bonus pool, sees its split, approves it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from callcenter.db import make_engine, make_sessionmaker
from callcenter.reports import registry
from callcenter.reports.rollups.refresh import refresh_rollups
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD
from tests.reports.loyalty_data import add_loyalty_data

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def loyalty_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    modules = ("callcenter.reports.loyalty.report", "callcenter.bonuses.report")
    monkeypatch.setattr(registry, "REPORT_MODULES", modules)
    registry._specs.cache_clear()
    yield
    registry._specs.cache_clear()


async def test_supervisor_enters_and_approves_a_bonus_pool(
    page: Any, make_user: Any, database_url: str
) -> None:
    m1 = await make_user("manager", full_name="Manager One")
    m2 = await make_user("manager", full_name="Manager Two")
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        await add_loyalty_data(session, m1.id, m2.id)
    await refresh_rollups(sessionmaker)
    await engine.dispose()
    boss = await make_user("supervisor", language="en", full_name="The Boss")
    await sign_in_page(page, boss.login, PASSWORD)
    await page.goto("/reports/bonuses?since=2026-03-01&until=2026-03-31")
    await page.fill(".pool-form input[name=amount]", "10 000")
    await page.click(".pool-form button[type=submit]")
    await page.locator(".approve-form").wait_for()
    rows = page.locator("#table-split tbody tr")
    assert await rows.count() == 2
    assert "78" in await rows.nth(0).text_content()
    await page.click(".approve-form button[type=submit]")
    await page.locator(".alert.approved").wait_for()
    assert "The Boss" in await page.locator(".alert.approved").text_content()
    assert await page.locator(".pool-form").count() == 0
