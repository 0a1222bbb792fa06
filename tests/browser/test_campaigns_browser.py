"""In headless Chromium: a manager makes a campaign with numbers, starts it, watches its
figures move live as the dialer records attempts, pauses and stops it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from callcenter.dialer.campaigns import tell_pages
from callcenter.dialer.models import CampaignContact
from tests.browser.conftest import sign_in_page
from tests.campaigns.support import add_attempt, add_queue
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


async def test_a_campaign_is_made_run_and_watched_live(
    page: Any, make_user: Any, db_session: Any
) -> None:
    manager = await make_user("manager", language="en")
    await add_queue(db_session)
    await sign_in_page(page, manager.login, PASSWORD)
    await page.click("header nav a[href='/campaigns']")
    await page.click("a[href='/campaigns/new']")
    await page.fill("input[name=name]", "Spring sale")
    await page.select_option("select[name=mode]", "predictive")
    await page.select_option("select[name=queue]", "sales")
    await page.fill("textarea[name=script]", "Hello, this is Romashka calling.")
    await page.check("input[name=source][value=numbers]")
    await page.fill("textarea[name=numbers]", "+79161112233; Anna\n+79162223344\nnot a number")
    await page.click("form.campaign-form button[type=submit]")
    assert await page.locator(".bad-entries").text_content() is not None  # nothing half-added
    assert "not a number" in await page.locator(".bad-entries").text_content()
    assert await page.input_value("input[name=name]") == "Spring sale"  # kept as typed
    await page.check("input[name=skip_bad]")
    await page.click("form.campaign-form button[type=submit]")
    await page.wait_for_url("**/campaigns/*")
    assert "Hello, this is Romashka calling." in await page.text_content(".campaign-script")
    assert await page.text_content("[data-field=contacts_left]") == "2"

    await page.click("button.campaign-start")
    await page.locator("#campaign [data-state=running]").wait_for()
    await page.locator("body[data-live=online]").wait_for()

    contact = await db_session.scalar(select(CampaignContact).order_by(CampaignContact.id))
    await add_attempt(db_session, contact, "answered", connected_at=contact.updated_at,
                      disposition="sale")  # fmt: skip
    await add_attempt(db_session, contact, "abandoned")
    await tell_pages(db_session, contact.campaign_id)  # as the dialer does
    await db_session.commit()
    await page.locator("[data-field=dialed]", has_text="2").wait_for()
    assert await page.text_content("[data-field=connected]") == "1"
    assert await page.text_content("[data-field=abandon_rate]") == "50%"
    assert "Sale" in await page.text_content("table.dispositions")

    await page.click("button.campaign-pause")
    await page.locator("#campaign [data-state=paused]").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("button.campaign-stop")
    await page.locator("#campaign [data-state=stopped]").wait_for()
    assert await page.locator("button.campaign-start").count() == 0
