"""Wrong passwords are throttled by login and by address, never locking an account: the
attacked login still signs in from elsewhere, and every refusal reads the same."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.db import utcnow
from callcenter.users.models import LoginFailure
from tests.conftest import PASSWORD, csrf_of
from web.app import create_app

ALERT = re.compile(r'<p class="alert error" role="alert">([^<]*)</p>')
MAX, BY_ADDRESS = 3, 6  # per login from one address (the test settings); per address


@pytest.fixture
def behind_proxy(settings: Any, clean_db: None) -> Any:
    """The app behind a trusted proxy, so each test request names its client's address."""
    return create_app(replace(settings, trusted_proxy=True, login_address_max_failures=BY_ADDRESS))


@pytest.fixture
async def web(aiohttp_client: Any, behind_proxy: Any) -> Any:
    return await aiohttp_client(behind_proxy)


async def attempt(web: Any, login: str, password: str, address: str = "10.0.0.1") -> Any:
    token = await csrf_of(web)
    return await web.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": token},
        headers={"X-Forwarded-For": f"198.51.100.7, {address}", "Accept-Language": "en"},
        allow_redirects=False,
    )


async def answer(response: Any) -> tuple[int, str]:
    match = ALERT.search(await response.text())
    return response.status, match.group(1) if match else ""


async def failures(db_session: Any) -> int:
    return await db_session.scalar(select(func.count()).select_from(LoginFailure)) or 0


async def test_an_attacked_admin_is_paused_from_that_address_only(web: Any, make_user: Any) -> None:
    admin = await make_user("admin")
    for _ in range(MAX):
        assert (await attempt(web, admin.login, "guess", "10.0.0.66")).status == 401
    paused = await attempt(web, admin.login, PASSWORD, "10.0.0.66")  # right, but paused
    assert paused.status == 401
    assert (await attempt(web, admin.login, PASSWORD, "10.0.0.1")).status == 302


async def test_wrong_unknown_paused_and_disabled_all_get_the_same_answer(
    web: Any, make_user: Any
) -> None:
    user = await make_user("operator")
    disabled = await make_user("operator", active=False)
    wrong = await answer(await attempt(web, user.login, "nope"))
    unknown = await answer(await attempt(web, "nobody-like-this", "nope"))
    off = await answer(await attempt(web, disabled.login, PASSWORD))
    for _ in range(MAX):
        await attempt(web, user.login, "nope", "10.0.0.9")
    paused = await answer(await attempt(web, user.login, PASSWORD, "10.0.0.9"))
    assert wrong == unknown == off == paused
    assert wrong[0] == 401 and wrong[1].startswith("Wrong login or password")


async def test_one_address_trying_many_logins_is_paused_and_others_are_not(
    web: Any, make_user: Any
) -> None:
    user = await make_user("manager")
    for n in range(BY_ADDRESS):
        await attempt(web, f"guess{n}", "Winter2026!", "10.0.0.13")
    assert (await attempt(web, user.login, PASSWORD, "10.0.0.13")).status == 401
    assert (await attempt(web, user.login, PASSWORD, "10.0.0.14")).status == 302


async def test_a_login_attacked_from_everywhere_makes_its_owner_wait_at_most_30_seconds(
    web: Any, make_user: Any, db_session: Any
) -> None:
    user = await make_user("admin")
    just_now = utcnow()
    db_session.add_all(
        LoginFailure(login=user.login, address=f"203.0.113.{n}", failed_at=just_now)
        for n in range(100)
    )
    await db_session.commit()
    assert (await attempt(web, user.login, PASSWORD, "10.0.0.1")).status == 401
    await db_session.execute(
        LoginFailure.__table__.update().values(failed_at=just_now - timedelta(seconds=31))
    )
    await db_session.commit()
    assert (await attempt(web, user.login, PASSWORD, "10.0.0.1")).status == 302


async def test_a_forged_forwarded_for_is_ignored_without_a_trusted_proxy(
    client: Any, make_user: Any
) -> None:
    user = await make_user("operator")
    for n in range(MAX):
        await attempt(client, user.login, "guess", f"10.1.1.{n}")
    assert (await attempt(client, user.login, PASSWORD, "10.9.9.9")).status == 401


async def test_tries_sent_together_cannot_slip_past_the_count(
    web: Any, make_user: Any, db_session: Any
) -> None:
    user = await make_user("operator")
    token = await csrf_of(web)
    headers = {"X-Forwarded-For": "10.0.0.77"}
    data = {"login": user.login, "password": "guess", "csrf_token": token}
    responses = await asyncio.gather(
        *(web.post("/login", data=data, headers=headers) for _ in range(12))
    )
    assert [r.status for r in responses] == [401] * 12
    assert await failures(db_session) == MAX  # only so many had their password checked


async def test_a_successful_sign_in_forgets_that_addresss_failures(
    web: Any, make_user: Any, db_session: Any
) -> None:
    user = await make_user("operator")
    for _ in range(MAX - 1):
        await attempt(web, user.login, "typo")
    assert (await attempt(web, user.login, PASSWORD)).status == 302
    assert await failures(db_session) == 0


async def test_an_unknown_login_costs_the_same_password_hash_as_a_known_one(
    web: Any, make_user: Any
) -> None:
    user = await make_user("operator")

    async def timed(login: str, address: str) -> float:
        started = time.perf_counter()
        await attempt(web, login, "nope", address)
        return time.perf_counter() - started

    known = [await timed(user.login, f"10.2.0.{n}") for n in range(5)]
    unknown = [await timed("no-such-login", f"10.3.0.{n}") for n in range(5)]
    assert statistics.median(unknown) > 0.5 * statistics.median(known)


@pytest.mark.parametrize(
    "login", ["", " ", "x" * 10_000, "админ", "'; DROP TABLE users; --", "\u202e"]
)
async def test_garbage_logins_are_refused_plainly(web: Any, login: str) -> None:
    status, message = await answer(await attempt(web, login, "x" * 10_000))
    assert status == 401 and message.startswith("Wrong login or password")


async def test_a_login_with_a_nul_byte_is_refused_as_bad_input_whoever_it_names(
    web: Any, make_user: Any
) -> None:
    """No text with NUL can be stored or looked up: refused before any account is read, the
    same for a known and an unknown login (nothing to enumerate)."""
    user = await make_user("operator")
    for login in ("a\x00b", user.login + "\x00"):
        response = await attempt(web, login, "x")
        assert response.status == 422


async def test_a_shift_signing_in_at_once_behind_one_address_is_not_refused(
    web: Any, make_user: Any
) -> None:
    """More colleagues than the address's limit, behind one office NAT, sign in at the same
    moment: every try is being checked at once, none is wrong, none counts against it."""
    users = [await make_user("operator") for _ in range(BY_ADDRESS + 2)]
    answers = await asyncio.gather(
        *(attempt(web, user.login, PASSWORD, "10.9.9.9") for user in users)
    )
    assert [r.status for r in answers] == [302] * len(users)
