"""Client pages through the real app: forms keep what was typed, duplicates warn, search works."""

from typing import Any


def _company_form(csrf: str, **extra: Any) -> dict[str, Any]:
    form = {
        "csrf_token": csrf,
        "kind": "company",
        "name": "ООО «Вектор»",
        "inn": "7736207543",
        "kpp": "770401001",
        "ogrn": "1027700229193",
        "phone_number": "8 (916) 123-45-67",
        "phone_kind": "work",
        "email": "info@vector.ru",
        "tags": "опт, vip",
    }
    form.update(extra)
    return form


async def test_create_company_then_find_it_by_phone_typed_another_way(signed_in: Any) -> None:
    client, _user, csrf = await signed_in("manager")
    response = await client.post("/clients/new", data=_company_form(csrf), allow_redirects=False)
    assert response.status == 302
    card = await (await client.get(response.headers["Location"])).text()
    assert "ООО «Вектор»" in card and "7736207543" in card and "8 (916) 123-45-67" in card
    listing = await (await client.get("/clients", params={"q": "+7 916 1234567"})).text()
    assert "ООО «Вектор»" in listing


async def test_bad_requisites_show_by_the_field_and_keep_everything_typed(
    signed_in: Any,
) -> None:
    client, _user, csrf = await signed_in("manager")
    form = _company_form(csrf, inn="7736207544", notes="перезвонить в пятницу")
    response = await client.post("/clients/new", data=form)
    assert response.status == 422
    page = await response.text()
    assert 'id="err-inn"' in page and "check digit" in page
    for typed in (
        "ООО «Вектор»",
        "7736207544",
        "770401001",
        "8 (916) 123-45-67",
        "info@vector.ru",
        "перезвонить в пятницу",
        "опт, vip",
    ):
        assert typed.replace("«", "&laquo;") in page or typed in page, typed


async def test_duplicate_warns_with_a_link_and_saves_only_when_confirmed(signed_in: Any) -> None:
    client, _user, csrf = await signed_in("admin")
    first = await client.post("/clients/new", data=_company_form(csrf), allow_redirects=False)
    first_url, said = first.headers["Location"].split("?")
    assert said == "saved=1"  # the card it opens says the client was saved
    again = _company_form(
        csrf, name="Вектор (дубль)", inn="", email="", phone_number="+79161234567"
    )
    response = await client.post("/clients/new", data=again)
    assert response.status == 409
    page = await response.text()
    assert f'href="{first_url}"' in page and "Вектор (дубль)" in page
    again["allow_duplicates"] = "1"
    response = await client.post("/clients/new", data=again, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] != first_url


async def test_list_filters_by_tag_and_pages(signed_in: Any, db_session: Any) -> None:
    from callcenter.clients.models import Client, Tag

    client, _user, _csrf = await signed_in("admin")
    tag = Tag(name="опт")
    db_session.add_all(
        [
            Client(kind="person", name=f"Клиент {i:03d}", tags=[tag] if i % 2 else [])
            for i in range(120)
        ]
    )
    await db_session.commit()
    page1 = await (await client.get("/clients", params={"tag": str(tag.id)})).text()
    assert "60 clients" in page1 and "Page 1 of 2" in page1 and "Клиент 001" in page1
    assert "Клиент 000" not in page1
    page2 = await (await client.get("/clients", params={"page": "2", "sort": "-name"})).text()
    assert "Клиент 069" in page2 and "Клиент 070" not in page2


async def test_edit_page_and_history_on_the_card(signed_in: Any) -> None:
    client, _user, csrf = await signed_in("admin")
    created = await client.post("/clients/new", data=_company_form(csrf), allow_redirects=False)
    url = created.headers["Location"].split("?")[0]
    edit = await (await client.get(url + "/edit")).text()
    assert 'value="7736207543"' in edit
    form = _company_form(csrf, name="ООО «Вектор Плюс»")
    assert (await client.post(url + "/edit", data=form, allow_redirects=False)).status == 302
    card = await (await client.get(url)).text()
    assert "Вектор Плюс" in card and "<s>ООО «Вектор»</s>" in card.replace("&#34;", '"')


async def test_the_form_sets_how_the_client_hears_of_orders_and_the_card_history_shows_it(
    signed_in: Any, db_session: Any
) -> None:
    from sqlalchemy import select

    from callcenter.audit.models import AuditEntry
    from callcenter.clients.models import Client

    client, _user, csrf = await signed_in("admin")
    new = await (await client.get("/clients/new?kind=company")).text()
    assert '<option value="email" selected>' in new  # e-mail unless told otherwise
    created = await client.post("/clients/new", data=_company_form(csrf), allow_redirects=False)
    url = created.headers["Location"].split("?", 1)[0]  # the card (it says "saved")
    form = _company_form(csrf, notify_by="both")
    assert (await client.post(url + "/edit", data=form, allow_redirects=False)).status == 302
    assert '<option value="both" selected>' in await (await client.get(url + "/edit")).text()
    bad = await client.post(url + "/edit", data=_company_form(csrf, notify_by="pigeon"))
    page = await bad.text()
    assert bad.status == 422 and "Notify by e-mail, SMS, both or none" in page
    assert 'value="7736207543"' in page  # what was typed is kept
    client_id = int(url.rsplit("/", 1)[1])
    db_session.expire_all()
    stored = await db_session.get(Client, client_id)
    assert stored.notify_by == "both"
    changes = await db_session.scalar(
        select(AuditEntry.changes).where(
            AuditEntry.entity_id == client_id, AuditEntry.action == "updated"
        )
    )
    assert changes["notify_by"] == ["email", "both"]
