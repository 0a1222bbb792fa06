"""In headless Chromium: a manager takes an order from a client card and moves it along,
cancelling needing a reason."""

from decimal import Decimal
from typing import Any

import pytest

from callcenter.db import make_engine, make_sessionmaker
from callcenter.orders.statuses import seed_default_pipeline
from callcenter.products.models import Product
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


async def test_order_created_from_the_card_and_moved_through_its_statuses(
    page: Any, make_user: Any, database_url: str
) -> None:
    from callcenter.clients.models import Client, ClientEmail

    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        await seed_default_pipeline(session)
        client = Client(
            kind="person", name="Соколова Мария", emails=[ClientEmail(email="sokolova@example.ru")]
        )
        session.add(client)
        session.add(Product(name="Кондиционер", sku="DK-25", price=Decimal("45990")))
    await engine.dispose()
    manager = await make_user("manager", language="en", sees_all_clients=True)
    await sign_in_page(page, manager.login, PASSWORD)

    await page.goto(f"/clients/{client.id}")
    await page.click("a:has-text('New order')")
    await page.wait_for_url("**/orders/new?client=*")
    rows = page.locator("tr.line-row")
    first = rows.nth(0)
    await first.locator("select[name=line_product_id]").select_option(label="Кондиционер (DK-25)")
    await first.locator("input[name=line_quantity]").fill("2")
    assert await first.locator("input[name=line_description]").input_value() == "Кондиционер"
    assert await first.locator(".line-amount").text_content() == "91,980.00"
    await page.click("button.add-line")
    assert await rows.count() == 4
    last = rows.nth(3)
    await last.locator("input[name=line_description]").fill("Монтаж")
    await last.locator("input[name=line_quantity]").fill("2")
    await last.locator("input[name=line_price]").fill("4500")
    await page.click("button[type=submit]:has-text('Save')")
    await page.wait_for_url("**/orders/*")
    assert "100,980.00" in await page.text_content(".order-total")
    assert await page.get_attribute(".page-head .status", "data-status") == "new"

    await page.click("button.move[data-status=accepted]")
    await page.wait_for_load_state()
    assert await page.get_attribute(".page-head .status", "data-status") == "accepted"
    assert "sokolova@example.ru" in await page.text_content(".notifications")

    await page.click("details.cancel-move:has(button[data-status=refused]) summary")
    await page.fill("details[open] input[name=reason]", "Нашли дешевле")
    await page.click("details[open] button[data-status=refused]")
    await page.wait_for_load_state()
    assert await page.get_attribute(".page-head .status", "data-status") == "refused"
    history = await page.text_content(".status-history")
    assert "Нашли дешевле" in history and "Accepted" in history
    assert await page.locator("button.move").count() == 0  # a closed order offers no moves
