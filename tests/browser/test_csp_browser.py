"""In headless Chromium: the main pages run under the Content-Security-Policy with no
violation (no inline script, handler or style left), their scripts working: the workspace's
live socket goes online, the campaign page's figures refresh."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.dialer.campaigns import create_campaign
from callcenter.users.service import get_user
from tests.browser.conftest import sign_in_page
from tests.campaigns.support import add_client, add_queue, campaign_input
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


async def test_main_pages_break_no_rule_of_the_policy(
    page: Any, make_user: Any, db_session: Any
) -> None:
    admin = await make_user("admin", language="en", extension="101")
    await add_queue(db_session)
    client = await add_client(db_session, "Иван Петров", "+79161234567", owner_id=admin.id)
    actor = await get_user(db_session, admin.id)
    campaign = await create_campaign(db_session, data=campaign_input(), actor=actor, region="RU")
    await db_session.commit()
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    await page.add_init_script(WATCH)
    await page.goto("/login?lang=en")
    await sign_in_page(page, admin.login, PASSWORD)
    pages = [
        "/clients",
        "/clients/new?kind=company",
        f"/clients/{client.id}",
        f"/clients/{client.id}/edit",
        "/workspace",
        "/calls",
        "/wallboard",
        "/orders",
        "/orders/new",
        "/tasks",
        "/tasks/new",
        "/feedback",
        "/campaigns",
        f"/campaigns/{campaign.id}",
        "/reports",
        "/reports/calls",
        "/invoices",
        "/imports/new",
        "/dnc",
        "/profile",
        "/admin/users",
        "/admin/company",
    ]
    violations: dict[str, list[str]] = {}
    for path in pages:
        response = await page.goto(path)
        assert response is not None and response.ok, path
        assert "frame-ancestors 'none'" in (await response.all_headers())["content-security-policy"]
        await page.wait_for_load_state("networkidle")
        found = await page.evaluate("window.__csp")
        if found:
            violations[path] = found
        if path == "/workspace":  # its scripts ran and its socket connected
            await page.wait_for_selector("#link-state[data-state=online]")
    assert violations == {}
    assert console == []
