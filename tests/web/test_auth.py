"""Sign in and out, lock-out, CSRF, sessions, API tokens, and every route checking access."""

from typing import Any

import asyncpg

from tests.conftest import PASSWORD, csrf_of, sign_in
from web.auth import ACCESS

ENGLISH = {"Accept-Language": "en"}


async def test_pages_redirect_to_sign_in_when_signed_out(client: Any) -> None:
    response = await client.get("/clients", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/login?next=/clients"


async def test_api_without_credentials_answers_401_json(client: Any) -> None:
    response = await client.get("/api/v1/clients")
    assert response.status == 401
    body = await response.json()
    assert body["error"] == "not_signed_in"


async def test_sign_in_and_out(client: Any, make_user: Any) -> None:
    user = await make_user("operator")
    csrf = await sign_in(client, user)
    assert (await client.get("/clients")).status == 200
    response = await client.post("/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert response.status == 302
    assert (await client.get("/clients", allow_redirects=False)).status == 302


async def test_wrong_password_keeps_the_login_typed(client: Any, make_user: Any) -> None:
    user = await make_user("operator")
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={"login": user.login, "password": "nope", "csrf_token": token},
        headers=ENGLISH,
    )
    assert response.status == 401
    page = await response.text()
    assert "Wrong login or password" in page
    assert f'value="{user.login}"' in page


async def test_form_post_without_csrf_token_is_refused(client: Any, make_user: Any) -> None:
    user = await make_user("operator")
    await csrf_of(client)
    response = await client.post("/login", data={"login": user.login, "password": PASSWORD})
    assert response.status == 403
    await sign_in(client, user)
    response = await client.post(
        "/clients/new", data={"kind": "person", "name": "X", "csrf_token": "forged"}
    )
    assert response.status == 403


async def test_password_is_stored_as_a_slow_hash(make_user: Any) -> None:
    user = await make_user("operator")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


async def test_sign_in_never_redirects_off_site(client: Any, make_user: Any) -> None:
    user = await make_user("operator")
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={
            "login": user.login,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/"


async def test_api_token_authenticates_without_csrf(
    client: Any, make_user: Any, db_session: Any
) -> None:
    from callcenter.users.service import get_user
    from callcenter.users.tokens import create_token

    user = await make_user("manager", sees_all_clients=True)
    token = await create_token(db_session, user=await get_user(db_session, user.id))
    await db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    response = await client.post(
        "/api/v1/clients", json={"kind": "person", "name": "Пётр"}, headers=headers
    )
    assert response.status == 201, await response.text()
    bad = await client.get("/api/v1/clients", headers={"Authorization": "Bearer cc_wrong"})
    assert bad.status == 401


async def test_every_route_declares_its_access(app: Any) -> None:
    for route in app.router.routes():
        handler = route.handler
        if route.resource is not None and route.resource.canonical.startswith("/static"):
            continue
        assert getattr(handler, ACCESS, None) is not None, f"{route.method} {route.resource}"


async def test_health_reports_database_migrations_and_pbx(client: Any) -> None:
    response = await client.get("/health")
    assert response.status == 200
    body = await response.json()
    assert body["database"]["reachable"] is True
    assert body["database"]["migrations"]["up_to_date"] is True
    assert body["pbx"] == {"mode": "off", "state": "off"}


async def test_health_names_a_schema_behind_the_code(client: Any, database_url: str) -> None:
    """The revision is read from ``alembic_version`` itself: one behind is a 503 naming it."""
    from callcenter.migrate import head_revision

    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("UPDATE alembic_version SET version_num = '0001'")
        response = await client.get("/health")
        body = await response.json()
        assert response.status == 503 and "database schema not up to date" in body["problems"]
        assert body["database"]["migrations"] == {
            "current": "0001", "head": head_revision(), "up_to_date": False,
        }  # fmt: skip
    finally:
        await conn.execute("UPDATE alembic_version SET version_num = $1", head_revision())
        await conn.close()
    assert (await client.get("/health")).status == 200


async def test_language_chosen_on_the_sign_in_page_sticks(client: Any) -> None:
    english = await (await client.get("/login?lang=en")).text()
    assert "Sign in" in english
    russian = await (await client.get("/login?lang=ru")).text()
    assert "Войти" in russian
    assert "Войти" in await (await client.get("/login")).text()
