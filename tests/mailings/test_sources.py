"""Audience sources: the clients who clicked, opened or did not open an earlier mailing, and
an uploaded file of e-mails or phones (every bad row reported with its reason; a file with
one is refused whole and changes nothing; garbage files are refused)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import FormData
from sqlalchemy import select

from callcenter.clients.models import ClientPhone
from callcenter.errors import Invalid
from callcenter.mailings.audience import count_audience, sample_clients
from callcenter.mailings.models import AudienceMember, Mailing
from callcenter.mailings.service import create_mailing, update_mailing
from tests.conftest import sign_in
from tests.mailings.support import add_client, mailing_input
from tests.mailings.world import World, build_world


async def _draft(sessionmaker: Any, actor: Any, **audience: Any) -> int:
    async with sessionmaker.begin() as session:
        mailing = await create_mailing(
            session, data=mailing_input(kind="service", audience=audience), actor=actor,
            timezone="Europe/Moscow", rate_cap=60_000,
        )  # fmt: skip
    return mailing.id


async def _reached(sessionmaker: Any, mailing_id: int, author: Any) -> list[str]:
    async with sessionmaker() as session:
        mailing = await session.get(Mailing, mailing_id)
        rows = await sample_clients(session, mailing, author=author, region="RU", limit=100)
    return sorted(name for _, name, _ in rows)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("clicked", ["anna"]), ("opened", ["anna", "boris"]), ("not_opened", ["dasha"])],
)
async def test_the_clients_who_clicked_opened_or_did_not_open_an_earlier_mailing(
    sessionmaker: Any, make_user: Any, who: str, expected: list[str]
) -> None:
    admin = await make_user("admin")
    world: World = await build_world(sessionmaker, admin.id)
    mailing_id = await _draft(sessionmaker, admin, from_mailing_id=world.a, from_mailing_who=who)
    assert await _reached(sessionmaker, mailing_id, admin) == expected


async def test_the_earlier_mailing_must_be_sent_visible_and_another(
    sessionmaker: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    world = await build_world(sessionmaker, admin.id)
    restricted = await make_user("manager")  # sees only their own mailings
    draft = await _draft(sessionmaker, admin)
    for actor, earlier in ((restricted, world.a), (admin, draft), (admin, 424242)):
        with pytest.raises(Invalid) as refused:
            await _draft(sessionmaker, actor, from_mailing_id=earlier, from_mailing_who="opened")
        assert "audience_from_mailing_id" in refused.value.fields
    with pytest.raises(Invalid):
        async with sessionmaker.begin() as session:
            await update_mailing(
                session, mailing_id=draft, actor=admin, timezone="Europe/Moscow",
                rate_cap=60_000, data=mailing_input(kind="service", audience={
                    "from_mailing_id": draft, "from_mailing_who": "opened"}),
            )  # fmt: skip


async def _members(sessionmaker: Any, mailing_id: int) -> list[int]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(AudienceMember.client_id).where(AudienceMember.mailing_id == mailing_id)
        )
        return sorted(rows)


async def _upload(client: Any, csrf: str, mailing_id: int, content: bytes, name: str) -> Any:
    form = FormData()
    form.add_field("csrf_token", csrf)
    form.add_field("file", content, filename=name, content_type="application/octet-stream")
    return await client.post(
        f"/mailings/{mailing_id}/audience-file", data=form, allow_redirects=False
    )


async def test_an_uploaded_file_narrows_the_audience_to_its_clients(
    client: Any, sessionmaker: Any, make_user: Any
) -> None:
    manager = await make_user("manager", sees_all_clients=True)
    async with sessionmaker() as session:
        anna = await add_client(session, "anna", "Anna@Example.ru")
        boris = await add_client(session, "boris", "boris@example.ru")
        await add_client(session, "vera", "vera@example.ru")
        session.add(ClientPhone(client_id=boris.id, number="8 916 000-00-01", e164="+79160000001"))
        await session.commit()
    mailing_id = await _draft(sessionmaker, manager)
    csrf = await sign_in(client, manager)
    good = b"E-mail\n anna@example.ru \n8 (916) 000-00-01\n\nANNA@example.ru\n"
    answer = await _upload(client, csrf, mailing_id, good, "list.csv")
    assert answer.status == 302
    assert await _members(sessionmaker, mailing_id) == [anna.id, boris.id]
    assert await _reached(sessionmaker, mailing_id, manager) == ["anna", "boris"]
    async with sessionmaker() as session:
        mailing = await session.get(Mailing, mailing_id)
        assert mailing.audience["file"] == {"name": "list.csv", "rows": 3, "clients": 2}
        counted = await count_audience(session, mailing, author=manager, region="RU")
    assert counted.reached == 2
    async with sessionmaker.begin() as session:  # editing the draft keeps the file
        await update_mailing(
            session, mailing_id=mailing_id, actor=manager, timezone="Europe/Moscow",
            rate_cap=60_000, data=mailing_input(kind="service", name="Другое имя"),
        )  # fmt: skip
    assert await _reached(sessionmaker, mailing_id, manager) == ["anna", "boris"]
    page = await (await client.get(f"/mailings/{mailing_id}")).text()
    assert "list.csv" in page
    dropped = await client.post(
        f"/mailings/{mailing_id}/audience-file", data={"csrf_token": csrf, "drop": "1"},
        allow_redirects=False,
    )  # fmt: skip
    assert dropped.status == 302 and await _members(sessionmaker, mailing_id) == []
    assert await _reached(sessionmaker, mailing_id, manager) == ["anna", "boris", "vera"]


async def test_a_file_with_bad_rows_is_refused_whole_each_row_named(
    client: Any, sessionmaker: Any, make_user: Any
) -> None:
    manager = await make_user("manager", sees_all_clients=True)
    async with sessionmaker() as session:
        anna = await add_client(session, "anna", "anna@example.ru")
    mailing_id = await _draft(sessionmaker, manager)
    csrf = await sign_in(client, manager)
    assert (await _upload(client, csrf, mailing_id, b"anna@example.ru\n", "a.csv")).status == 302
    bad = b"anna@example.ru\nnot an address@\n12\nnobody@example.ru\n+79990000000\n"
    answer = await _upload(client, csrf, mailing_id, bad, "b.csv")
    text = await answer.text()
    assert answer.status == 422 and "4 rows of the file are bad" in text
    for line in (2, 3, 4, 5):
        assert f'data-line="{line}"' in text
    assert "No client of yours has this address" in text and "invalid address" in text
    assert await _members(sessionmaker, mailing_id) == [anna.id]  # the first file stands
    for garbage, name in ((b"\x00\xff\x00PK\x03\x04junk", "x.xlsx"), (b"", "e.csv")):
        refused = await _upload(client, csrf, mailing_id, garbage, name)
        assert refused.status == 422, name
    assert await _members(sessionmaker, mailing_id) == [anna.id]
