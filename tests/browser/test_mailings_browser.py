"""In headless Chromium: a manager writes a mailing with a link, previews it, sends a test to
a real SMTP server on loopback, schedules it and watches its figures move while the app's own
sender sends it; a recipient's click on the tracked link is counted on the page."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any

import pytest
from playwright.async_api import expect

from callcenter.settings import Settings
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD
from tests.mailings.conftest import sending
from tests.mailings.support import add_client
from tests.orders.smtp_support import Mailbox, smtp_server

pytestmark = pytest.mark.browser

TEXT = "Hi, {{ client.name }}! The sale: %s\nLeave: {{ unsubscribe_url }}"
HTML = (
    '<p>Hi, {{ client.name }}! <a href="%s">The sale</a></p><a href="{{ unsubscribe_url }}">x</a>'
)


@pytest.fixture
def mailbox() -> Any:
    box = Mailbox()
    with smtp_server(box) as port:
        yield box, port


@pytest.fixture
def settings(settings: Settings, mailbox: Any) -> Settings:
    return replace(sending(settings, mailbox[1]), mailing_check_seconds=0.3)


async def _until(check: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("it did not happen in time")


async def test_write_preview_test_schedule_watch_the_figures_and_count_a_click(
    page: Any, live_app: Any, make_user: Any, db_session: Any, mailbox: Any
) -> None:
    box = mailbox[0]
    shop = str(live_app.make_url("/login?lang=en&from=mail"))  # a real page to land on
    manager = await make_user("manager", language="en", sees_all_clients=True)
    for name in ("anna", "boris"):
        await add_client(db_session, name.title(), f"{name}@example.ru", consent=True)
    await sign_in_page(page, manager.login, PASSWORD)
    await page.goto("/mailings/new")
    await page.fill("input[name=name]", "Spring sale")
    await page.fill("input[name=subject]", "Sale for {{ client.name }}")
    await page.fill("textarea[name=body_text]", TEXT % shop)
    await page.fill("textarea[name=body_html]", HTML % shop)
    await page.fill("input[name=window_from]", "00:00")
    await page.fill("input[name=window_to]", "23:59")
    await page.fill("input[name=rate_per_minute]", "600")
    await page.click("button[name=preview]")
    assert await page.text_content("[data-field=preview-subject]") == "Sale for Иван Петров"
    await page.click("form.mailing-form button[type=submit]:not([name])")
    await page.wait_for_url(re.compile(r".*/mailings/\d+$"))
    mailing_url = page.url
    assert "Sale for Anna" in await page.text_content("[data-field=preview-subject]")

    await page.fill("input[name=address]", "me@example.ru")
    await page.click("text=Send a test letter")
    await _until(lambda: any(m["To"] == "me@example.ru" for m in box.received))
    assert not any("/m/c/" in m.get_body(("plain",)).get_content() for m in box.received)

    await page.click("button.mailing-schedule")
    # the app's sender sends both, the page's script shows it without a reload
    await expect(page.locator("[data-result=sent]")).to_have_text("2", timeout=15_000)
    letter = next(m for m in box.received if m["To"] == "anna@example.ru")
    click = re.search(
        r"https://crm\.example\.ru(/m/c/\S+)", letter.get_body(("plain",)).get_content()
    )
    assert click is not None

    visitor = await page.context.browser.new_context(base_url=mailing_url.split("/mailings")[0])
    recipient = await visitor.new_page()  # nobody signed in
    await recipient.goto(click.group(1))
    assert recipient.url == shop  # redirected to the link as written
    await visitor.close()

    await expect(page.locator("[data-result=clicked]")).to_have_text("1", timeout=15_000)
    await expect(page.locator("tr[data-link='1'] [data-field=clicks]")).to_have_text("1")
    await expect(page.locator("[data-result=opened]")).to_have_text("1")  # a click is an open
