"""In headless Chromium: a manager with no extension reads one message wherever calling is
offered (a phone link on a card, the workspace); the admin sets the extension on the user's
page, a clash keeps what was typed and says why, and the change is audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from callcenter.audit.models import AuditEntry
from callcenter.clients.models import Client, ClientPhone
from callcenter.db import make_engine, make_sessionmaker
from callcenter.users.exceptions import NO_EXTENSION
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


async def _client_with_phone(database_url: str, owner_id: int) -> int:
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        client = Client(
            kind="person", name="Иван", owner_id=owner_id,
            phones=[ClientPhone(number="+7 916 123-45-67", e164="+79161234567")],
        )  # fmt: skip
        session.add(client)
        await session.flush()
        client_id = client.id
    await engine.dispose()
    return client_id


async def test_no_extension_reads_the_same_everywhere(
    page: Any, make_user: Any, database_url: str
) -> None:
    manager = await make_user("manager", language="en")
    client_id = await _client_with_phone(database_url, manager.id)
    await sign_in_page(page, manager.login, PASSWORD)
    await page.goto(f"/clients/{client_id}")
    await page.click("a.phone[data-phone='+79161234567']")
    await page.locator("#dial-toast", has_text=NO_EXTENSION).wait_for()
    await page.goto("/workspace")
    assert (await page.text_content(".no-extension") or "").strip() == NO_EXTENSION


async def test_the_admin_sets_an_extension_and_a_clash_keeps_what_was_typed(
    page: Any, make_user: Any, database_url: str
) -> None:
    admin = await make_user("admin", language="en", extension="100")
    manager = await make_user("manager", language="en", full_name="Мария Орлова")
    await sign_in_page(page, admin.login, PASSWORD)
    await page.goto(f"/admin/users/{manager.id}")
    await page.fill("input[name=full_name]", "Мария Орлова-Петрова")
    await page.fill("input[name=extension]", "100")
    await page.click("button[type=submit]:has-text('Save')")
    error = page.locator(".field-error", has_text="This extension belongs to another user")
    await error.wait_for()
    assert await page.input_value("input[name=extension]") == "100"
    assert await page.input_value("input[name=full_name]") == "Мария Орлова-Петрова"

    await page.fill("input[name=extension]", "205")
    await page.click("button[type=submit]:has-text('Save')")
    await page.wait_for_url("**/admin/users")
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        entry = await session.scalar(
            select(AuditEntry)
            .where(AuditEntry.entity == "user", AuditEntry.entity_id == manager.id)
            .order_by(AuditEntry.id.desc())
        )
    await engine.dispose()
    assert entry is not None and entry.user_id == admin.id
    assert entry.changes["extension"] == [None, "205"]
