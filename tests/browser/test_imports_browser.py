"""In headless Chromium: import a small CSV through the pages and find the clients it made."""

from typing import Any

import pytest

from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD
from tests.imports.support import INN_A, csv_bytes
from tests.orders.conftest import pipeline, sessionmaker  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


async def test_manager_imports_a_small_file_and_watches_it_finish(
    page: Any, make_user: Any
) -> None:
    manager = await make_user("manager", language="en")
    await sign_in_page(page, manager.login, PASSWORD)
    rows = [
        ["ФИО", "Телефон", "ИНН", "Теги"],
        ["Щукина Алёна", "8 916 123-45-67", "", "vip"],
        ["ООО «Вектор»", "+7 495 765-43-21", INN_A, ""],
    ]
    content = csv_bytes(rows, encoding="cp1251", delimiter=";")

    await page.click("header nav >> text=Imports")
    await page.wait_for_url("**/imports")
    await page.click("a.button:has-text('Import clients')")
    await page.wait_for_url("**/imports/new")
    await page.set_input_files(
        "input[name=file]",
        files=[{"name": "клиенты.csv", "mimeType": "text/csv", "buffer": content}],
    )
    await page.click("button[type=submit]:has-text('Upload')")
    await page.wait_for_url("**/imports/*")
    assert await page.input_value("select[name=column_0]") == "name"
    assert await page.input_value("select[name=column_2]") == "inn"
    preview = page.locator("table.preview tbody tr")
    assert await preview.count() == 2
    assert "Щукина Алёна" in await preview.first.text_content()

    await page.select_option("select[name=policy_phone]", "update")
    await page.click("button:has-text('Start the import')")
    # the page reloads itself when the run is over (run by a process started for it)
    await page.locator("dd.created").wait_for(timeout=30_000)
    assert (await page.text_content("#import-state")).strip() == "done"
    assert (await page.text_content("dd.created")).strip() == "2"

    await page.click("text=Open the clients")
    names = await page.locator("table.clients a.client-name").all_text_contents()
    assert sorted(names) == ["ООО «Вектор»", "Щукина Алёна"]


@pytest.mark.usefixtures("pipeline")
async def test_manager_imports_orders_from_the_order_list(page: Any, make_user: Any) -> None:
    manager = await make_user("manager", language="en")
    await sign_in_page(page, manager.login, PASSWORD)
    rows = [
        ["№ заказа", "Клиент", "Телефон", "Товар", "Кол-во", "Цена"],
        ["A-1", "Щукина Алёна", "8 916 123-45-67", "Стол", "2", "1500"],
        ["A-1", "", "", "Доставка", "1", "500"],
    ]
    await page.click("header nav >> text=Orders")
    await page.wait_for_url("**/orders")
    await page.click("a.button:has-text('Import')")
    await page.wait_for_url("**/orders/import")
    await page.set_input_files(
        "input[name=file]",
        files=[{"name": "заказы.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows)}],
    )
    await page.click("button[type=submit]:has-text('Upload')")
    await page.wait_for_url("**/imports/*")
    assert await page.input_value("select[name=column_0]") == "number"
    await page.select_option("select[name=policy_client]", "create")
    await page.click("button:has-text('Start the import')")
    await page.locator("dd.created").wait_for(timeout=30_000)
    assert (await page.text_content("dd.created")).strip() == "1"

    await page.click("text=Open the orders")
    assert await page.locator("table.orders a.order-number").all_text_contents() == ["A-1"]
