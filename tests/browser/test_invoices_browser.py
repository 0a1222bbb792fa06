"""In headless Chromium: issue an invoice from a client's card, add a line, pay it in full."""

from typing import Any

import pytest

from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD
from tests.invoices.support import add_client, set_up_company

pytestmark = pytest.mark.browser


async def test_invoice_issued_from_the_card_and_paid(
    page: Any, make_user: Any, db_session: Any
) -> None:
    await set_up_company(db_session, await make_user("admin"))
    manager = await make_user("manager", language="en")
    buyer = await add_client(db_session, manager)
    await sign_in_page(page, manager.login, PASSWORD)

    await page.goto(f"/clients/{buyer.id}")
    await page.click("text=Issue invoice")
    await page.wait_for_url("**/invoices/new")
    names = page.locator("input[name=line_name]")
    prices = page.locator("input[name=line_price]")
    await names.nth(0).fill("Монтаж системы")
    await prices.nth(0).fill("10 000")
    await names.nth(1).fill("Кабель UTP")
    await page.locator("input[name=line_quantity]").nth(1).fill("10")
    await prices.nth(1).fill("150")
    await names.nth(2).fill("Коннектор RJ-45")
    await page.locator("input[name=line_quantity]").nth(2).fill("7")
    await prices.nth(2).fill("100")
    await page.click("button.add-line")
    assert await names.count() == 4  # the three offered rows, all typed in, and one more
    await page.click("button[type=submit]:has-text('Issue invoice')")
    await page.wait_for_url("**/invoices/*")

    title = await page.text_content("h1.invoice-title")
    assert title and title.startswith("Invoice № 1 of")
    assert await page.text_content("p.words") == "Двенадцать тысяч двести рублей 00 копеек"
    assert await page.text_content("td.vat") == "RUB2,200.00"
    assert await page.input_value("input[name=amount]") == "12200.00"
    await page.click("button:has-text('Record payment')")
    await page.wait_for_selector(".badge.pay-paid")
    pdf = await page.request.get(page.url + ".pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
