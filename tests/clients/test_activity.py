"""The client card's activity feed: every kind newest first, paged by keyset without losing
or repeating an item (ties included, items written meanwhile), filtered by kind, each kind
one query bounded by the page, and only what the reader may see."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select

from callcenter.audit.models import AuditEntry
from callcenter.audit.names import audit_names
from callcenter.clients.activity import KINDS, Cursor, client_activity
from callcenter.clients.exceptions import ClientInvalid
from callcenter.clients.models import Channel, Client, Segment
from callcenter.db import make_engine, make_sessionmaker
from callcenter.invoices.models import Invoice
from callcenter.tasks.models import Task
from callcenter.users.models import User
from tests.clients.activity_world import START, Feed, add_invoice_email, build_feed


@pytest.fixture
async def sessionmaker(database_url: str, clean_db: None) -> Any:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _world(sessionmaker: Any, make_user: Any, role: str = "admin") -> tuple[Feed, User]:
    actor = await make_user(role)
    async with sessionmaker.begin() as session:
        feed = await build_feed(session, owner_id=actor.id)
    return feed, actor


async def _walk(session: Any, feed: Feed, actor: User, per_page: int, kinds: Any = ()) -> list[Any]:
    seen, before, pages = [], None, 0
    while True:
        page = await client_activity(
            session, client_ids=[feed.client_id], actor=actor, kinds=kinds, before=before,
            per_page=per_page,
        )  # fmt: skip
        assert len(page.items) <= per_page
        seen += [(a.at, a.kind, a.id) for a in page.items]
        pages += 1
        if page.next_cursor is None:
            return seen
        assert page.next_cursor == page.items[-1].key
        before = page.next_cursor
        assert pages < 200, "the feed never ends"


@pytest.mark.parametrize("per_page", [1, 2, 3, 7, 30, 100])
async def test_pages_of_any_size_read_every_item_once_newest_first(
    sessionmaker: Any, make_user: Any, per_page: int
) -> None:
    feed, admin = await _world(sessionmaker, make_user)
    async with sessionmaker() as session:
        seen = await _walk(session, feed, admin, per_page)
    assert seen == sorted(feed.keys, reverse=True)
    assert len(set(seen)) == len(seen) == len(feed.keys)
    assert {kind for _at, kind, _id in seen} == set(KINDS)


async def test_a_kind_filter_shows_only_those_kinds_and_all_of_them(
    sessionmaker: Any, make_user: Any
) -> None:
    feed, admin = await _world(sessionmaker, make_user)
    async with sessionmaker() as session:
        for kinds in (["call"], ["feedback"], ["status", "change"], ["mailing"]):
            seen = await _walk(session, feed, admin, 3, kinds)
            expected = sorted((k for k in feed.keys if k[1] in kinds), reverse=True)
            assert seen == expected, kinds


async def test_items_written_after_a_page_was_read_never_shift_the_next_page(
    sessionmaker: Any, make_user: Any
) -> None:
    feed, admin = await _world(sessionmaker, make_user)
    async with sessionmaker() as session:
        first = await client_activity(session, client_ids=[feed.client_id], actor=admin, per_page=5)
    async with sessionmaker.begin() as session:  # newer items arrive meanwhile
        for n in range(4):
            session.add(
                Task(kind="call", title=f"new {n}", due_at=START, client_id=feed.client_id,
                     created_at=START + timedelta(days=1))
            )  # fmt: skip
    async with sessionmaker() as session:
        second = await client_activity(
            session, client_ids=[feed.client_id], actor=admin, before=first.next_cursor,
            per_page=5,
        )  # fmt: skip
    expected = sorted(feed.keys, reverse=True)
    assert [a.key for a in first.items + second.items] == [Cursor(*k) for k in expected[:10]]


async def test_each_kind_is_one_query_bounded_by_the_page(
    sessionmaker: Any, make_user: Any, database_url: str
) -> None:
    feed, admin = await _world(sessionmaker, make_user)
    engine = make_engine(database_url)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with make_sessionmaker(engine)() as session:
            page = await client_activity(
                session, client_ids=[feed.client_id], actor=admin, per_page=4
            )
    finally:
        await engine.dispose()
    assert len(page.items) == 4
    # 8 kinds, the calls' legs and wrap-up notes, order numbers of changes, and one query
    # per kind of name the page refers to (users, channels, segments, clients, statuses)
    assert len(statements) <= 8 + 3 + 5
    assert not [s for s in statements if "OFFSET" in s.upper()]
    feeds = [s for s in statements if "DESC" in s.upper()]  # the kinds' newest-first reads
    assert len(feeds) == len(KINDS) and all("LIMIT" in s.upper() for s in feeds)


async def test_another_clients_rows_never_show(sessionmaker: Any, make_user: Any) -> None:
    feed, admin = await _world(sessionmaker, make_user)
    async with sessionmaker() as session:
        page = await client_activity(session, client_ids=[feed.other_id], actor=admin, per_page=100)
        mine = await client_activity(
            session, client_ids=[feed.client_id], actor=admin, per_page=100
        )
    assert {a.key for a in page.items}.isdisjoint({a.key for a in mine.items})
    assert len(page.items) == len(feed.keys)


async def test_an_operator_reads_no_mailings_and_no_invoice_mail(
    sessionmaker: Any, make_user: Any
) -> None:
    feed, admin = await _world(sessionmaker, make_user)
    operator = await make_user("operator")
    async with sessionmaker.begin() as session:
        invoice = Invoice(
            year=2026, number=1, issued_on=date(2026, 3, 2), client_id=feed.client_id,
            seller={}, buyer={}, vat_mode="none", currency="RUB", lines_total=Decimal(1),
            vat_total=Decimal(0), total=Decimal(1),
        )  # fmt: skip
        session.add(invoice)
        await session.flush()
        mail = await add_invoice_email(session, invoice, START + timedelta(days=2))
    async with sessionmaker() as session:
        theirs = await client_activity(
            session, client_ids=[feed.client_id], actor=operator, per_page=100
        )
        asked = await client_activity(
            session, client_ids=[feed.client_id], actor=operator, kinds=["mailing"], per_page=100
        )
        everything = await client_activity(
            session, client_ids=[feed.client_id], actor=admin, per_page=100
        )
    kinds = {a.kind for a in theirs.items}
    assert "mailing" not in kinds and {"call", "order", "email", "change"} <= kinds
    assert ("email", mail.id) not in {(a.kind, a.id) for a in theirs.items}
    assert asked.items == []  # asking for a kind one may not read gives nothing of it
    assert ("email", mail.id) in {(a.kind, a.id) for a in everything.items}


@pytest.mark.parametrize(
    "text",
    ["", "x", "1.call", "1.call.x", "1.nope.3", "abc.call.1", "1.call.0", "1.call.-5",
     "9" * 400 + ".call.1", "1.call.1.2", "1.call." + "9" * 30, "..", "\x00.call.1"],
)  # fmt: skip
def test_a_damaged_cursor_is_a_clear_error(text: str) -> None:
    with pytest.raises(ClientInvalid):
        Cursor.decode(text)


def test_a_cursor_survives_its_own_text_to_the_microsecond() -> None:
    cursor = Cursor(START + timedelta(microseconds=123457), "feedback", 2**62)
    assert Cursor.decode(cursor.encode()) == cursor
    early = Cursor(START.replace(year=1901), "call", 1)
    assert Cursor.decode(early.encode()) == early


async def test_a_page_size_out_of_range_is_clamped(sessionmaker: Any, make_user: Any) -> None:
    feed, admin = await _world(sessionmaker, make_user)
    async with sessionmaker() as session:
        tiny = await client_activity(session, client_ids=[feed.client_id], actor=admin, per_page=-5)
        huge = await client_activity(
            session, client_ids=[feed.client_id], actor=admin, per_page=10**9
        )
        assert await session.scalar(select(Task.id).limit(1)) is not None
    assert len(tiny.items) == 1 and len(huge.items) == len(feed.keys)


@pytest.mark.parametrize(
    "query",
    [
        "before=garbage",
        "before=1.call",
        "kind=nope",
        "kind=mailing&kind=%00",
        "before=" + "9" * 500,
    ],
)
async def test_the_feed_page_refuses_garbage_with_a_clear_error(
    signed_in: Any, sessionmaker: Any, query: str
) -> None:
    client, manager, _csrf = await signed_in("operator")  # operators read no mailings
    async with sessionmaker.begin() as session:
        feed = await build_feed(session, owner_id=manager.id, rounds=1)
    response = await client.get(f"/clients/{feed.client_id}/activity?{query}")
    assert response.status == 422
    assert "Traceback" not in await response.text()
    fragment = await client.get(
        f"/clients/{feed.client_id}/activity?kind=call", headers={"X-Requested-With": "fetch"}
    )
    assert fragment.status == 200 and 'data-kind="call"' in await fragment.text()


async def test_a_change_shows_every_name_the_audit_trail_shows_from_the_same_lookup(
    sessionmaker: Any, make_user: Any
) -> None:
    """The feed names what a change refers to exactly as every audit trail does (one lookup,
    ``callcenter.audit.names``): users in any user field and list, clients, channels, segments."""
    admin = await make_user("admin", full_name="Анна Админ")
    agent = await make_user("operator", full_name="Пётр Оператор")
    async with sessionmaker.begin() as session:
        client = Client(kind="person", name="Иван", owner_id=admin.id)
        company = Client(kind="company", name="ООО «Фирма»")
        channel, segment = Channel(name="Выставка"), Segment(name="Опт")
        session.add_all([client, company, channel, segment])
        await session.flush()
        changes = {
            "owner_id": [None, admin.id],
            "agent_ids": [[], [agent.id, admin.id]],
            "company_id": [None, company.id],
            "client_id": [None, company.id],
            "channel_id": [None, channel.id],
            "segment_id": [segment.id, None],
            "notes": ["", "12"],  # a number in a field naming nothing stays a number
        }
        session.add(
            AuditEntry(entity="client", entity_id=client.id, action="updated", changes=changes)
        )
    async with sessionmaker() as session:
        page = await client_activity(session, client_ids=[client.id], actor=admin, kinds=["change"])
        entries = (await session.scalars(select(AuditEntry))).all()
        trail = await audit_names(session, entries)
    names = {kind: page.names[kind] for kind in trail}
    assert names == trail
    assert names["user"] == {admin.id: "Анна Админ", agent.id: "Пётр Оператор"}
    assert names["client"] == {company.id: "ООО «Фирма»"}
    assert (names["channel"], names["segment"]) == ({channel.id: "Выставка"}, {segment.id: "Опт"})
