"""In headless Chromium: the client card's one activity feed (every kind, newest first,
filtered, read to the end with "Show earlier", a recording that plays, changes in words),
a header on one line at 1280 px, and "Saved" after a save."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from callcenter.calls.models import CallRow
from callcenter.clients.activity import Cursor
from callcenter.db import make_engine, make_sessionmaker
from tests.browser.conftest import sign_in_page
from tests.calls.test_recordings import WAV
from tests.clients.activity_world import Feed, build_feed
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings: Any, tmp_path: Path) -> Any:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    (recordings / "card-call.wav").write_bytes(WAV)
    return dataclasses.replace(settings, recordings_dir=recordings)


async def _world(database_url: str, owner_id: int) -> tuple[Feed, str]:
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        feed = await build_feed(session, owner_id=owner_id, rounds=5)
        linkedid = await session.scalar(
            select(CallRow.linkedid).where(CallRow.client_id == feed.client_id).limit(1)
        )
        await session.execute(
            update(CallRow).where(CallRow.linkedid == linkedid).values(recording="card-call.wav")
        )
    await engine.dispose()
    return feed, linkedid or ""


async def _keys(page: Any) -> list[str]:
    return await page.eval_on_selector_all(
        ".activity-feed .activity-item", "items => items.map(i => i.dataset.key)"
    )


async def test_the_feed_reads_every_kind_newest_first_to_the_end(
    page: Any, make_user: Any, database_url: str
) -> None:
    manager = await make_user("manager", language="en")
    feed, linkedid = await _world(database_url, manager.id)
    expected = [Cursor(*k).encode() for k in sorted(feed.keys, reverse=True)]
    await sign_in_page(page, manager.login, PASSWORD)
    await page.goto(f"/clients/{feed.client_id}")

    assert await _keys(page) == expected[:30]
    while await page.locator("a.activity-more").count():
        before = len(await _keys(page))
        await page.click("a.activity-more")
        await page.locator(".activity-feed .activity-item").nth(before).wait_for()
    assert await _keys(page) == expected  # each once, in order, no page reloaded
    assert page.url.endswith(f"/clients/{feed.client_id}")
    kinds = set(
        await page.eval_on_selector_all(".activity-item", "i => i.map(x => x.dataset.kind)")
    )
    assert kinds == {"call", "order", "status", "task", "feedback", "email", "mailing", "change"}

    text = await page.text_content(".activity-feed") or ""
    assert "5000.00" not in text and "5,000.00" in text  # money in the user's format
    changes = page.locator(".activity-item[data-kind=change]")
    client_change = await changes.filter(has_text="Type").first.text_content() or ""
    assert "Person" in client_change and "Company" in client_change  # never "company"
    assert "company" not in client_change and "kind" not in client_change
    order_change = await changes.filter(has_text="Order").first.text_content() or ""
    assert f"Manager: {manager.login}" in " ".join(order_change.split())  # a name, no id
    assert "manager_id" not in text and "5,100.00" in text
    assert "заметка" in text  # the calls' wrap-up notes

    audio = page.locator(f"audio[src='/calls/{linkedid}/recording']")
    assert await audio.count() == 1
    status = await page.evaluate(
        "src => fetch(src, {credentials: 'same-origin'}).then(r => r.status)",
        await audio.get_attribute("src"),
    )
    assert status == 200


async def test_the_kind_filter_and_its_paging_keep_to_that_kind(
    page: Any, make_user: Any, database_url: str
) -> None:
    manager = await make_user("manager", language="en")
    feed, _linkedid = await _world(database_url, manager.id)
    await sign_in_page(page, manager.login, PASSWORD)
    await page.goto(f"/clients/{feed.client_id}")
    await page.click(".activity-filter a[data-kind=feedback]")
    await page.wait_for_url("**kind=feedback*")
    expected = [Cursor(*k).encode() for k in sorted(feed.keys, reverse=True) if k[1] == "feedback"]
    assert await _keys(page) == expected  # ten: one page
    assert await page.locator(".activity-filter a.active").text_content() == "Feedback"


async def test_the_header_stays_on_one_line_and_a_save_says_saved(
    page: Any, make_user: Any, database_url: str
) -> None:
    admin = await make_user("admin", language="en")  # every button the header has
    feed, _linkedid = await _world(database_url, admin.id)
    await page.set_viewport_size({"width": 1280, "height": 800})
    await sign_in_page(page, admin.login, PASSWORD)
    await page.goto(f"/clients/{feed.client_id}/edit")
    await page.fill("input[name=name]", "ООО «Лента и партнёры, оптовая и розничная торговля»")
    await page.click("button[type=submit]:has-text('Save')")
    await page.wait_for_url("**saved=1")
    assert (await page.text_content(".alert.saved") or "").strip() == "Saved"

    boxes = await page.eval_on_selector_all(
        ".card-head .card-actions .button",
        "bs => bs.map(b => { const r = b.getBoundingClientRect();"
        " return [r.top, r.height, r.right]; })",
    )
    assert len(boxes) == 5
    tops, heights = {round(b[0]) for b in boxes}, {round(b[1]) for b in boxes}
    assert len(tops) == 1 and len(heights) == 1  # one row, no button broken over two lines
    assert max(b[2] for b in boxes) <= 1280
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280
