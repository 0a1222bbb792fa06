"""Each role sees and does only what DESIGN.md gives it."""

from typing import Any

import pytest

from tests.conftest import sign_in


async def _client_owned_by(db_session: Any, owner_id: int | None, name: str) -> int:
    from callcenter.clients.models import Client

    client = Client(kind="person", name=name, owner_id=owner_id)
    db_session.add(client)
    await db_session.commit()
    return client.id


@pytest.mark.parametrize(
    "role,status", [("operator", 403), ("manager", 403), ("supervisor", 403), ("admin", 200)]
)
async def test_only_admin_manages_users(signed_in: Any, role: str, status: int) -> None:
    client, _user, _csrf = await signed_in(role)
    assert (await client.get("/admin/users")).status == status
    assert (await client.get("/admin/lists")).status == status


async def test_supervisor_sees_clients_but_cannot_edit(signed_in: Any, db_session: Any) -> None:
    client, _user, csrf = await signed_in("supervisor")
    client_id = await _client_owned_by(db_session, None, "Смирнов")
    assert (await client.get(f"/clients/{client_id}")).status == 200
    assert (await client.get("/clients/new")).status == 403
    response = await client.post(
        f"/clients/{client_id}/edit", data={"kind": "person", "name": "X", "csrf_token": csrf}
    )
    assert response.status == 403


async def test_manager_sees_only_own_clients_unless_given_all(
    client: Any, make_user: Any, db_session: Any
) -> None:
    mine = await make_user("manager")
    other = await make_user("manager")
    own_id = await _client_owned_by(db_session, mine.id, "Мой клиент")
    foreign_id = await _client_owned_by(db_session, other.id, "Чужой клиент")
    await sign_in(client, mine)
    assert (await client.get(f"/clients/{own_id}")).status == 200
    assert (await client.get(f"/clients/{foreign_id}")).status == 403
    listing = await client.get("/api/v1/clients")
    names = [c["name"] for c in (await listing.json())["items"]]
    assert names == ["Мой клиент"]
    assert (await client.get(f"/api/v1/clients/{foreign_id}")).status == 403


async def test_manager_given_all_sees_every_client(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    other = await make_user("manager")
    foreign_id = await _client_owned_by(db_session, other.id, "Чужой клиент")
    client, _user, _csrf = await signed_in("manager", sees_all_clients=True)
    assert (await client.get(f"/clients/{foreign_id}")).status == 200


async def test_operator_may_not_merge(signed_in: Any, db_session: Any) -> None:
    client, _user, csrf = await signed_in("operator")
    a = await _client_owned_by(db_session, None, "A")
    b = await _client_owned_by(db_session, None, "B")
    response = await client.post(f"/clients/{a}/merge", data={"other_id": b, "csrf_token": csrf})
    assert response.status == 403


async def test_admin_creates_a_user_and_errors_keep_what_was_typed(signed_in: Any) -> None:
    client, _admin, csrf = await signed_in("admin")
    form = {
        "login": "ivanova",
        "full_name": "Иванова Анна",
        "role": "operator",
        "language": "ru",
        "timezone": "Europe/Moscow",
        "extension": "101",
        "password": "short",
        "active": "1",
        "csrf_token": csrf,
    }
    response = await client.post("/admin/users/new", data=form)
    assert response.status == 422
    page = await response.text()
    assert "Иванова Анна" in page and "at least 8" in page
    form["password"] = "long enough password"
    response = await client.post("/admin/users/new", data=form, allow_redirects=False)
    assert response.status == 302
    listing = await (await client.get("/admin/users")).text()
    assert "ivanova" in listing and "101" in listing
