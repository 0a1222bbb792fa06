"""In headless Chromium: a supervisor watches a call enter the queue, be answered and end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from ami.link import Backoff, PbxConfig
from ami.listener import PbxListener
from ami.simulator import PbxSimulator
from ami.tracker import CallTracker
from callcenter.db import make_engine, make_sessionmaker
from callcenter.floor.models import QueueRow
from callcenter.live import LiveKind, notify
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD
from tests.floor.wallboard_data import QUEUE, seed_floor

pytestmark = pytest.mark.browser


@pytest.fixture
async def slow_pbx(database_url: str, clean_db: None) -> AsyncIterator[PbxSimulator]:
    """The simulator at half speed (a caller waits about a second), and a listener."""
    simulator = PbxSimulator(speed=0.5, auth_failure_delay_s=0.0)
    port = await simulator.start()
    engine = make_engine(database_url)
    config = PbxConfig(
        name="default",
        host="127.0.0.1",
        port=port,
        username="crm",
        secret="crmsecret",
        backoff=Backoff(initial=0.05, maximum=0.2),
    )
    listener = PbxListener(config, make_sessionmaker(engine), tracker=CallTracker())
    task = asyncio.create_task(listener.run())
    async with asyncio.timeout(10):
        while True:
            async with make_sessionmaker(engine)() as session:
                if await session.scalar(select(QueueRow.id).where(QueueRow.name == "sales")):
                    break
            await asyncio.sleep(0.05)
    yield simulator
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await simulator.stop()
    await engine.dispose()


async def test_supervisor_sees_the_counters_move_as_a_call_is_queued_answered_and_ended(
    page: Any, make_user: Any, slow_pbx: PbxSimulator
) -> None:
    supervisor = await make_user("supervisor", language="en")
    await sign_in_page(page, supervisor.login, PASSWORD)
    await page.goto("/wallboard")
    await page.locator("#link-state[data-state=online]").wait_for()
    row = page.locator('#queues tr[data-queue="sales"]')
    assert await row.locator('[data-field="answered_today"]').text_content() == "0"

    slow_pbx.set_agent("102", mode="noanswer")
    call = asyncio.create_task(slow_pbx.inbound_call(caller="+79167654321", agent_answers=True))
    await row.locator('[data-field="waiting"]:text-is("1")').wait_for(timeout=10_000)
    agent = page.locator('#agents [data-interface="Local/101@agents/n"]')
    await agent.locator('[data-field="state"] .state-on_call').wait_for(timeout=15_000)
    await row.locator('[data-field="answered_today"]:text-is("1")').wait_for(timeout=15_000)
    assert await row.locator('[data-field="waiting"]').text_content() == "0"
    await call
    await agent.locator('[data-field="state"] .state-available').wait_for(timeout=15_000)
    await row.locator('[data-field="asa_seconds"]:not(:text-is("—"))').wait_for()
    # a reload shows the same figures as the live page had
    live = await row.locator('[data-field="answered_today"]').text_content()
    await page.reload()
    assert await row.locator('[data-field="answered_today"]').text_content() == live


def _seconds(clock: str) -> int:
    parts = [int(p) for p in clock.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


async def test_tiles_and_waits_tick_as_clocks_and_a_wait_past_its_red_threshold_sounds(
    page: Any, make_user: Any, database_url: str
) -> None:
    supervisor = await make_user("supervisor", language="en")
    await sign_in_page(page, supervisor.login, PASSWORD)
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            # amber at 10 s, red at 20 s for the longest wait; the longest caller waited 12 s
            await seed_floor(session, alerts={"alert_wait_amber": 10, "alert_wait_red": 20},
                             waits=(12, 3))  # fmt: skip
        await _watch_the_clocks(page)
        # an agent's change turns its tile at once, its clock from zero
        async with make_sessionmaker(engine).begin() as session:
            await notify(session, LiveKind.AGENT, pbx="default", extension="102",
                         interface="Local/102@agents/n", state="available", queues=[QUEUE],
                         since=datetime.now(UTC).isoformat())  # fmt: skip
    finally:
        await engine.dispose()
    tile = page.locator('#agents .tile-available[data-interface="Local/102@agents/n"]')
    await tile.wait_for()
    assert _seconds(await tile.locator('[data-field="since"]').text_content() or "") <= 2


async def _watch_the_clocks(page: Any) -> None:
    await page.goto("/wallboard")
    await page.locator("#link-state[data-state=online]").wait_for()
    await page.check("#sound-alerts")  # off by default; a click lets Web Audio play
    tile = page.locator('#agents [data-interface="Local/102@agents/n"]')
    assert "tile-paused" in (await tile.get_attribute("class") or "")
    since = tile.locator('[data-field="since"]')
    first = await since.text_content() or ""
    row = page.locator(f'#queues tr[data-queue="{QUEUE}"]')
    waits = row.locator(".caller .wait")
    assert await waits.count() == 2
    assert (await row.locator(".caller").first.text_content() or "").startswith("hidden number")
    before = [await waits.nth(i).text_content() or "" for i in range(2)]
    longest = row.locator('[data-field="longest_wait_seconds"]')
    assert "level-amber" in (await longest.get_attribute("class") or "")
    await page.wait_for_timeout(2200)
    after = [await waits.nth(i).text_content() or "" for i in range(2)]
    assert all(_seconds(a) - _seconds(b) in (2, 3) for a, b in zip(after, before, strict=True))
    # the tile's clock runs from the state's start (its first reading may still be the
    # server's own text, rendered a moment before): it moved on, and shows the time since then
    shown, elapsed = await since.evaluate(
        "el => [el.textContent, (Date.now() - Date.parse(el.dataset.since)) / 1000]"
    )
    assert _seconds(shown) > _seconds(first) and abs(_seconds(shown) - elapsed) <= 1.5
    assert await page.locator("#sound-alerts").get_attribute("data-beeps") is None
    # the longest wait crosses 20 s by itself: red, and one tone
    await row.locator('[data-field="longest_wait_seconds"].level-red').wait_for(timeout=15_000)
    await page.locator('#sound-alerts[data-beeps="1"]').wait_for()


async def test_tv_mode_shows_the_board_alone_and_its_page_is_no_wider_than_the_screen(
    page: Any, make_user: Any, database_url: str
) -> None:
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        await seed_floor(session)
    await engine.dispose()
    supervisor = await make_user("supervisor", language="en")
    await sign_in_page(page, supervisor.login, PASSWORD)
    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.goto("/wallboard")
    assert not await page.is_checked("#sound-alerts")  # sound is off until switched on
    assert await page.locator("header.top").is_visible()
    await page.click("#tv-mode")
    assert await page.evaluate("document.body.classList.contains('tv')")
    assert not await page.locator("header.top").is_visible()
    assert await page.locator("#tv-mode").text_content() == "Leave TV mode"
    await page.click("#tv-mode")
    assert await page.locator("header.top").is_visible()
    await page.goto("/wallboard?tv=1")  # a kiosk's start page
    assert await page.evaluate("document.body.classList.contains('tv')")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 1440
