"""In headless Chromium: an operator's workspace pops the caller's card when their phone rings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ami.link import Backoff, PbxConfig
from ami.listener import PbxListener
from ami.simulator import PbxSimulator
from ami.tracker import CallTracker
from callcenter.db import make_engine, make_sessionmaker
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
async def pbx_path(database_url: str, clean_db: None) -> AsyncIterator[PbxSimulator]:
    """The simulator over TCP and a listener storing into the test database."""
    simulator = PbxSimulator(speed=0.05, auth_failure_delay_s=0.0)
    port = await simulator.start()
    engine = make_engine(database_url)
    listener = PbxListener(
        PbxConfig(
            name="default",
            host="127.0.0.1",
            port=port,
            username="crm",
            secret="crmsecret",
            backoff=Backoff(initial=0.05, maximum=0.2),
        ),
        make_sessionmaker(engine),
        tracker=CallTracker(),
    )
    task = asyncio.create_task(listener.run())
    async with asyncio.timeout(5):
        while not listener.link.connected:  # noqa: ASYNC110 - the link exposes a state
            await asyncio.sleep(0.02)
    yield simulator
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await simulator.stop()
    await engine.dispose()


async def test_operator_sees_the_pop_with_the_right_client(
    page: Any, make_user: Any, db_session: Any, pbx_path: PbxSimulator
) -> None:
    from callcenter.clients.models import Client, ClientPhone

    db_session.add(
        Client(
            kind="person",
            name="Мария Кузнецова",
            phones=[ClientPhone(number="8 916 765-43-21", e164="+79167654321")],
        )
    )
    await db_session.commit()
    operator = await make_user("operator", extension="101", language="en")
    await sign_in_page(page, operator.login, PASSWORD)
    await page.goto("/workspace")
    await page.locator("#link-state[data-state=online]").wait_for()

    pbx_path.set_agent("102", mode="noanswer")  # the call rings at 101
    await pbx_path.inbound_call(caller="+79167654321", agent_answers=True)
    pop = page.locator(".pop").first
    await pop.wait_for()
    assert await pop.locator(".pop-client-name").text_content() == "Мария Кузнецова"
    assert "8 (916) 765-43-21" in await pop.locator(".pop-number").text_content()
    # the pop follows the call: answered, then ended, when it turns into the wrap-up form
    await page.locator(".pop.ended").wait_for(timeout=15_000)
    form = page.locator(".pop.ended form.wrapup").first
    await form.wait_for()
    await form.locator("select[name=result]").select_option("follow_up")
    await form.locator("textarea[name=note]").fill("Прислать прайс")
    await form.locator("input[name=follow_up_at]").fill("2099-01-15T10:00")
    await form.locator("button[type=submit]").click()
    await form.locator(".wrapup-saved").wait_for()

    from sqlalchemy import select

    from callcenter.tasks.models import Task

    task = await db_session.scalar(select(Task).where(Task.title == "Прислать прайс"))
    assert task is not None and task.assignee_id == operator.id


async def test_a_picked_up_parked_call_replaces_the_pickers_own_pop(
    page: Any, make_user: Any, db_session: Any
) -> None:
    """102 dials the parking space: its pop is an internal call with no number. Once the
    parked caller is bridged to it (06d), that pop becomes the caller's card, talking, and
    the caller's hang-up turns it into the wrap-up form."""
    from callcenter.clients.models import Client, ClientPhone
    from callcenter.live import LiveKind, notify

    db_session.add(
        Client(
            kind="person",
            name="Пётр Парковкин",
            phones=[ClientPhone(number="8 916 123-45-67", e164="+79161234567")],
        )
    )
    await db_session.commit()
    operator = await make_user("operator", extension="102", language="en")
    await sign_in_page(page, operator.login, PASSWORD)
    await page.goto("/workspace")
    await page.locator("#link-state[data-state=online]").wait_for()

    parked, pickup = "1796616479.32", "1796616489.36"
    common = {"extension": "102", "queue": "", "outcome": None}

    async def send(kind: LiveKind, **fields: Any) -> None:
        await notify(db_session, kind, **common, **fields)
        await db_session.commit()

    await send(LiveKind.RINGING, linkedid=pickup, number="", direction="internal")
    await page.locator(f'.pop[data-linkedid="{pickup}"]').wait_for()
    await send(LiveKind.ANSWERED, linkedid=pickup, number="", direction="internal")
    await send(
        LiveKind.ANSWERED,
        linkedid=parked,
        number="+79161234567",
        direction="inbound",
        replaces=pickup,
    )
    pop = page.locator(f'.pop.talking[data-linkedid="{parked}"]')
    await pop.wait_for()
    assert await pop.locator(".pop-client-name").text_content() == "Пётр Парковкин"
    assert await page.locator(".pop").count() == 1  # the internal call's pop is gone
    await send(LiveKind.ENDED, linkedid=parked, number="+79161234567", direction="inbound")
    await page.locator(f'.pop.ended[data-linkedid="{parked}"] form.wrapup').wait_for()
