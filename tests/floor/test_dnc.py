"""The do-not-call list through its pages and its JSON API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from callcenter.audit.models import AuditEntry
from callcenter.floor.models import DoNotCall


async def _numbers(db_session: Any) -> list[str]:
    return list(await db_session.scalars(select(DoNotCall.e164).order_by(DoNotCall.id)))


async def test_manager_adds_a_number_typed_any_way_and_finds_it_typed_another(
    signed_in: Any, db_session: Any
) -> None:
    client, manager, csrf = await signed_in("manager")
    form = {"csrf_token": csrf, "number": "8 (916) 123-45-67", "reason": "просил не звонить"}
    response = await client.post("/dnc", data=form)
    assert response.status == 200 and "The number is on the list." in await response.text()
    assert await _numbers(db_session) == ["+79161234567"]
    for typed in ("+7 916 1234567", "9161234567", "123-45-67", "не звонить"):
        page = await (await client.get("/dnc", params={"q": typed})).text()
        assert "просил не звонить" in page and manager.login in page, typed
    page = await (await client.get("/dnc", params={"q": "+7 903 000-00-00"})).text()
    assert "просил не звонить" not in page and "not on the do-not-call list" in page


async def test_a_number_already_listed_is_refused_and_the_form_keeps_what_was_typed(
    signed_in: Any, db_session: Any
) -> None:
    client, _user, csrf = await signed_in("admin")
    await client.post("/dnc", data={"csrf_token": csrf, "number": "+79161234567", "reason": "A"})
    again = {"csrf_token": csrf, "number": "8 916 123 45 67", "reason": "второй раз"}
    response = await client.post("/dnc", data=again)
    assert response.status == 409
    page = await response.text()
    assert 'id="err-number"' in page and "already on the do-not-call list" in page
    assert 'value="8 916 123 45 67"' in page and 'value="второй раз"' in page
    assert "On the list since" in page
    assert await _numbers(db_session) == ["+79161234567"]


async def test_a_bad_number_shows_by_the_field_and_keeps_the_reason_typed(
    signed_in: Any, db_session: Any
) -> None:
    client, _user, csrf = await signed_in("admin")
    form = {"csrf_token": csrf, "number": "12345", "reason": "жалоба"}
    response = await client.post("/dnc", data=form)
    assert response.status == 422
    page = await response.text()
    assert 'id="err-number"' in page and 'value="12345"' in page and 'value="жалоба"' in page
    too_long = {"csrf_token": csrf, "number": "+79161234567", "reason": "x" * 201}
    response = await client.post("/dnc", data=too_long)
    assert response.status == 422 and 'id="err-reason"' in await response.text()
    assert await _numbers(db_session) == []


async def test_removing_asks_first_then_takes_the_number_off_and_audits_it(
    signed_in: Any, db_session: Any
) -> None:
    client, admin, csrf = await signed_in("admin")
    await client.post("/dnc", data={"csrf_token": csrf, "number": "+79161234567", "reason": "A"})
    [entry_id] = await db_session.scalars(select(DoNotCall.id))
    confirm = await client.get(f"/dnc/{entry_id}/remove")
    assert confirm.status == 200 and "may be dialed again" in await confirm.text()
    assert await _numbers(db_session) == ["+79161234567"]
    response = await client.post(f"/dnc/{entry_id}/remove", data={"csrf_token": csrf})
    assert response.status == 200 and "off the list" in await response.text()
    assert await _numbers(db_session) == []
    actions = await db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "do_not_call")
    )
    assert sorted(actions) == ["created", "removed"]
    assert (await client.get(f"/dnc/{entry_id}/remove")).status == 404


async def test_supervisor_reads_the_list_but_changes_nothing(
    signed_in: Any, db_session: Any
) -> None:
    db_session.add(DoNotCall(e164="+79161234567", reason="жалоба"))
    await db_session.commit()
    [entry_id] = await db_session.scalars(select(DoNotCall.id))
    client, _user, csrf = await signed_in("supervisor")
    page = await (await client.get("/dnc")).text()
    assert "жалоба" in page and "Add to the list" not in page and "/remove" not in page
    add = {"csrf_token": csrf, "number": "+79031234567"}
    assert (await client.post("/dnc", data=add)).status == 403
    assert (await client.get(f"/dnc/{entry_id}/remove")).status == 403
    assert (await client.post(f"/dnc/{entry_id}/remove", data={"csrf_token": csrf})).status == 403
    assert await _numbers(db_session) == ["+79161234567"]


async def test_the_list_pages_newest_first(signed_in: Any, db_session: Any) -> None:
    db_session.add_all(DoNotCall(e164=f"+7916000{i:04d}", reason=f"r{i}") for i in range(60))
    await db_session.commit()
    client, _user, _csrf = await signed_in("manager")
    first = await (await client.get("/dnc")).text()
    assert "60 numbers" in first and "Page 1 of 2" in first and 'rel="next"' in first
    second = await (await client.get("/dnc", params={"page": "2"})).text()
    assert second.count('id="dnc-') == 10 and "r0<" in second and "r59<" not in second


async def test_add_without_the_csrf_token_is_refused(signed_in: Any, db_session: Any) -> None:
    client, _user, _csrf = await signed_in("admin")
    response = await client.post("/dnc", data={"number": "+79161234567"})
    assert response.status == 403
    assert await _numbers(db_session) == []


# -- the JSON API --------------------------------------------------------------------------


async def test_api_adds_finds_and_deletes_a_number(api_as: Any, db_session: Any) -> None:
    client, manager = await api_as("manager")
    response = await client.post(
        "/api/v1/dnc", json={"number": "8 916 123-45-67", "reason": "просил"}
    )
    assert response.status == 201
    created = await response.json()
    assert created["number"] == "+79161234567" and created["reason"] == "просил"
    assert created["added_by"] == {"id": manager.id, "login": manager.login}
    assert response.headers["Location"] == f"/api/v1/dnc/{created['id']}"
    found = await (await client.get("/api/v1/dnc", params={"q": "+7 (916) 123 4567"})).json()
    assert [e["id"] for e in found["items"]] == [created["id"]] and found["total"] == 1
    one = await client.get(f"/api/v1/dnc/{created['id']}")
    assert (await one.json())["number"] == "+79161234567"
    assert (await client.delete(f"/api/v1/dnc/{created['id']}")).status == 204
    assert (await client.delete(f"/api/v1/dnc/{created['id']}")).status == 404
    assert await _numbers(db_session) == []


async def test_api_refuses_a_duplicate_with_409_and_names_the_entry(api_as: Any) -> None:
    client, _user = await api_as("admin")
    first = await (await client.post("/api/v1/dnc", json={"number": "+79161234567"})).json()
    response = await client.post("/api/v1/dnc", json={"number": "89161234567", "reason": "x"})
    assert response.status == 409
    body = await response.json()
    assert body["error"] == "already_on_list" and "number" in body["fields"]
    assert body["existing"] == {"id": first["id"], "number": "+79161234567"}


async def test_api_explains_bad_input(api_as: Any) -> None:
    client, _user = await api_as("admin")
    response = await client.post("/api/v1/dnc", json={"number": "abc"})
    assert response.status == 422 and "number" in (await response.json())["fields"]
    response = await client.post("/api/v1/dnc", data=b"not json")
    assert response.status == 400
    response = await client.post("/api/v1/dnc", json={"number": 79161234567})
    assert response.status == 400


async def test_api_access_by_role(api_as: Any, db_session: Any) -> None:
    db_session.add(DoNotCall(e164="+79161234567"))
    await db_session.commit()
    [entry_id] = await db_session.scalars(select(DoNotCall.id))
    client, _user = await api_as("supervisor")
    assert (await client.get("/api/v1/dnc")).status == 200
    assert (await client.post("/api/v1/dnc", json={"number": "+79031234567"})).status == 403
    assert (await client.delete(f"/api/v1/dnc/{entry_id}")).status == 403
    client, _user = await api_as("operator")
    assert (await client.get("/api/v1/dnc")).status == 403
    assert (await client.get(f"/api/v1/dnc/{entry_id}")).status == 403
    assert await _numbers(db_session) == ["+79161234567"]
