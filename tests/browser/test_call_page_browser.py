"""In headless Chromium: a supervisor opens an attended transfer (06b, recorded from Asterisk
22 and stored as the listener stores it) from the calls list and reads its timeline in
order, under the Content-Security-Policy with no violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import sign_in_page
from tests.browser.test_csp_browser import WATCH
from tests.calls.test_call_page import ANNA, ATTENDED, BORIS, agents, store
from tests.calls.test_listener import sessionmaker  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


async def test_a_call_opened_from_the_list_shows_its_timeline(
    page: Any,
    make_user: Any,
    sessionmaker: Any,  # noqa: F811
) -> None:
    await agents(make_user)
    await store(sessionmaker, "06b_attended_transfer")
    supervisor = await make_user("supervisor", language="en")
    await page.add_init_script(WATCH)
    await sign_in_page(page, supervisor.login, PASSWORD)
    await page.click("nav a[href='/calls']")
    await page.wait_for_url("**/calls")
    await page.click(f"tr.call-row[data-linkedid='{ATTENDED}'] a.call-link")
    await page.wait_for_url(f"**/calls/{ATTENDED}")
    await page.locator(".timeline-entry").first.wait_for()

    words = [w.strip() for w in await page.locator(".timeline-words").all_text_contents()]
    expected = [
        f"Answered by {ANNA}",
        f"{ANNA} put the caller on hold",
        f"Answered by {BORIS}",
        f"Attended transfer by {ANNA} to {BORIS}",
        "Hung up: answered; normal hangup (16)",
    ]
    assert [w for w in words if w in expected] == expected
    assert await page.locator("tr.leg").count() == 8
    assert await page.locator("audio").count() == 0  # no recording: nothing to play
    assert "normal hangup (16)" in (await page.text_content(".call-cause") or "")
    assert await page.evaluate("window.__csp") == []
