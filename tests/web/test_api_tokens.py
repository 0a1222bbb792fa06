"""API tokens: named, scoped, expiring, revocable from the profile page, last use kept."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from callcenter.db import utcnow
from callcenter.errors import Invalid
from callcenter.users.models import ApiToken
from callcenter.users.service import get_user
from callcenter.users.tokens import Scope, create_token
from tests.conftest import sign_in

TOKEN_RE = re.compile(r'<code class="token">(cc_[A-Za-z0-9_-]+)</code>')


async def _token(db_session: Any, user: Any, **fields: Any) -> str:
    token = await create_token(db_session, user=await get_user(db_session, user.id), **fields)
    await db_session.commit()
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _row(db_session: Any, **where: Any) -> ApiToken:
    db_session.expire_all()
    found = await db_session.scalar(select(ApiToken).filter_by(**where))
    assert found is not None
    return found


async def test_expired_token_is_refused_with_401(
    client: Any, make_user: Any, db_session: Any
) -> None:
    user = await make_user("manager")
    token = await _token(db_session, user, expires_at=utcnow() + timedelta(days=1))
    assert (await client.get("/api/v1/clients", headers=_bearer(token))).status == 200
    await db_session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    await db_session.commit()
    response = await client.get("/api/v1/clients", headers=_bearer(token))
    assert response.status == 401
    assert (await response.json())["error"] == "not_signed_in"


async def test_revoked_token_is_refused_and_the_profile_says_so(
    client: Any, make_user: Any, db_session: Any
) -> None:
    user = await make_user("manager")
    token = await _token(db_session, user, name="crm sync")
    csrf = await sign_in(client, user)
    row = await _row(db_session, user_id=user.id)
    response = await client.post(
        f"/profile/tokens/{row.id}/revoke", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert response.status == 302
    refused = await client.get("/api/v1/clients", headers=_bearer(token))
    assert refused.status == 401
    page = await (await client.get("/profile")).text()
    assert "crm sync" in page and "revoked" in page


async def test_nobody_revokes_another_users_token(
    client: Any, make_user: Any, db_session: Any
) -> None:
    owner, other = await make_user("manager"), await make_user("manager")
    token = await _token(db_session, owner, name="owner's")
    row = await _row(db_session, user_id=owner.id)
    csrf = await sign_in(client, other)
    response = await client.post(f"/profile/tokens/{row.id}/revoke", data={"csrf_token": csrf})
    assert response.status == 404
    assert "owner&#39;s" not in await (await client.get("/profile")).text()
    assert (await _row(db_session, id=row.id)).revoked_at is None
    client.session.cookie_jar.clear()
    assert (await client.get("/api/v1/clients", headers=_bearer(token))).status == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/clients", {"kind": "person", "name": "Read Only"}),
        ("PATCH", "/api/v1/clients/1", {"name": "Changed"}),
        ("PUT", "/api/v1/clients/1", {"kind": "person", "name": "Changed"}),
        ("DELETE", "/api/v1/dnc/1", None),
        ("POST", "/logout", None),
    ],
)
async def test_read_only_token_reads_but_never_writes(
    client: Any, api_as: Any, make_user: Any, db_session: Any, method: str, path: str, body: Any
) -> None:
    _, writer = await api_as("manager", sees_all_clients=True)
    made = await client.post("/api/v1/clients", json={"kind": "person", "name": "Kept"})
    assert made.status == 201, await made.text()
    reader = await make_user("manager", sees_all_clients=True)
    token = await _token(db_session, reader, scope=Scope.READ_ONLY)
    del client.session.headers["Authorization"]
    for safe in ("GET", "HEAD"):
        response = await client.request(safe, "/api/v1/clients/1", headers=_bearer(token))
        assert response.status == 200, safe
    response = await client.request(method, path, json=body, headers=_bearer(token))
    assert response.status == 403
    if path.startswith("/api/"):
        assert (await response.json())["error"] == "token_read_only"
    got = await client.get("/api/v1/clients/1", headers=_bearer(token))
    assert (await got.json())["name"] == "Kept"
    listed = await client.get("/api/v1/clients", headers=_bearer(token))
    assert (await listed.json())["total"] == 1


async def test_role_checks_still_apply_to_a_read_write_token(
    client: Any, make_user: Any, db_session: Any
) -> None:
    operator = await make_user("operator")
    token = await _token(db_session, operator, scope=Scope.READ_WRITE)
    response = await client.get("/api/v1/dnc", headers=_bearer(token))  # supervisors, managers
    assert response.status == 403
    assert (await response.json())["error"] == "forbidden"
    add = await client.post("/api/v1/dnc", json={"number": "+74951234567"}, headers=_bearer(token))
    assert add.status == 403


async def test_token_is_shown_once_and_stored_only_hashed(
    client: Any, make_user: Any, db_session: Any
) -> None:
    user = await make_user("supervisor")
    csrf = await sign_in(client, user)
    response = await client.post(
        "/profile/tokens",
        data={
            "csrf_token": csrf,
            "name": "wallboard TV",
            "scope": "read_only",
            "expires_in_days": "30",
        },
    )
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = TOKEN_RE.search(await response.text())
    assert token, "the new token is on the page"
    again = await (await client.get("/profile")).text()
    assert token.group(1) not in again and "wallboard TV" in again
    row = await _row(db_session, user_id=user.id)
    assert token.group(1) not in row.token_hash and len(row.token_hash) == 64
    assert row.scope == "read_only"
    assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
    client.session.cookie_jar.clear()
    assert (await client.get("/api/v1/queues", headers=_bearer(token.group(1)))).status == 200


@pytest.mark.parametrize(
    ("field", "form"),
    [
        ("name", {"name": "x" * 101, "scope": "read_only", "expires_in_days": "30"}),
        ("name", {"name": "a\x00b", "scope": "read_only", "expires_in_days": "30"}),
        ("scope", {"name": "t", "scope": "admin", "expires_in_days": "30"}),
        ("scope", {"name": "t", "scope": "", "expires_in_days": "30"}),
        ("expires_at", {"name": "t", "scope": "read_only", "expires_in_days": "-1"}),
        ("expires_at", {"name": "t", "scope": "read_only", "expires_in_days": "9" * 40}),
        ("expires_at", {"name": "t", "scope": "read_only"}),
    ],
)
async def test_bad_token_form_keeps_what_was_typed_and_makes_nothing(
    client: Any, make_user: Any, db_session: Any, field: str, form: dict[str, str]
) -> None:
    user = await make_user("manager")
    csrf = await sign_in(client, user)
    response = await client.post("/profile/tokens", data={"csrf_token": csrf, **form})
    assert response.status == 422, field
    page = await response.text()
    assert not TOKEN_RE.search(page)
    if "\x00" not in form["name"]:  # a NUL byte is refused before any handler (bad_input)
        assert 'class="field-error"' in page
    assert await db_session.scalar(select(ApiToken.id)) is None


async def test_service_refuses_a_past_or_naive_expiry(make_user: Any, db_session: Any) -> None:
    user = await get_user(db_session, (await make_user("manager")).id)
    for expires_at in (
        utcnow() - timedelta(seconds=1),
        utcnow().replace(tzinfo=None) + timedelta(days=1),
        utcnow() + timedelta(days=4000),
    ):
        with pytest.raises(Invalid) as caught:
            await create_token(db_session, user=user, expires_at=expires_at)
        assert set(caught.value.fields) == {"expires_at"}


@pytest.mark.parametrize(
    "header",
    ["Bearer ", "Bearer cc_", "Bearer " + "a" * 5000, "Bearer ' OR 1=1", "Bearer ☃", "bearer a b"],
)
async def test_garbage_bearer_is_401(client: Any, make_user: Any, header: str) -> None:
    await make_user("manager")
    response = await client.get("/api/v1/clients", headers={"Authorization": header})
    assert response.status == 401


async def test_last_use_is_written_at_most_once_a_minute(
    client: Any, make_user: Any, db_session: Any
) -> None:
    user = await make_user("manager")
    token = await _token(db_session, user)
    assert (await _row(db_session, user_id=user.id)).last_used_at is None
    answers = await asyncio.gather(
        *(client.get("/api/v1/queues", headers=_bearer(token)) for _ in range(8))
    )
    assert [a.status for a in answers] == [200] * 8
    first = (await _row(db_session, user_id=user.id)).last_used_at
    assert first is not None
    assert (await client.get("/api/v1/queues", headers=_bearer(token))).status == 200
    assert (await _row(db_session, user_id=user.id)).last_used_at == first
    stale = utcnow() - timedelta(seconds=61)
    await db_session.execute(update(ApiToken).values(last_used_at=stale))
    await db_session.commit()
    assert (await client.get("/api/v1/queues", headers=_bearer(token))).status == 200
    assert (await _row(db_session, user_id=user.id)).last_used_at > stale + timedelta(seconds=60)


async def test_token_of_a_deactivated_user_is_refused(
    client: Any, make_user: Any, db_session: Any
) -> None:
    from callcenter.users.models import User

    user = await make_user("manager")
    token = await _token(db_session, user)
    await db_session.execute(update(User).where(User.id == user.id).values(active=False))
    await db_session.commit()
    assert (await client.get("/api/v1/clients", headers=_bearer(token))).status == 401


@pytest.mark.parametrize("token_id", ["0", "2147483648", "9" * 40, "1"])
async def test_revoking_a_token_that_is_not_there_is_404(
    client: Any, make_user: Any, token_id: str
) -> None:
    csrf = await sign_in(client, await make_user("manager"))
    response = await client.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert response.status == 404
