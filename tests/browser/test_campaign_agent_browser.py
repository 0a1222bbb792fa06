"""In headless Chromium: an operator works a preview campaign from the workspace: the card and
the script, Dial, the pop of the campaign call, and its disposition saved from the wrap-up."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import select

from ami.simulator import PbxSimulator
from callcenter.clients.models import Client, ClientPhone
from callcenter.dialer.models import CampaignAttempt
from callcenter.settings import Settings
from tests.browser.conftest import sign_in_page
from tests.browser.test_screenpop_browser import pbx_path  # noqa: F401
from tests.conftest import PASSWORD
from tests.dialer.support import add_contacts, make_campaign

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Agents as the simulator has them (Local channels), numbers as its outbound takes them."""
    return dataclasses.replace(
        settings, agent_dial="Local/{extension}@agents", dial_format="national"
    )


async def test_operator_previews_dials_and_records_the_disposition(
    page: Any,
    make_user: Any,
    db_session: Any,
    pbx_path: PbxSimulator,  # noqa: F811
) -> None:
    operator = await make_user("operator", extension="101", language="en")
    client = Client(
        kind="person",
        name="Мария Кузнецова",
        phones=[ClientPhone(number="8 916 123-45-61", e164="+79161234561")],
    )
    db_session.add(client)
    await db_session.flush()
    campaign = await make_campaign(db_session, agent_ids=[operator.id])
    (contact,) = await add_contacts(db_session, campaign, "+79161234561")  # picks up
    contact.client_id, contact.name = client.id, "Мария Кузнецова"
    await db_session.commit()

    await sign_in_page(page, operator.login, PASSWORD)
    await page.goto("/workspace")
    await page.locator("#link-state[data-state=online]").wait_for()
    panel = page.locator("#campaign-panel")
    await panel.get_by_role("button", name="Next contact").click()
    card = panel.locator(".preview-card")
    await card.wait_for()
    assert await card.locator(".preview-name").text_content() == "Мария Кузнецова"
    assert await card.locator(".preview-client-link").text_content() == "Мария Кузнецова"
    assert "«Ромашки»" in (await card.locator(".preview-script").text_content() or "")
    assert not await card.locator(".preview-company").is_visible()  # no company: no row

    async with page.expect_response("**/api/v1/dialer/contacts/*/dial") as dialed:
        await card.get_by_role("button", name="Dial").click()
    answer = await dialed.value
    assert answer.status == 202, await answer.text()
    pop = page.locator(".pop", has=page.locator(".pop-campaign")).first
    try:
        await pop.wait_for()
    except Exception as exc:  # say what the page did show, for a failure seen only in CI
        shown = await page.locator("main").inner_html()
        raise AssertionError(f"no campaign pop; the page shows: {shown[-3000:]}") from exc
    assert "Весенний прайс" in (await pop.locator(".pop-campaign-name").text_content() or "")
    assert "«Ромашки»" in (await pop.locator(".script").text_content() or "")
    await page.locator(".pop.ended form.campaign-wrapup").wait_for(timeout=15_000)
    form = page.locator(".pop.ended form.campaign-wrapup").first
    assert "8 (916) 123-45-61" in (await pop.locator(".pop-number").text_content() or "")
    assert await pop.locator(".pop-client-name").text_content() == "Мария Кузнецова"
    assert not await form.locator("select[name=refusal_reason]").is_visible()
    await form.locator("select[name=disposition]").select_option("refused")
    reason = form.locator("select[name=refusal_reason]")
    await reason.wait_for()  # shown for a refusal only
    await reason.select_option("Дорого")
    await form.locator("textarea[name=note]").fill("Перезвонить осенью")
    await form.get_by_role("button", name="Save").click()
    await form.locator(".wrapup-saved").wait_for()

    attempt = await db_session.scalar(
        select(CampaignAttempt).where(CampaignAttempt.contact_id == contact.id)
    )
    assert attempt is not None
    assert (attempt.disposition, attempt.refusal_reason, attempt.note) == (
        "refused",
        "Дорого",
        "Перезвонить осенью",
    )
    await db_session.refresh(contact)
    assert contact.state == "done"
