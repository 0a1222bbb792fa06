"""Clients through the services on a real PostgreSQL: validation, duplicates, audit, merge."""

from typing import Any

import pytest

from callcenter.audit.service import list_history
from callcenter.clients.exceptions import ClientInvalid, DuplicateClient
from callcenter.clients.input import ClientInput, PhoneInput
from callcenter.clients.merge import merge_clients
from callcenter.clients.models import Client
from callcenter.clients.search import ClientQuery, find_by_phone, search_clients
from callcenter.clients.service import create_client, update_client

SBER = dict(
    inn="7707083893",
    kpp="773601001",
    ogrn="1027700132195",
    bik="044525225",
    corr_account="30101810400000000225",
    settlement_account="40702810938000012345",
)


@pytest.fixture
async def admin(make_user: Any) -> Any:
    return await make_user("admin")


async def _create(session: Any, actor: Any, **fields: Any) -> Client:
    client = await create_client(session, data=ClientInput(**fields), actor=actor, region="RU")
    await session.commit()
    return client


async def test_company_with_valid_requisites_is_stored(db_session: Any, admin: Any) -> None:
    client = await _create(
        db_session,
        admin,
        kind="company",
        name="ПАО  Сбербанк",
        **SBER,
        phones=[PhoneInput("8 (495) 500-55-50", "work")],
    )
    assert client.name == "ПАО Сбербанк"
    assert (client.inn, client.kpp, client.ogrn) == ("7707083893", "773601001", "1027700132195")
    assert [(p.number, p.e164, p.kind) for p in client.phones] == [
        ("8 (495) 500-55-50", "+74955005550", "work")
    ]


async def test_every_bad_field_is_reported_at_once(db_session: Any, admin: Any) -> None:
    data = ClientInput(
        kind="company",
        name="",
        inn="7707083894",
        ogrn="1027700132196",
        bik="044525225",
        settlement_account="40702810038000012345",
        phones=[PhoneInput("12")],
        emails=["nope"],
    )
    with pytest.raises(ClientInvalid) as caught:
        await create_client(db_session, data=data, actor=admin, region="RU")
    assert set(caught.value.fields) == {
        "name",
        "inn",
        "ogrn",
        "settlement_account",
        "phones.0",
        "emails.0",
    }


async def test_same_phone_typed_another_way_is_a_duplicate(db_session: Any, admin: Any) -> None:
    first = await _create(
        db_session, admin, name="Иван Петров", phones=[PhoneInput("8 (916) 123-45-67")]
    )
    data = ClientInput(name="И. Петров", phones=[PhoneInput("+7 916 1234567")])
    with pytest.raises(DuplicateClient) as caught:
        await create_client(db_session, data=data, actor=admin, region="RU")
    [dup] = caught.value.duplicates
    assert (dup.field, dup.value, dup.client_id) == ("phone", "+79161234567", first.id)
    second = await create_client(
        db_session, data=data, actor=admin, region="RU", allow_duplicates=True
    )
    assert second.id != first.id


async def test_same_inn_or_email_is_a_duplicate(db_session: Any, admin: Any) -> None:
    await _create(
        db_session, admin, kind="company", name="Сбер", inn="7707083893", emails=["info@sber.ru"]
    )
    for data in (
        ClientInput(kind="company", name="Другой", inn="7707 083 893"),
        ClientInput(name="Кто-то", emails=["INFO@sber.ru"]),
    ):
        with pytest.raises(DuplicateClient):
            await create_client(db_session, data=data, actor=admin, region="RU")


async def test_editing_records_who_changed_what(db_session: Any, admin: Any) -> None:
    client = await _create(db_session, admin, name="Анна", phones=[PhoneInput("9161234567")])
    data = ClientInput(
        name="Анна Смирнова",
        phones=[PhoneInput("9161234567")],
        emails=["anna@example.ru"],
        tags=["VIP"],
    )
    await update_client(db_session, client_id=client.id, data=data, actor=admin, region="RU")
    await db_session.commit()
    history = await list_history(db_session, entity="client", entity_ids=[client.id])
    latest, who = history[0]
    assert latest.action == "updated" and who.id == admin.id
    assert latest.changes["name"] == ["Анна", "Анна Смирнова"]
    assert latest.changes["emails"] == [[], ["anna@example.ru"]]
    assert latest.changes["tags"] == [[], ["vip"]]
    assert "phones" not in latest.changes


async def test_merge_keeps_contacts_links_and_history_of_both(db_session: Any, admin: Any) -> None:
    company = await _create(db_session, admin, kind="company", name="ООО Ромашка")
    company_id = company.id
    keep = await _create(
        db_session, admin, name="Пётр Иванов", phones=[PhoneInput("9161234567")], tags=["опт"]
    )
    dup = await create_client(
        db_session,
        actor=admin,
        region="RU",
        allow_duplicates=True,
        data=ClientInput(
            name="Петр Иванов",
            company_id=company.id,
            phones=[PhoneInput("89161234567"), PhoneInput("+7 495 123-45-67")],
            emails=["petr@example.ru"],
            tags=["vip"],
            notes="звонить после 12",
        ),
    )
    await db_session.commit()
    keep_id, dup_id = keep.id, dup.id  # the merge expires every loaded object
    merged = await merge_clients(db_session, survivor_id=keep_id, duplicate_id=dup_id, actor=admin)
    await db_session.commit()
    assert sorted(p.e164 for p in merged.phones) == ["+74951234567", "+79161234567"]
    assert [e.email for e in merged.emails] == ["petr@example.ru"]
    assert sorted(t.name for t in merged.tags) == ["vip", "опт"]
    assert merged.company_id == company_id and "после 12" in merged.notes
    history = await list_history(db_session, entity="client", entity_ids=[keep_id, dup_id])
    actions = {(e.entity_id, e.action) for e, _ in history}
    assert {
        (keep_id, "created"),
        (dup_id, "created"),
        (keep_id, "merged"),
        (dup_id, "merged_into"),
    } <= actions
    assert [c.id for c in await find_by_phone(db_session, "+79161234567")] == [keep_id]
    page = await search_clients(db_session, ClientQuery(q="Иванов"), actor=admin, region="RU")
    assert [c.id for c in page.items] == [keep_id]


async def test_search_finds_by_name_fragment_phone_inn_and_email(
    db_session: Any, admin: Any
) -> None:
    await _create(
        db_session,
        admin,
        kind="company",
        name="ООО «Ёлка»",
        inn="7736207543",
        phones=[PhoneInput("+7 495 765-43-21")],
        emails=["sale@elka.ru"],
    )
    await _create(db_session, admin, name="Семён Ёлкин", phones=[PhoneInput("9031112233")])

    async def names(**query: Any) -> list[str]:
        page = await search_clients(db_session, ClientQuery(**query), actor=admin, region="RU")
        return [c.name for c in page.items]

    assert await names(q="елк") == ["ООО «Ёлка»", "Семён Ёлкин"]
    assert await names(q="ЁЛКИН") == ["Семён Ёлкин"]
    assert await names(q="8 (903) 111-22-33") == ["Семён Ёлкин"]
    assert await names(q="+79031112233") == ["Семён Ёлкин"]
    assert await names(q="765-43") == ["ООО «Ёлка»"]
    assert await names(q="7736207543") == ["ООО «Ёлка»"]
    assert await names(q="sale@elka") == ["ООО «Ёлка»"]
    assert await names(phone="4957654321") == ["ООО «Ёлка»"]
    assert await names(kind="person") == ["Семён Ёлкин"]
    assert await names(q="100%_") == []
