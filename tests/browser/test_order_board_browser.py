"""In headless Chromium: the order board beside the list. Cards dragged between columns move
the order by the buttons' rules; a refused move snaps back with the reason; a cancel column
asks the reason in a dialog; the columns' counts and sums follow, in the user's format; the
list's filters apply."""

from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from callcenter.db import make_engine, make_sessionmaker
from callcenter.orders.input import LineInput, OrderInput
from callcenter.orders.models import Order, OrderStatus, OrderStatusChange
from callcenter.orders.service import create_order
from callcenter.orders.statuses import seed_default_pipeline
from callcenter.settings import Settings
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


async def _orders(database_url: str, settings: Settings, actor: Any, plan: list[Any]) -> list[Any]:
    from callcenter.clients.models import Client

    engine = make_engine(database_url)
    made = []
    async with make_sessionmaker(engine).begin() as session:
        await seed_default_pipeline(session)
        for name, price, manager_id in plan:
            client = Client(kind="person", name=name)
            session.add(client)
            await session.flush()
            data = OrderInput(
                client_id=client.id,
                manager_id=manager_id,
                lines=[LineInput(description="Стол", quantity="1", price=price)],
            )
            made.append(await create_order(session, data=data, actor=actor, settings=settings))
    await engine.dispose()
    return made


def column(page: Any, status: str) -> Any:
    return page.locator(f".board-column[data-status={status}]")


async def drag(page: Any, card: Any, target: Any) -> None:
    """A person's drag: press on the card, move a little, then onto the column, release."""
    await card.scroll_into_view_if_needed()
    box = await card.bounding_box()
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(box["x"] + box["width"] / 2 + 10, box["y"] + box["height"] / 2 + 10)
    await target.scroll_into_view_if_needed()
    spot = await target.bounding_box()
    await page.mouse.move(spot["x"] + spot["width"] / 2, spot["y"] + 40, steps=5)
    await page.mouse.move(spot["x"] + spot["width"] / 2, spot["y"] + 50, steps=2)
    await page.mouse.up()


async def _in_column(page: Any, status: str, order: Any) -> None:
    await column(page, status).locator(f".board-card[data-order='{order.id}']").wait_for()


async def test_cards_move_by_drag_and_drop_through_the_pipelines_rules(
    page: Any, make_user: Any, database_url: str, settings: Settings
) -> None:
    manager = await make_user("manager", language="en", sees_all_clients=True)
    other = await make_user("manager", language="en", sees_all_clients=True)
    first, second, theirs = await _orders(
        database_url,
        settings,
        manager,
        [("Соколова", "1500.50", manager.id), ("Петров", "2000", manager.id),
         ("Чужой", "7", other.id)],
    )  # fmt: skip
    await sign_in_page(page, manager.login, PASSWORD)
    await page.goto("/orders")
    await page.click(".view-switch a.to-board")
    await page.wait_for_url("**/orders/board")
    names = await page.locator(".board-column h2").all_text_contents()
    assert names == ["New", "Accepted", "In production", "Done", "Shipped", "Delivered",
                     "Cancelled", "Refused"]  # fmt: skip
    assert await column(page, "new").locator(".column-count").text_content() == "3"
    assert await column(page, "new").locator(".column-sum").text_content() == "RUB3,507.50"
    card = column(page, "new").locator(f".board-card[data-order='{first.id}']")
    assert "Соколова" in await card.text_content()
    assert manager.display_name in await card.locator(".card-manager").text_content()

    await drag(page, card, column(page, "done"))
    await _in_column(page, "done", first)
    await expect(column(page, "done").locator(".column-count")).to_have_text("1")
    assert await column(page, "done").locator(".column-sum").text_content() == "RUB1,500.50"
    assert await column(page, "new").locator(".column-sum").text_content() == "RUB2,007.00"

    # backwards is refused as the buttons refuse it: the card snaps back, the reason shows
    await drag(page, column(page, "done").locator(".board-card"), column(page, "accepted"))
    await page.locator(".board-error:not([hidden])").wait_for()
    assert "only forward" in await page.text_content(".board-error")
    await _in_column(page, "done", first)
    assert await column(page, "accepted").locator(".board-card").count() == 0

    # a cancel column asks the reason; «keep it» leaves the card where it was
    card = column(page, "new").locator(f".board-card[data-order='{second.id}']")
    await drag(page, card, column(page, "cancelled"))
    dialog = page.locator("dialog.cancel-reason[open]")
    await dialog.wait_for()
    await dialog.locator("button[value=back]").click()
    await _in_column(page, "new", second)
    await drag(page, card, column(page, "cancelled"))
    await dialog.wait_for()
    await dialog.locator("textarea[name=reason]").fill("Нашли дешевле")
    await dialog.locator("button[value=confirm]").click()
    await _in_column(page, "cancelled", second)
    await expect(column(page, "cancelled").locator(".column-count")).to_have_text("1")
    assert await page.locator(".board-error").is_hidden()
    assert await column(page, "cancelled").locator(".board-card").get_attribute(
        "draggable"
    ) == "false"  # fmt: skip

    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        reason = await session.scalar(
            select(OrderStatusChange.reason)
            .where(OrderStatusChange.order_id == second.id)
            .order_by(OrderStatusChange.id.desc())
            .limit(1)
        )
        done = await session.scalar(
            select(OrderStatus.code)
            .join(Order, Order.status_id == OrderStatus.id)
            .where(Order.id == first.id)
        )
    await engine.dispose()
    assert reason == "Нашли дешевле" and done == "done"

    # the list's filters: one manager's orders only, and the switch keeps them
    await page.select_option("select[name=manager]", str(other.id))
    await page.click("form.filters button[type=submit]")
    await page.wait_for_url(f"**/orders/board?*manager={other.id}*")
    assert await page.locator(".board-card").count() == 1
    assert await column(page, "new").locator(".column-sum").text_content() == "RUB7.00"
    assert theirs.number in await page.text_content(".board")
    await page.click(".view-switch a.to-list")
    await page.wait_for_url(f"**/orders?*manager={other.id}*")
    assert await page.locator("tr.order-row").count() == 1
