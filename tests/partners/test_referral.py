"""The referral link ``/r/{code}``: no sign-in, CSRF, find-or-create the client without
telling the visitor anything, first attribution wins, a call-back task, a rate per address,
404 for a code with no link."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.audit.models import AuditEntry
from callcenter.clients.models import Client, ClientPhone
from callcenter.db import make_engine, make_sessionmaker
from callcenter.partners.attribution import partner_codes_of
from callcenter.partners.models import Partner, ReferralRequest
from callcenter.partners.referral import (
    ReferralInput,
    ReferralLimited,
    ReferralPolicy,
    submit_referral,
)
from callcenter.tasks.models import Task
from callcenter.users.service import get_user
from tests.conftest import CSRF_RE
from tests.partners.support import client_of, make_chain


@pytest.fixture
async def world(db_session: Any, make_user: Any) -> dict[str, Any]:
    admin = await make_user("admin", language="en")
    manager = await make_user("manager", login="dmanager")
    chain = await make_chain(db_session, await get_user(db_session, admin.id))
    partner = await db_session.get(Partner, chain.d.id)
    partner.manager_id = manager.id
    await db_session.commit()
    return {"chain": chain, "admin": admin, "manager": manager}


async def _form(client: Any, code: str) -> str:
    page = await client.get(f"/r/{code}?lang=en")
    assert page.status == 200
    match = CSRF_RE.search(await page.text())
    assert match
    return match.group(1)


def _visitor(csrf: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf, "name": "Visitor", "phone": "+7 905 123-00-01"} | fields


async def test_a_visitor_leaves_a_phone_and_becomes_the_partners_client_with_a_callback(
    client: Any, world: dict[str, Any], db_session: Any
) -> None:
    page = await client.get("/r/dddd?lang=en")
    text = await page.text()
    assert page.status == 200 and "Call me back" in text
    assert "Sign out" not in text and "Partner DDDD" not in text  # no CRM, no partner's name
    csrf = await _form(client, "DDDD")
    sent = await client.post(
        "/r/DDDD?lang=en",
        data=_visitor(csrf, email="Visitor@Example.ru", comment="After 18:00, please"),
    )
    assert sent.status == 200 and "We will call you back" in await sent.text()
    client_id = await db_session.scalar(select(Client.id).where(Client.name == "Visitor"))
    assert await partner_codes_of(db_session, [client_id]) == {client_id: "DDDD"}
    task = await db_session.scalar(select(Task).where(Task.client_id == client_id))
    assert task.kind == "call" and task.status == "open" and task.phone == "+79051230001"
    assert task.assignee_id == world["manager"].id
    assert "After 18:00, please" in task.notes and "visitor@example.ru" in task.notes
    owner = await db_session.scalar(select(Client.owner_id).where(Client.id == client_id))
    assert owner == world["manager"].id

    again = await client.post("/r/DDDD?lang=en", data=_visitor(csrf, phone="8 905 123 00 01"))
    assert again.status == 200
    db_session.expire_all()
    assert await db_session.scalar(select(func.count()).select_from(Client).where(
        Client.name == "Visitor"
    )) == 1  # fmt: skip
    task = await db_session.scalar(select(Task).where(Task.client_id == client_id))
    assert task.repeats == 2


async def test_an_existing_client_is_found_unchanged_and_the_visitor_learns_nothing(
    client: Any, world: dict[str, Any], db_session: Any
) -> None:
    """A client of partner B leaves their phone on D's link: B keeps them, the offer is
    audited, nothing of theirs changes, and the answer is the very page a stranger gets."""
    chain = world["chain"]
    known = await client_of(db_session, chain, chain.b, "Known Secret Name")
    await db_session.refresh(known, ["phones"])
    known.phones[0].number, known.phones[0].e164 = "+7 903 999-99-99", "+79039999999"
    await db_session.commit()
    known_id = known.id
    csrf = await _form(client, "DDDD")
    found = await client.post(
        "/r/DDDD?lang=en", data=_visitor(csrf, name="Someone Else", phone="8 (903) 999-99-99")
    )
    stranger = await client.post("/r/DDDD?lang=en", data=_visitor(csrf, phone="+7 905 000-00-09"))
    found_text, stranger_text = await found.text(), await stranger.text()
    assert found.status == stranger.status == 200
    strip = re.compile(r'name="csrf_token" value="[^"]*"')
    assert strip.sub("", found_text) == strip.sub("", stranger_text)
    assert "Known Secret Name" not in found_text and "vector.example" not in found_text
    db_session.expire_all()
    assert await partner_codes_of(db_session, [known_id]) == {known_id: "BBBB"}
    assert (await db_session.get(Client, known_id)).name == "Known Secret Name"
    kept = await db_session.scalar(
        select(AuditEntry.changes).where(
            AuditEntry.entity_id == known_id, AuditEntry.action == "attribution_kept"
        )
    )
    assert kept["offered"] == [None, "DDDD"] and kept["source"] == [None, "link"]
    request = await db_session.scalar(
        select(ReferralRequest).where(ReferralRequest.client_id == known_id)
    )
    assert request.outcome == "kept"


async def test_unknown_suspended_and_garbage_codes_are_not_found(
    client: Any, world: dict[str, Any], db_session: Any
) -> None:
    partner = await db_session.get(Partner, world["chain"].c.id)
    partner.status = "suspended"
    await db_session.commit()
    csrf = await _form(client, "DDDD")
    for code in ("CCCC", "NOPE1", "x", "%00", "A" * 300, "ДДДД", "DDDD%27--"):
        assert (await client.get(f"/r/{code}")).status == 404, code
        response = await client.post(f"/r/{code}", data=_visitor(csrf))
        assert response.status == 404, code
    assert await db_session.scalar(select(func.count()).select_from(Client)) == 4  # partners


async def test_the_form_needs_its_csrf_token_and_keeps_what_was_typed_on_bad_input(
    client: Any, world: dict[str, Any], db_session: Any
) -> None:
    no_token = await client.post("/r/DDDD?lang=en", data=_visitor(""))
    assert no_token.status == 403
    csrf = await _form(client, "DDDD")
    for fields, field_error in (
        ({"phone": "12"}, "Not a valid phone number"),
        ({"phone": ""}, "A phone number is required"),
        ({"name": "   "}, "Name is required"),
        ({"email": "not mail"}, "Not an e-mail address"),
        ({"comment": "x" * 2500}, "The comment is too long"),
        ({"name": "\x00" * 10, "phone": "\x00"}, ""),  # refused before the view
    ):
        response = await client.post("/r/DDDD?lang=en", data=_visitor(csrf, **fields))
        text = await response.text()
        assert response.status == 422 and field_error in text, fields
        assert 'value="+7 905 123-00-01"' in text or "phone" in fields
    assert await db_session.scalar(select(func.count()).select_from(ReferralRequest)) == 0


async def test_an_address_is_limited_however_many_requests_race(
    world: dict[str, Any], db_session: Any, database_url: str
) -> None:
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    policy = ReferralPolicy(max_requests=3, window_seconds=600)

    async def send(i: int) -> str:
        data = ReferralInput(name=f"Racer {i}", phone=f"+7 905 200-00-{i:02d}")
        try:
            async with sessionmaker.begin() as session:
                await submit_referral(
                    session,
                    code="DDDD",
                    data=data,
                    address="203.0.113.9",
                    region="RU",
                    policy=policy,
                )
        except ReferralLimited:
            return "limited"
        return "done"

    results = await asyncio.gather(*(send(i) for i in range(8)))
    assert results.count("done") == 3 and results.count("limited") == 5
    other = await send_from(sessionmaker, "198.51.100.1", policy)
    await engine.dispose()
    assert other == "done"  # another address is not held back


async def send_from(sessionmaker: Any, address: str, policy: ReferralPolicy) -> str:
    async with sessionmaker.begin() as session:
        await submit_referral(
            session,
            code="DDDD",
            data=ReferralInput(name="Other", phone="+7 905 300-00-01"),
            address=address,
            region="RU",
            policy=policy,
        )
    return "done"


async def test_the_same_new_phone_sent_at_once_makes_one_client(
    world: dict[str, Any], db_session: Any, database_url: str
) -> None:
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)

    async def send(i: int) -> None:
        async with sessionmaker.begin() as session:
            await submit_referral(
                session,
                code="DDDD",
                data=ReferralInput(name=f"Twin {i}", phone="+7 905 400-00-01"),
                address=f"192.0.2.{i}",
                region="RU",
            )

    await asyncio.gather(*(send(i) for i in range(6)))
    await engine.dispose()
    made = await db_session.scalar(
        select(func.count()).select_from(ClientPhone).where(ClientPhone.e164 == "+79054000001")
    )
    assert made == 1
    tasks = list(await db_session.scalars(select(Task).where(Task.phone == "+79054000001")))
    assert len(tasks) == 1 and tasks[0].repeats == 6


async def test_the_page_is_in_russian_and_english(client: Any, world: dict[str, Any]) -> None:
    russian = await (await client.get("/r/DDDD?lang=ru")).text()
    english = await (await client.get("/r/DDDD?lang=en")).text()
    assert "Перезвоните мне" in russian and "Call me back" in english
