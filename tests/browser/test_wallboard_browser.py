"""In headless Chromium: a supervisor watches a call enter the queue, be answered and end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from ami.link import Backoff, PbxConfig
from ami.listener import PbxListener
from ami.simulator import PbxSimulator
from ami.tracker import CallTracker
from callcenter.db import make_engine, make_sessionmaker
from callcenter.floor.models import QueueRow
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD

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
    agent = page.locator('#agents tr[data-interface="Local/101@agents/n"]')
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
