"""In headless Chromium, in Russian: the invoice form shows each line's amount, the VAT and
the total while they are typed, as «1 234,50 ₽», and the issued invoice comes to the same."""

from typing import Any

import pytest

from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD
from tests.invoices.support import add_client, set_up_company

pytestmark = pytest.mark.browser
NBSP = "\xa0"


async def test_the_invoice_form_shows_its_figures_live(
    page: Any, make_user: Any, db_session: Any
) -> None:
    await set_up_company(db_session, await make_user("admin"))
    manager = await make_user("manager", language="ru")
    buyer = await add_client(db_session, manager)
    await sign_in_page(page, manager.login, PASSWORD)
    await page.goto(f"/clients/{buyer.id}/invoices/new")
    await page.fill("input[name=issued_on]", "2026-03-05")

    names, amounts = page.locator("input[name=line_name]"), page.locator("td.line-amount")
    quantities, prices = (
        page.locator("input[name=line_quantity]"),
        page.locator("input[name=line_price]"),
    )
    totals = page.locator(".invoice-totals")
    await names.nth(0).fill("Подписка")
    await quantities.nth(0).fill("2")
    await prices.nth(0).fill("617,25")
    await page.select_option("select[name=line_vat_rate] >> nth=0", "20")
    await amounts.nth(0).filter(has_text=f"1{NBSP}234,50{NBSP}₽").wait_for()
    await totals.locator("[data-figure=total]", has_text=f"1{NBSP}234,50{NBSP}₽").wait_for()
    vat = totals.locator("dd.vat")
    await vat.filter(has_text=f"205,75{NBSP}₽").wait_for()  # 1 234,50 × 20 / 120
    assert "в том числе НДС (20%)" in await totals.text_content()

    await names.nth(1).fill("Гарнитура")
    await quantities.nth(1).fill("1")
    await prices.nth(1).fill("0,05")
    await page.locator("input[name=line_discount]").nth(1).fill("50")  # 0,025 -> 0,03
    await page.select_option("select[name=line_vat_rate] >> nth=1", "10")
    await amounts.nth(1).filter(has_text=f"0,03{NBSP}₽").wait_for()
    await totals.locator("[data-figure=total]", has_text=f"1{NBSP}234,53{NBSP}₽").wait_for()
    assert await vat.count() == 2  # one row per rate: 205,75 and 0,00

    await prices.nth(1).fill("abc")  # unreadable: left out, nothing breaks
    await totals.locator("[data-figure=total]", has_text=f"1{NBSP}234,50{NBSP}₽").wait_for()
    assert await amounts.nth(1).text_content() == "—"
    await prices.nth(1).fill("0,05")
    await page.select_option("select[name=vat_mode]", "on_top")
    live_total = f"1{NBSP}481,43{NBSP}₽"  # 1 234,53 + 246,90 (20 %) + 0,00 (10 % of 0,03)
    await totals.locator("[data-figure=total]", has_text=live_total).wait_for()

    await page.click("button[type=submit]:has-text('Выставить счёт')")
    await page.wait_for_url("**/invoices/*")
    assert live_total in await page.text_content("td.total")
