"""In headless Chromium: the admin sets a queue's wrap-up, orders pause reasons, and keeps
the do-not-call list (add a number typed one way, find it typed another, remove it)."""

from typing import Any

import pytest

from callcenter.floor.models import PauseReason, QueueRow
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


async def test_admin_sets_a_queue_and_orders_pause_reasons(
    page: Any, make_user: Any, db_session: Any
) -> None:
    db_session.add(QueueRow(pbx="default", name="sales"))
    db_session.add_all(
        [PauseReason(name="Lunch", position=1), PauseReason(name="Break", position=2)]
    )
    await db_session.commit()
    agent = await make_user("operator", extension="101", full_name="Иванова Анна")
    admin = await make_user("admin", language="en")
    await sign_in_page(page, admin.login, PASSWORD)

    await page.click("nav summary:has-text('Settings')")  # the settings pages fold under one entry
    await page.click("nav .nav-menu >> text=Queues")
    await page.click("table.queues >> text=sales")
    await page.fill("input[name=title]", "Продажи")
    await page.fill("input[name=wrapup_seconds]", "700")
    await page.click("button[type=submit]:has-text('Save')")
    assert "from 0 to 600" in await page.text_content("#err-wrapup_seconds")
    assert await page.input_value("input[name=title]") == "Продажи"  # kept
    await page.fill("input[name=wrapup_seconds]", "30")
    await page.check(f"input[name=allowed_user_ids][value='{agent.id}']")
    await page.click("button[type=submit]:has-text('Save')")
    await page.wait_for_url("**/admin/queues?saved=*")
    row = page.locator("table.queues tr", has_text="sales")
    assert "30 s" in await row.text_content() and "Иванова Анна" in await row.text_content()

    await page.click("nav.tabs >> text=Pause reasons")
    await page.click("tr:has(input[value=Break]) button[value=up]")
    await page.wait_for_url("**/admin/pause-reasons")
    names = page.locator("table.reasons input[name=name]")
    assert [await n.input_value() for n in await names.all()] == ["Break", "Lunch"]


async def test_manager_keeps_the_do_not_call_list(page: Any, make_user: Any) -> None:
    manager = await make_user("manager", language="en")
    await sign_in_page(page, manager.login, PASSWORD)

    await page.click("nav >> text=Do not call")
    await page.fill("input[name=number]", "8 (916) 123-45-67")
    await page.fill("input[name=reason]", "просил не звонить")
    await page.click("button:has-text('Add to the list')")
    await page.wait_for_url("**/dnc?*added=1")

    await page.goto("/dnc")
    await page.fill("input[name=q]", "+7 916 1234567")
    await page.press("input[name=q]", "Enter")
    row = page.locator("table.dnc tbody tr")
    assert await row.count() == 1 and "просил не звонить" in await row.text_content()

    await row.locator("text=Remove").click()
    await page.click("button:has-text('Remove from the list')")
    await page.wait_for_url("**/dnc?removed=1")
    assert "may be dialed again" in await page.text_content(".alert.ok")
    assert await page.locator("table.dnc").count() == 0
