"""In headless Chromium: the operator's screen, from sign-in to the call's wrap-up."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("operator", "/workspace"),
        ("supervisor", "/wallboard"),
        ("manager", "/clients"),
        ("admin", "/admin/users"),
        ("partner", "/my/partner"),
    ],
)
async def test_each_role_lands_on_its_own_home_after_sign_in(
    page: Any, make_user: Any, role: str, home: str
) -> None:
    user = await make_user(role, extension="101" if role == "operator" else "")
    await sign_in_page(page, user.login, PASSWORD)
    assert urlsplit(page.url).path == home
    # the brand link leads home too
    await page.goto("/")
    assert urlsplit(page.url).path == home
