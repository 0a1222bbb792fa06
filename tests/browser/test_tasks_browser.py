"""In headless Chromium: a reminder pops live on every open page of its assignee."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from callcenter.settings import Settings
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD
from tests.tasks.support import add_client, add_task, ahead

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, reminder_check_seconds=0.2)


async def test_reminder_toast_appears_in_every_tab_and_leads_to_the_task(
    page: Any, make_user: Any, db_session: Any
) -> None:
    operator = await make_user("operator", language="en")
    await sign_in_page(page, operator.login, PASSWORD)  # lands on the workspace
    other_tab = await page.context.new_page()
    await other_tab.goto("/tasks")
    for tab in (page, other_tab):
        await tab.locator("body[data-live=online]").wait_for()
    assert await page.locator("#due-badge").is_hidden()

    buyer = await add_client(db_session, "Мария Кузнецова")
    task = await add_task(
        db_session,
        assignee_id=operator.id,
        client_id=buyer.id,
        title="Перезвонить по заказу",
        due_at=ahead(seconds=1),
    )
    for tab in (page, other_tab):
        toast = tab.locator(f".task-toast[data-task-id='{task.id}']")
        await toast.wait_for()
        assert "Перезвонить по заказу" in await toast.text_content()
        assert "Мария Кузнецова" in await toast.text_content()
        assert await tab.locator("#due-badge").text_content() == "1"

    await page.click(f".task-toast[data-task-id='{task.id}'] a.toast-link")
    await page.wait_for_url(f"**/tasks/{task.id}")
    assert await page.text_content("h1.task-heading") == "Перезвонить по заказу"
    await page.click("button.complete")
    await page.wait_for_url(f"**/tasks/{task.id}")
    assert await page.text_content(".task-status") == "done"
    await other_tab.locator("#due-badge").wait_for(state="hidden")  # told live, too
    await other_tab.click(f".task-toast[data-task-id='{task.id}'] .toast-close")
    assert await other_tab.locator(".task-toast").count() == 0
