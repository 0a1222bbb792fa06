"""In headless Chromium, in Russian: the campaign screen and the list say why a running
campaign is not dialing, and the screen follows live as the floor and the window change."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from callcenter.dialer.campaigns import tell_pages
from callcenter.dialer.models import Campaign, CampaignContact
from callcenter.floor.models import AgentRow
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
MOSCOW = ZoneInfo("Europe/Moscow")


async def test_the_campaign_screen_says_why_it_is_not_dialing(
    page: Any, make_user: Any, db_session: Any
) -> None:
    manager = await make_user("manager", language="ru", timezone="Europe/Moscow")
    now = datetime.now(MOSCOW)
    opening = now + timedelta(hours=2)
    opens = opening.time().replace(second=0, microsecond=0)
    # the time alone when the window opens today; after 22:00 it opens tomorrow: with the date
    shown = (
        f"{opens:%H:%M}" if opening.date() == now.date() else f"{opening:%d.%m.%Y}, {opens:%H:%M}"
    )
    closes = (now + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    campaign = Campaign(name="Весна", mode="progressive", state="running", queue="sales",
                        window_from=opens, window_to=closes, created_by_id=manager.id)  # fmt: skip
    db_session.add(campaign)
    await db_session.flush()
    db_session.add(CampaignContact(campaign_id=campaign.id, e164="+74951234561"))
    await db_session.commit()
    await sign_in_page(page, manager.login, PASSWORD)

    await page.goto("/campaigns")
    row = page.locator(f"tr[data-campaign-id='{campaign.id}'] .campaign-idle")
    assert await row.get_attribute("data-reason") == "outside_window"
    assert f"вне окна звонков до {shown}" in await row.text_content()  # 24-hour, ru

    await page.click(f"a[href='/campaigns/{campaign.id}']")
    idle = page.locator("#figures .campaign-idle")
    text = await idle.text_content()
    assert "Сейчас не звонит: вне окна звонков до" in text and shown in text
    await page.locator("body[data-live=online]").wait_for()

    campaign.window_from, campaign.window_to = time(0), time(0)  # around the clock
    await tell_pages(db_session, campaign.id)
    await db_session.commit()
    await page.locator("#figures .campaign-idle[data-reason=no_agent]").wait_for()
    assert "нет операторов на линии" in await idle.text_content()

    agent = AgentRow(pbx="simulator", interface="Local/101@agents/n", extension="101",
                     status="on_call", since=now, queues=["sales"])  # fmt: skip
    db_session.add(agent)
    await tell_pages(db_session, campaign.id)
    await db_session.commit()
    await page.locator("#figures .campaign-idle[data-reason=agents_busy]").wait_for()
    assert "все операторы заняты" in await idle.text_content()

    agent.status = "available"
    await tell_pages(db_session, campaign.id)
    await db_session.commit()
    await page.locator("#figures .campaign-idle.dialing").wait_for()
    assert await idle.text_content() == "Звонит"

    await page.click("button.campaign-pause")
    await page.locator("#figures .campaign-idle[data-reason=paused]").wait_for()
    assert "Сейчас не звонит: приостановлена" in await idle.text_content()
