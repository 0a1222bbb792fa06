"""In headless Chromium: the operator's screen, from sign-in to the call's wrap-up."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any
from urllib.parse import urlsplit

import pytest

from ami.simulator import PbxSimulator
from callcenter.floor.models import AgentRow, PauseReason
from callcenter.floor.service import agent_of
from callcenter.settings import Settings
from tests.browser.conftest import sign_in_page
from tests.browser.test_screenpop_browser import pbx_path  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("operator", "/workspace"),
        ("supervisor", "/wallboard"),
        ("manager", "/clients"),
        ("admin", "/admin/users"),
        ("partner", "/my/partner"),
    ],
)
async def test_each_role_lands_on_its_own_home_after_sign_in(
    page: Any, make_user: Any, role: str, home: str
) -> None:
    user = await make_user(role, extension="101" if role == "operator" else "")
    await sign_in_page(page, user.login, PASSWORD)
    assert urlsplit(page.url).path == home
    # the brand link leads home too
    await page.goto("/")
    assert urlsplit(page.url).path == home


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Agents as the simulator has them (Local channels), numbers as its outbound takes them."""
    return dataclasses.replace(
        settings, agent_dial="Local/{extension}@agents", dial_format="national"
    )


async def _agent(db_session: Any, extension: str, status: str | None = None) -> AgentRow:
    async with asyncio.timeout(15):
        while True:
            db_session.expire_all()
            row = await agent_of(db_session, extension)
            if row is not None and (status is None or row.status == status):
                return row
            await asyncio.sleep(0.05)


async def test_pause_during_a_call_says_at_once_it_starts_after_the_call(
    page: Any, make_user: Any, db_session: Any, pbx_path: PbxSimulator  # noqa: F811
) -> None:
    db_session.add(PauseReason(name="Lunch", active=True, position=0))
    await db_session.commit()
    operator = await make_user("operator", extension="101", language="en")
    await _agent(db_session, "101", "available")  # a member of sales on the PBX
    await sign_in_page(page, operator.login, PASSWORD)
    await page.locator("#link-state[data-state=online]").wait_for()
    pbx_path.set_agent("102", mode="noanswer")
    await pbx_path.inbound_call(agent_answers=True, talk_s=160, patience_s=900)
    await page.locator("#my-state.state-on_call").wait_for()

    async def slow(route: Any) -> None:  # the PBX's answer is late: the page need not wait
        await asyncio.sleep(2)
        await route.continue_()

    await page.route("**/api/v1/agents/*/pause", slow)
    await page.select_option("#pause-form select[name=reason]", "Lunch")
    await page.click("#pause-form button[type=submit]")
    reason = page.locator("#my-reason")
    assert await reason.text_content(timeout=500) == "Pause after this call · Lunch"
    paused = await _agent(db_session, "101", "on_call")
    while not paused.paused_queues:  # the PBX paused the member; the call goes on
        paused = await _agent(db_session, "101", "on_call")
    await page.wait_for_timeout(300)  # its frame has reached the page
    assert await reason.text_content() == "Pause after this call · Lunch"
    await page.reload()  # drawn by the server the same way
    assert await reason.text_content() == "Pause after this call"
    await page.locator("#my-state.state-paused").wait_for(timeout=15_000)
    assert await reason.text_content() == "Lunch"
