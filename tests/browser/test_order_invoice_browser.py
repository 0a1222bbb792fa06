"""In headless Chromium: from an order to its invoice, e-mailed to the client, and back to the
order, which shows the invoice and its payment."""

from typing import Any

import pytest

from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD
from tests.invoices.support import add_client, add_order, set_up_company

pytestmark = pytest.mark.browser


async def test_an_order_billed_and_the_invoice_emailed(
    page: Any, make_user: Any, db_session: Any, settings: Any
) -> None:
    await set_up_company(db_session, await make_user("admin"))
    manager = await make_user("manager", language="en")
    buyer = await add_client(db_session, manager)
    order = await add_order(db_session, manager, buyer, settings)
    await sign_in_page(page, manager.login, PASSWORD)

    await page.goto(f"/orders/{order.id}")
    await page.click("a.issue-invoice")
    await page.wait_for_url(f"**/clients/{buyer.id}/invoices/new?order={order.id}")
    assert await page.input_value("input[name=order]") == order.number
    assert await page.input_value("input[name=line_name] >> nth=0") == "Монтаж системы"
    await page.click("button[type=submit]:has-text('Issue invoice')")
    await page.wait_for_url("**/invoices/*")
    assert await page.text_content("a.invoice-order") == order.number

    await page.click("a.email-invoice")
    await page.wait_for_url("**/email")
    assert await page.input_value("select[name=to]") == "buh@vector.example"
    assert (await page.input_value("input[name=subject]")).startswith("Счёт на оплату № 1 от ")
    await page.click("button.send-invoice")
    await page.wait_for_selector(".invoice-emails .mail-state[data-state=queued]")

    await page.goto(f"/orders/{order.id}")
    assert await page.text_content(".order-payment") == "Unpaid"
    assert await page.locator(".order-invoices .invoice-row").count() == 1
    await page.goto("/orders?payment=none")
    assert await page.locator("a.order-number").count() == 0
