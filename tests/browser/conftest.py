"""Headless Chromium (Debian's package, never a downloaded browser) driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium_or_skip() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path:
        return path
    message = (
        f"browser tests need Debian's chromium at {CHROMIUM} "
        "(apt-get install chromium); skipping them"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but " + message.replace("; skipping them", ""), pytrace=False)
    pytest.skip(message)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    executable = _chromium_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=FLAGS
        )
        yield browser
        await browser.close()


@pytest.fixture
async def live_app(aiohttp_server: Any, app: Any) -> Any:
    """The real app on a real port, for the browser."""
    return await aiohttp_server(app)


@pytest.fixture
async def page(browser: Any, live_app: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(
        base_url=str(live_app.make_url("/")).rstrip("/"), locale="en-US"
    )
    page = await context.new_page()
    page.set_default_timeout(10_000)
    yield page
    await context.close()


async def sign_in_page(page: Any, login: str, password: str) -> None:
    """Sign in and wait for the landing page, which is each role's own home."""
    await page.goto("/login?lang=en")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(lambda url: "/login" not in url)
    await page.wait_for_load_state()
