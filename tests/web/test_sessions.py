"""Sessions live on the server: signing out ends a copied cookie at once; signing out
everywhere, a new password, a new role or deactivation end every session of the user."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from callcenter.db import utcnow
from callcenter.users.models import UserSession
from callcenter.users.service import UserInput, get_user, update_user
from tests.conftest import PASSWORD, sign_in


async def _browser(aiohttp_client: Any, server: Any) -> Any:
    """Another browser on the same server: its own cookie jar."""
    return await aiohttp_client(server)


def _copy_cookie(source: Any, target: Any) -> None:
    cookie = source.session.cookie_jar.filter_cookies(source.make_url("/"))["cc_session"]
    target.session.cookie_jar.update_cookies({"cc_session": cookie.value})


async def _signed_in(browser: Any) -> bool:
    response = await browser.get("/clients", allow_redirects=False)
    return response.status == 200


async def test_a_copied_cookie_stops_working_the_moment_its_session_signs_out(
    aiohttp_client: Any, aiohttp_server: Any, app: Any, make_user: Any
) -> None:
    server = await aiohttp_server(app)
    victim, thief = await _browser(aiohttp_client, server), await _browser(aiohttp_client, server)
    user = await make_user("admin")
    csrf = await sign_in(victim, user)
    _copy_cookie(victim, thief)
    assert await _signed_in(thief)  # a stolen cookie works while its session lives
    response = await victim.post("/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert response.status == 302
    assert not await _signed_in(victim)
    assert not await _signed_in(thief)
    assert (await thief.get("/api/v1/clients")).status == 401


async def test_signing_out_everywhere_ends_every_browser_and_a_new_sign_in_works(
    aiohttp_client: Any, aiohttp_server: Any, app: Any, make_user: Any
) -> None:
    server = await aiohttp_server(app)
    office, home = await _browser(aiohttp_client, server), await _browser(aiohttp_client, server)
    user = await make_user("manager")
    csrf = await sign_in(office, user)
    await sign_in(home, user)
    profile = await (await home.get("/profile")).text()
    assert profile.count("this browser") == 1 and "Sign out everywhere" in profile
    await office.post("/logout/everywhere", data={"csrf_token": csrf}, allow_redirects=False)
    assert not await _signed_in(office) and not await _signed_in(home)
    await sign_in(home, user)
    assert await _signed_in(home)


async def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(
    aiohttp_client: Any, aiohttp_server: Any, app: Any, make_user: Any
) -> None:
    server = await aiohttp_server(app)
    here, elsewhere = await _browser(aiohttp_client, server), await _browser(aiohttp_client, server)
    user = await make_user("operator")
    csrf = await sign_in(here, user)
    await sign_in(elsewhere, user)
    form = {
        "csrf_token": csrf,
        "language": "en",
        "timezone": "Europe/Moscow",
        "current_password": PASSWORD,
        "new_password": "a brand new secret",
    }
    response = await here.post("/profile", data=form, allow_redirects=False)
    assert response.status == 302
    assert await _signed_in(here)
    assert not await _signed_in(elsewhere)
    await sign_in(elsewhere, user, "a brand new secret")


async def test_a_new_role_or_deactivation_ends_the_users_sessions(
    client: Any, make_user: Any, db_session: Any
) -> None:
    user = await make_user("manager")
    await sign_in(client, user)
    fields = ("login", "full_name", "role", "language", "timezone", "sees_all_clients", "active")
    data = UserInput(**{name: getattr(user, name) for name in fields})
    data.role = "operator"
    await update_user(db_session, user_id=user.id, data=data, actor=None)
    await db_session.commit()
    assert not await _signed_in(client)
    await sign_in(client, user)
    data.active = False
    await update_user(db_session, user_id=user.id, data=data, actor=None)
    await db_session.commit()
    assert not await _signed_in(client)
    # a change of language is no reason to sign anyone out
    data.active = True
    await update_user(db_session, user_id=user.id, data=data, actor=None)
    await db_session.commit()
    await sign_in(client, user)
    data.language = "ru"
    await update_user(db_session, user_id=user.id, data=data, actor=None)
    await db_session.commit()
    assert await _signed_in(client)


async def test_a_session_older_than_the_maximum_age_is_over(
    client: Any, make_user: Any, db_session: Any, settings: Any
) -> None:
    user = await make_user("operator")
    await sign_in(client, user)
    old = utcnow() - timedelta(seconds=settings.session_max_age_seconds + 1)
    await db_session.execute(update(UserSession).values(created_at=old))
    await db_session.commit()
    assert not await _signed_in(client)


async def test_garbage_cookies_are_no_session(client: Any) -> None:
    for value in ("", "x", "gAAAAA" + "A" * 200, "\u0000" * 10, "=" * 4096):
        client.session.cookie_jar.update_cookies({"cc_session": value})
        response = await client.get("/clients", allow_redirects=False)
        assert response.status == 302
        assert (await client.get("/api/v1/clients")).status == 401


async def test_each_sign_in_is_its_own_session_and_old_ones_are_cleared(
    client: Any, make_user: Any, db_session: Any
) -> None:
    user = await make_user("operator")
    for _ in range(3):
        csrf = await sign_in(client, user)
        await client.post("/logout", data={"csrf_token": csrf}, allow_redirects=False)
    await sign_in(client, user)
    rows = await db_session.scalar(select(func.count()).select_from(UserSession))
    assert rows == 1  # the signed-out ones went with the new sign-in
    session_row = await db_session.scalar(select(UserSession))
    assert session_row.user_id == user.id and session_row.address == "127.0.0.1"
    assert (await get_user(db_session, user.id)).last_login_at is not None
