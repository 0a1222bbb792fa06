"""The JSON API under /api/v1/clients: shapes, search, errors with ids and fields."""

from typing import Any

import pytest


@pytest.fixture
async def api(client: Any, make_user: Any, db_session: Any) -> Any:
    from callcenter.users.service import get_user
    from callcenter.users.tokens import create_token

    user = await make_user("admin")
    token = await create_token(db_session, user=await get_user(db_session, user.id))
    await db_session.commit()
    client.headers = {"Authorization": f"Bearer {token}"}
    return client


async def _post(api: Any, body: Any) -> Any:
    return await api.post("/api/v1/clients", json=body, headers=api.headers)


async def test_create_and_get_a_company(api: Any) -> None:
    body = {
        "kind": "company",
        "name": "ООО Ромашка",
        "inn": "7707083893",
        "kpp": "773601001",
        "phones": [{"number": "8 (916) 123-45-67", "kind": "work"}, "+7 495 123-45-67 доб. 12"],
        "emails": ["Info@Romashka.ru"],
        "tags": ["Опт"],
    }
    response = await _post(api, body)
    assert response.status == 201, await response.text()
    created = await response.json()
    got = await (await api.get(f"/api/v1/clients/{created['id']}", headers=api.headers)).json()
    assert got["kind"] == "company" and got["inn"] == "7707083893"
    assert got["phones"] == [
        {"number": "8 (916) 123-45-67", "e164": "+79161234567", "extension": None, "kind": "work"},
        {
            "number": "+7 495 123-45-67 доб. 12",
            "e164": "+74951234567",
            "extension": "12",
            "kind": "mobile",
        },
    ]
    assert got["emails"] == ["info@romashka.ru"] and got["tags"] == ["опт"]


async def test_search_by_q_phone_inn_and_email(api: Any) -> None:
    await _post(
        api,
        {
            "kind": "company",
            "name": "ООО Ромашка",
            "inn": "7707083893",
            "phones": ["9161234567"],
            "emails": ["a@romashka.ru"],
        },
    )
    await _post(api, {"kind": "person", "name": "Иван Ромашкин"})
    for params, expected in (
        ({"q": "ромаш"}, 2),
        ({"phone": "8 916 123 45 67"}, 1),
        ({"inn": "7707083893"}, 1),
        ({"email": "a@romashka.ru"}, 1),
        ({"q": "Ромашкин"}, 1),
    ):
        body = await (await api.get("/api/v1/clients", params=params, headers=api.headers)).json()
        assert body["total"] == expected, params


async def test_validation_errors_are_422_with_fields(api: Any) -> None:
    response = await _post(api, {"kind": "company", "name": "", "inn": "123"})
    assert response.status == 422
    body = await response.json()
    assert body["error"] == "client_invalid"
    assert set(body["fields"]) == {"name", "inn"}


async def test_duplicate_is_409_with_the_other_client(api: Any) -> None:
    first = await (await _post(api, {"name": "Анна", "phones": ["9161234567"]})).json()
    response = await _post(api, {"name": "Анна 2", "phones": ["+7 916 123-45-67"]})
    assert response.status == 409
    body = await response.json()
    assert body["error"] == "duplicate_client"
    assert body["duplicates"][0]["client_id"] == first["id"]
    assert (
        await _post(api, {"name": "Анна 2", "phones": ["+79161234567"], "allow_duplicates": True})
    ).status == 201


async def test_patch_changes_only_given_keys(api: Any) -> None:
    created = await (
        await _post(api, {"name": "Анна", "phones": ["9161234567"], "notes": "важно"})
    ).json()
    url = f"/api/v1/clients/{created['id']}"
    response = await api.patch(url, json={"name": "Анна Петровна"}, headers=api.headers)
    assert response.status == 200
    body = await response.json()
    assert body["name"] == "Анна Петровна" and body["notes"] == "важно"
    assert body["phones"][0]["e164"] == "+79161234567"


async def test_missing_client_is_404_and_bad_json_is_400(api: Any) -> None:
    assert (await api.get("/api/v1/clients/999999", headers=api.headers)).status == 404
    response = await api.post("/api/v1/clients", data=b"{not json", headers=api.headers)
    assert response.status == 400
    assert (await response.json())["error"] == "bad_request"
    assert (await _post(api, ["a list"])).status == 400
    assert (await _post(api, {"name": "X", "phones": "not a list"})).status == 400


async def test_notify_by_goes_in_and_out_and_a_bad_value_is_a_422_naming_it(api: Any) -> None:
    created = await (await _post(api, {"name": "Анна", "notify_by": "SMS"})).json()
    assert created["notify_by"] == "sms"
    assert (await _post(api, {"name": "Борис"})).status == 201
    url = f"/api/v1/clients/{created['id']}"
    changed = await api.patch(url, json={"name": "Анна П."}, headers=api.headers)
    assert (await changed.json())["notify_by"] == "sms"  # kept when not given
    for bad in ("fax", "e-mail", 5, ["sms"], {"by": "sms"}, True, "sms\x00", "x" * 10_000):
        response = await api.patch(url, json={"notify_by": bad}, headers=api.headers)
        assert response.status == 422, bad
        body = await response.json()
        assert body["error"] in ("client_invalid", "value_out_of_range")  # the NUL: earlier
        assert set(body["fields"]) == {"notify_by"}
    for value in ("both", "none", "email"):
        response = await api.patch(url, json={"notify_by": value}, headers=api.headers)
        assert (await response.json())["notify_by"] == value
    got = await (await api.get(url, headers=api.headers)).json()
    assert got["notify_by"] == "email"
