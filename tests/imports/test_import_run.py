"""Running imports: all rows or none, every bad row reported, duplicates by the user's policy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from callcenter.audit.models import AuditEntry
from callcenter.clients.models import Client, ClientPhone
from callcenter.clients.search import ClientQuery, search_clients
from callcenter.imports.limits import UploadLimits
from tests.imports.support import INN_A, INN_B, csv_bytes, run_file, xlsx_bytes

HEAD = ["ФИО", "Телефон", "ИНН", "E-mail", "Компания", "Теги", "Примечание"]


def _row(name: str, phone: str = "", inn: str = "", email: str = "", **more: str) -> list[str]:
    return [
        name,
        phone,
        inn,
        email,
        more.get("company", ""),
        more.get("tags", ""),
        more.get("notes", ""),
    ]


async def _clients(db_session: Any) -> list[Client]:
    db_session.expire_all()
    return list(await db_session.scalars(select(Client).order_by(Client.id)))


async def test_good_file_creates_every_client_searchable_with_phones_tags_and_audit(
    make_user: Any, database_url: str, db_session: Any
) -> None:
    manager = await make_user("manager")
    rows = [
        HEAD,
        _row("Щукина Алёна", "8 916 123-45-67", email="alena@example.ru", tags="vip; опт"),
        _row("ООО «Вектор»", "+7 495 765-43-21", INN_A),
        _row("Петров Пётр", "9161112233, 8 (495) 111-22-33", company="ООО «Вектор»"),
    ]
    job = await run_file(database_url, manager, xlsx_bytes(rows), name="база.xlsx")
    assert (job.state, job.created_count, job.bad_count, job.progress) == ("done", 3, 0, 100)
    clients = {c.name: c for c in await _clients(db_session)}
    vector, petrov = clients["ООО «Вектор»"], clients["Петров Пётр"]
    assert vector.kind == "company" and vector.inn == INN_A
    assert petrov.kind == "person" and petrov.company_id == vector.id
    assert {c.owner_id for c in clients.values()} == {manager.id}
    phones = await db_session.scalars(
        select(ClientPhone.e164)
        .where(ClientPhone.client_id == petrov.id)
        .order_by(ClientPhone.position)
    )
    assert list(phones) == ["+79161112233", "+74951112233"]
    found = await search_clients(db_session, ClientQuery(q="щукина"), actor=manager, region="RU")
    assert [c.name for c in found.items] == ["Щукина Алёна"]
    assert sorted(t.name for t in found.items[0].tags) == ["vip", "опт"]
    audit = await db_session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "created", AuditEntry.entity == "client")
    )
    assert audit == 3
    created = await db_session.scalar(
        select(AuditEntry.changes).where(
            AuditEntry.entity == "client", AuditEntry.entity_id == petrov.id
        )
    )
    assert created == {
        "import": [None, job.id],
        "kind": [None, "person"],
        "name": [None, "Петров Пётр"],
        "company_id": [None, vector.id],
        "owner_id": [None, manager.id],
        "phones": [None, ["+79161112233 (mobile)", "+74951112233 (mobile)"]],
    }


async def test_one_bad_row_writes_nothing_and_every_bad_row_is_listed_with_its_line(
    make_user: Any, database_url: str, db_session: Any
) -> None:
    manager = await make_user("manager")
    rows = [
        HEAD,
        _row("Хороший Клиент", "+7 916 000-00-01"),
        _row("", "+7 916 000-00-02"),
        _row("Плохой ИНН", inn="7736207544"),
        _row("Хороший Второй", "+7 916 000-00-03"),
        _row("Плохой Телефон", "12", email="не почта"),
    ]
    job = await run_file(database_url, manager, csv_bytes(rows))
    assert job.state == "failed" and "nothing" in job.error
    assert job.created_count == 0 and job.bad_count == 3
    assert [(b["line"], b["errors"]) for b in job.bad_rows] == [
        (3, {"ФИО": "Name is required"}),
        (4, {"ИНН": "INN check digit does not match: check for a typo"}),
        (
            6,
            {
                "Телефон": "Not a valid phone number: check the digits",
                "E-mail": "Not an e-mail address",
            },
        ),
    ]
    assert job.bad_rows[1]["values"][:3] == ["Плохой ИНН", "", "7736207544"]
    assert await _clients(db_session) == []


async def test_skipping_bad_rows_is_an_explicit_choice_that_imports_the_good_ones(
    make_user: Any, database_url: str, db_session: Any
) -> None:
    admin = await make_user("admin")
    rows = [HEAD, _row("Хороший", "+7 916 000-00-01"), _row("Плохой", "12")]
    job = await run_file(database_url, admin, csv_bytes(rows), skip_bad_rows=True)
    assert (job.state, job.created_count, job.bad_count) == ("done", 1, 1)
    assert [c.name for c in await _clients(db_session)] == ["Хороший"]


async def test_duplicates_by_phone_skip_update_or_create(
    make_user: Any, database_url: str, db_session: Any
) -> None:
    admin = await make_user("admin")
    first = [HEAD, _row("Иванов", "+7 916 123-45-67", tags="старый", notes="первый звонок")]
    await run_file(database_url, admin, csv_bytes(first))
    again = [HEAD, _row("Иванов Иван", "8 916 123 45 67", email="ivanov@example.ru", tags="новый")]

    skipped = await run_file(database_url, admin, csv_bytes(again), policy={"phone": "skip"})
    assert (skipped.created_count, skipped.updated_count, skipped.skipped_count) == (0, 0, 1)
    assert [c.name for c in await _clients(db_session)] == ["Иванов"]

    updated = await run_file(database_url, admin, csv_bytes(again), policy={"phone": "update"})
    assert (updated.created_count, updated.updated_count) == (0, 1)
    (client,) = await _clients(db_session)
    await db_session.refresh(client, ["emails", "tags", "phones"])
    assert client.name == "Иванов Иван" and client.notes == "первый звонок"
    assert [e.email for e in client.emails] == ["ivanov@example.ru"]
    assert sorted(t.name for t in client.tags) == ["новый", "старый"]
    assert len(client.phones) == 1
    history = await db_session.scalar(
        select(AuditEntry.changes).where(
            AuditEntry.action == "updated", AuditEntry.entity_id == client.id
        )
    )
    assert history["name"] == ["Иванов", "Иванов Иван"] and history["import"][1] == updated.id

    created = await run_file(
        database_url, admin, csv_bytes(again), policy={"phone": "create", "email": "create"}
    )
    assert created.created_count == 1
    assert len(await _clients(db_session)) == 2


async def test_duplicates_by_inn_and_email_and_within_the_file(
    make_user: Any, database_url: str, db_session: Any
) -> None:
    admin = await make_user("admin")
    await run_file(database_url, admin, csv_bytes([HEAD, _row("ООО Альфа", inn=INN_A)]))
    rows = [
        HEAD,
        _row("Альфа (новое имя)", inn=INN_A),  # the INN is known: updated
        _row("Бета", inn=INN_B, email="beta@example.ru"),
        _row(
            "Бета, второй раз", "+7 916 555-44-33", email="BETA@example.ru"
        ),  # same file, same e-mail
    ]
    job = await run_file(
        database_url, admin, csv_bytes(rows), policy={"inn": "update", "email": "update"}
    )
    assert (job.state, job.created_count, job.updated_count) == ("done", 1, 1)
    clients = await _clients(db_session)
    assert [c.name for c in clients] == ["Альфа (новое имя)", "Бета, второй раз"]
    await db_session.refresh(clients[1], ["phones"])
    assert [p.e164 for p in clients[1].phones] == ["+79165554433"]


async def test_a_manager_cannot_update_another_managers_client(
    make_user: Any, database_url: str, db_session: Any
) -> None:
    owner = await make_user("manager")
    other = await make_user("manager")
    await run_file(database_url, owner, csv_bytes([HEAD, _row("Чужой", "+7 916 123-45-67")]))
    job = await run_file(
        database_url,
        other,
        csv_bytes([HEAD, _row("Мой", "+7 916 123-45-67")]),
        policy={"phone": "update"},
    )
    assert job.state == "failed"
    assert job.bad_rows[0]["errors"] == {"Phone": "matches a client of another manager"}
    assert [c.name for c in await _clients(db_session)] == ["Чужой"]


async def test_owner_channel_and_segment_columns_by_name(
    make_user: Any, database_url: str, db_session: Any
) -> None:
    from callcenter.clients.models import Channel

    admin = await make_user("admin")
    seller = await make_user("manager", login="petrova", full_name="Петрова Анна")
    db_session.add(Channel(name="Яндекс.Директ"))
    await db_session.commit()
    rows = [
        ["Клиент", "Ответственный", "Источник"],
        ["Первый", "Петрова Анна", "яндекс.директ"],
        ["Второй", "PETROVA", ""],
        ["Третий", "", "Телевизор"],
    ]
    job = await run_file(database_url, admin, csv_bytes(rows))
    assert job.state == "failed"
    assert job.bad_rows == [
        {
            "line": 4,
            "errors": {"Источник": "No such channel"},
            "values": ["Третий", "", "Телевизор"],
        }
    ]
    job = await run_file(database_url, admin, csv_bytes(rows[:3]))
    assert job.state == "done"
    owners = {c.name: c.owner_id for c in await _clients(db_session)}
    assert owners == {"Первый": seller.id, "Второй": seller.id}


async def test_an_interrupted_import_fails_with_nothing_written(
    make_user: Any, database_url: str, db_session: Any
) -> None:
    """A process that dies mid-import leaves it running with an old heartbeat: it fails."""
    from callcenter.imports.models import Import
    from callcenter.imports.service import expire_stale_imports

    manager = await make_user("manager")
    db_session.add(
        Import(
            target="clients",
            state="running",
            user_id=manager.id,
            file_name="a.csv",
            file_format="csv",
        )
    )
    await db_session.commit()
    await db_session.execute(
        text("UPDATE imports SET heartbeat_at = now() - interval '10 minutes'")
    )
    assert await expire_stale_imports(db_session) == 1
    await db_session.commit()
    job = await db_session.scalar(select(Import))
    assert job.state == "failed" and "interrupted" in job.error


async def test_a_draft_queued_long_after_upload_is_not_taken_for_interrupted(
    make_user: Any, database_url: str, db_session: Any
) -> None:
    """Minutes on the mapping page must not make the freshly queued import look dead."""
    from callcenter.imports.models import Import
    from callcenter.imports.service import configure_import, create_import, expire_stale_imports

    manager = await make_user("manager")
    actor = await db_session.get(type(manager), manager.id)
    job = await create_import(
        db_session,
        actor=actor,
        target="clients",
        file_name="a.csv",
        content=csv_bytes([HEAD]),
        limits=UploadLimits(),
    )
    await db_session.commit()
    await db_session.execute(text("UPDATE imports SET created_at = now() - interval '1 hour'"))
    await configure_import(
        db_session,
        import_id=job.id,
        actor=actor,
        mapping={"0": "name"},
        policy={},
        skip_bad_rows=False,
    )
    assert await expire_stale_imports(db_session) == 0
    await db_session.commit()
    assert (await db_session.get(Import, job.id)).state == "queued"


async def test_a_notifications_column_in_russian_or_english_words_sets_notify_by(
    make_user: Any, database_url: str, db_session: Any
) -> None:
    admin = await make_user("admin")
    head = ["ФИО", "Телефон", "Уведомления"]
    rows = [
        head,
        ["Анна", "+7 916 000-00-01", "СМС"],
        ["Борис", "+7 916 000-00-02", "E-mail и SMS"],
        ["Вера", "+7 916 000-00-03", "не уведомлять"],
        ["Глеб", "+7 916 000-00-04", ""],
    ]
    job = await run_file(database_url, admin, csv_bytes(rows))
    assert job.state == "done", job.bad_rows
    found = {c.name: c.notify_by for c in await _clients(db_session)}
    assert found == {"Анна": "sms", "Борис": "both", "Вера": "none", "Глеб": "email"}

    english = [["Name", "Phone", "Notify by"], ["Anna", "+7 916 000-00-01", "both"],
               ["Vera", "+7 916 000-00-03", ""]]  # fmt: skip
    updated = await run_file(database_url, admin, csv_bytes(english), policy={"phone": "update"})
    assert updated.updated_count == 2
    found = {c.name: c.notify_by for c in await _clients(db_session)}
    assert found["Anna"] == "both" and found["Vera"] == "none"  # an empty cell changes nothing
    history = await db_session.scalar(
        select(AuditEntry.changes).where(
            AuditEntry.action == "updated", AuditEntry.changes["notify_by"].is_not(None)
        )
    )
    assert history["notify_by"] == ["sms", "both"]

    bad = [head, ["Дина", "+7 916 000-00-05", "голубиная почта"], ["Ева", "", "fax"]]
    failed = await run_file(database_url, admin, csv_bytes(bad))
    assert failed.state == "failed" and failed.bad_count == 2
    assert [b["errors"] for b in failed.bad_rows] == [
        {"Уведомления": "Notify by e-mail, SMS, both or none"}
    ] * 2
