"""Duplicate warnings tell a restricted manager that a client exists, never whose it is."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.clients.models import Client, ClientEmail, ClientPhone
from callcenter.users.service import get_user
from callcenter.users.tokens import create_token
from tests.conftest import sign_in

SECRET = "Тайный Клиент Соседа"
PHONE, INN, EMAIL = "+79161234567", "7736207543", "secret@vector.ru"
HIDDEN = {
    "phone": "A client with this phone already exists; ask its owner or an administrator",
    "inn": "A client with this INN already exists; ask its owner or an administrator",
    "email": "A client with this e-mail already exists; ask its owner or an administrator",
}
TYPED = {"phone": {"phones": [PHONE]}, "inn": {"inn": INN}, "email": {"emails": [EMAIL]}}


async def _owned_client(db_session: Any, owner_id: int, name: str = SECRET) -> int:
    client = Client(
        kind="company",
        name=name,
        inn=INN,
        owner_id=owner_id,
        phones=[ClientPhone(number=PHONE, e164=PHONE, kind="work", position=0)],
        emails=[ClientEmail(email=EMAIL, position=0)],
    )
    db_session.add(client)
    await db_session.commit()
    return client.id


async def _bearer(db_session: Any, user: Any) -> dict[str, str]:
    token = await create_token(db_session, user=await get_user(db_session, user.id))
    await db_session.commit()
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def _leaks(text: str, client_id: int) -> bool:
    return SECRET in text or f"/clients/{client_id}" in text or f"#{client_id}" in text


@pytest.mark.parametrize("field", ["phone", "inn", "email"])
async def test_api_says_only_that_another_managers_client_exists(
    client: Any, make_user: Any, db_session: Any, field: str
) -> None:
    owner = await make_user("manager")
    secret_id = await _owned_client(db_session, owner.id)
    restricted = await make_user("manager")
    headers = await _bearer(db_session, restricted)
    body = {"kind": "company", "name": "Новый", **TYPED[field]}
    response = await client.post("/api/v1/clients", json=body, headers=headers)
    assert response.status == 409
    text = await response.text()
    assert not _leaks(text, secret_id) and str(secret_id) not in text.replace(PHONE, "")
    answer = await response.json()
    assert answer["error"] == "duplicate_client"
    assert answer["fields"] == {field: HIDDEN[field]}
    assert answer["duplicates"] == [
        {
            "field": field,
            "value": {"phone": PHONE, "inn": INN, "email": EMAIL}[field],
            "visible": False,
            "client_id": None,
            "client_name": None,
        }
    ]
    # an update of their own client to the same detail says no more
    own = await client.post(
        "/api/v1/clients", json={"kind": "company", "name": "Свой"}, headers=headers
    )
    own_id = (await own.json())["id"]
    patched = await client.patch(f"/api/v1/clients/{own_id}", json=TYPED[field], headers=headers)
    assert patched.status == 409
    assert not _leaks(await patched.text(), secret_id)
    assert (await patched.json())["fields"] == {field: HIDDEN[field]}


@pytest.mark.parametrize("field", ["phone", "inn", "email"])
@pytest.mark.parametrize("viewer", ["owner", "all_clients_manager", "operator", "admin"])
async def test_api_names_the_duplicate_to_whoever_may_see_it(
    client: Any, make_user: Any, db_session: Any, field: str, viewer: str
) -> None:
    owner = await make_user("manager")
    secret_id = await _owned_client(db_session, owner.id)
    user = {
        "owner": owner,
        "all_clients_manager": await make_user("manager", sees_all_clients=True),
        "operator": await make_user("operator"),
        "admin": await make_user("admin"),
    }[viewer]
    headers = await _bearer(db_session, user)
    body = {"kind": "company", "name": "Новый", **TYPED[field]}
    response = await client.post("/api/v1/clients", json=body, headers=headers)
    assert response.status == 409
    answer = await response.json()
    assert answer["duplicates"][0]["client_id"] == secret_id
    assert answer["duplicates"][0]["client_name"] == SECRET
    assert answer["duplicates"][0]["visible"] is True
    assert answer["fields"][field].endswith(f"#{secret_id} {SECRET}")


async def test_several_hidden_holders_show_as_one_and_a_visible_one_keeps_its_name(
    client: Any, make_user: Any, db_session: Any
) -> None:
    other = await make_user("manager")
    hidden_ids = [await _owned_client(db_session, other.id, f"{SECRET} {i}") for i in range(3)]
    restricted = await make_user("manager")
    mine = await _owned_client(db_session, restricted.id, "Мой клиент")
    headers = await _bearer(db_session, restricted)
    response = await client.post(
        "/api/v1/clients", json={"name": "Новый", "phones": [PHONE]}, headers=headers
    )
    assert response.status == 409
    text = await response.text()
    assert all(not _leaks(text, i) for i in hidden_ids)
    dups = (await response.json())["duplicates"]
    assert [(d["client_id"], d["visible"]) for d in dups] == [(mine, True), (None, False)]


@pytest.mark.parametrize("field", ["phone", "inn", "email"])
async def test_form_says_only_that_another_managers_client_exists(
    client: Any, make_user: Any, db_session: Any, field: str
) -> None:
    owner = await make_user("manager")
    secret_id = await _owned_client(db_session, owner.id)
    restricted = await make_user("manager")
    csrf = await sign_in(client, restricted)
    form = {"csrf_token": csrf, "kind": "company", "name": "Новый"}
    form.update(
        {"phone": {"phone_number": PHONE}, "inn": {"inn": INN}, "email": {"email": EMAIL}}[field]
    )
    response = await client.post("/clients/new", data=form, allow_redirects=False)
    assert response.status == 409
    page = await response.text()
    assert not _leaks(page, secret_id)
    assert "a client of another manager: ask its owner or an administrator" in page
    assert 'name="allow_duplicates"' in page
    assert 'value="Новый"' in page  # what was typed is kept


@pytest.mark.parametrize("field", ["phone", "inn", "email"])
async def test_form_links_the_duplicate_for_its_owner(
    client: Any, make_user: Any, db_session: Any, field: str
) -> None:
    owner = await make_user("manager")
    secret_id = await _owned_client(db_session, owner.id)
    csrf = await sign_in(client, owner)
    form = {"csrf_token": csrf, "kind": "company", "name": "Новый"}
    form.update(
        {"phone": {"phone_number": PHONE}, "inn": {"inn": INN}, "email": {"email": EMAIL}}[field]
    )
    response = await client.post("/clients/new", data=form, allow_redirects=False)
    assert response.status == 409
    page = await response.text()
    assert f'href="/clients/{secret_id}"' in page and SECRET in page
