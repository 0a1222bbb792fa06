"""In headless Chromium: create a company, find it by phone, see the duplicate warning."""

from typing import Any

import pytest

from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


async def test_company_found_by_phone_typed_another_way_and_duplicate_warned(
    page: Any, make_user: Any
) -> None:
    manager = await make_user("manager", language="en")
    await sign_in_page(page, manager.login, PASSWORD)

    await page.click("text=New company")
    await page.fill("input[name=name]", "ООО «Вектор»")
    await page.fill("input[name=phone_number]", "8 (916) 123-45-67")
    await page.fill("input[name=inn]", "7736207543")
    await page.fill("input[name=kpp]", "770401001")
    await page.click("button[type=submit]:has-text('Save')")
    await page.wait_for_url("**/clients/*")
    assert await page.text_content("h1.client-title") == "ООО «Вектор»"

    await page.goto("/clients")
    await page.fill("input[name=q]", "+7 916 1234567")
    await page.press("input[name=q]", "Enter")
    await page.wait_for_url("**/clients?q=*")
    found = page.locator("table.clients a.client-name")
    assert await found.all_text_contents() == ["ООО «Вектор»"]

    await page.goto("/clients/new?kind=company")
    await page.fill("input[name=name]", "Вектор, ещё раз")
    await page.fill("input[name=phone_number]", "9161234567")
    await page.click("button[type=submit]:has-text('Save')")
    warning = page.locator(".alert.duplicates")
    await warning.wait_for()
    assert "ООО «Вектор»" in await warning.text_content()
    # what was typed is still there, and the existing client is one click away
    assert await page.input_value("input[name=name]") == "Вектор, ещё раз"
    assert await page.input_value("input[name=phone_number]") == "9161234567"
    href = await warning.locator("a").first.get_attribute("href")
    assert href and href.startswith("/clients/")
