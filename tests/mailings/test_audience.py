"""Who a mailing reaches and who is left out, by each reason, in SQL; a restricted manager's
audience holds only their clients; scheduling freezes it once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.dialer.models import Consent
from callcenter.errors import Forbidden
from callcenter.mailings import audience
from callcenter.mailings.audience import count_audience, sample_clients
from callcenter.mailings.models import MailingRecipient, Suppression
from callcenter.mailings.service import (
    AlreadyInState,
    create_mailing,
    get_mailing,
    schedule_mailing,
)
from callcenter.users.models import User
from tests.mailings.support import add_client, mailing_input

REGION, ZONE = "RU", "Europe/Moscow"


async def _every_reason(session: Any, owner_id: int | None = None) -> dict[str, int]:
    """One client for each way in or out; returns their ids by what they are."""
    made = {
        "ok": await add_client(session, "Анна", "Anna@Example.ru", consent=True),
        "ok2": await add_client(session, "Борис", " ", "boris@example.ru", consent=True),
        "no_address": await add_client(session, "Вера", consent=True),
        "invalid": await add_client(session, "Глеб", "gleb@", "gleb at example", consent=True),
        "unsubscribed": await add_client(session, "Дина", "dina@example.ru", consent=True),
        "bounced": await add_client(session, "Егор", "egor@example.ru", consent=True),
        "no_consent": await add_client(session, "Жанна", "zhanna@example.ru"),
        "duplicate": await add_client(session, "Зоя", "anna@example.ru ", consent=True),
    }
    session.add_all(
        [
            Suppression(address="dina@example.ru", reason="unsubscribed"),
            Suppression(address="egor@example.ru", reason="bounced"),
        ]
    )
    await session.commit()
    return {k: c.id for k, c in made.items()}


async def test_each_reason_leaves_its_client_out_of_an_advertising_mailing(
    db_session: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    await _every_reason(db_session)
    mailing = await create_mailing(
        db_session, data=mailing_input(), actor=admin, timezone=ZONE, rate_cap=6000
    )
    counted = await count_audience(db_session, mailing, author=admin, region=REGION)
    assert counted.total == 8 and counted.reached == 2
    assert counted.left_out == {
        "no_address": 1,
        "invalid_address": 1,
        "unsubscribed": 1,
        "bounced": 1,
        "no_consent": 1,
        "duplicate": 1,
    }
    sample = await sample_clients(db_session, mailing, author=admin, region=REGION)
    assert [address for _, _, address in sample] == ["anna@example.ru", "boris@example.ru"]


async def test_a_service_mailing_needs_no_consent(db_session: Any, make_user: Any) -> None:
    admin = await make_user("admin")
    await _every_reason(db_session)
    mailing = await create_mailing(
        db_session, data=mailing_input(kind="service"), actor=admin, timezone=ZONE, rate_cap=6000
    )
    counted = await count_audience(db_session, mailing, author=admin, region=REGION)
    assert counted.reached == 3 and "no_consent" not in counted.left_out


async def _consented(
    session: Any, name: str, *given: tuple[str, str], phone: str, withdrawn: bool = False
) -> int:
    """A client with an address and a mobile number, and consents for (channel, contact)."""
    client = await add_client(session, name, f"{name}@example.ru", phone=phone)
    for channel, contact in given:
        at_number = channel in ("call", "sms")
        session.add(Consent(
            channel=channel, e164=contact if at_number else None,
            email=None if at_number else contact, client_id=client.id, given_by=name,
            given_at=datetime(2026, 1, 1, tzinfo=UTC), method="paper",
            withdrawn_at=datetime(2026, 2, 1, tzinfo=UTC) if withdrawn else None,
        ))  # fmt: skip
    await session.commit()
    return client.id


@pytest.mark.parametrize("channel", ["email", "sms"])
async def test_an_advertising_mailing_needs_the_consent_of_its_own_channel_and_contact(
    db_session: Any, make_user: Any, channel: str
) -> None:
    admin = await make_user("admin")
    phone = {name: f"+7916555{n:04d}" for n, name in enumerate(("a", "b", "c", "d", "e", "f"))}
    made = {
        "calls_only": await _consented(db_session, "a", ("call", phone["a"]), phone=phone["a"]),
        "sms_only": await _consented(db_session, "b", ("sms", phone["b"]), phone=phone["b"]),
        "email_only": await _consented(
            db_session, "c", ("email", "c@example.ru"), phone=phone["c"]
        ),  # fmt: skip
        "another_contact": await _consented(
            db_session,
            "d",
            ("email", "old-d@example.ru"),
            ("sms", "+79169999999"),
            phone=phone["d"],
        ),  # fmt: skip
        "withdrawn": await _consented(
            db_session,
            "e",
            ("email", "e@example.ru"),
            ("sms", phone["e"]),
            withdrawn=True,
            phone=phone["e"],
        ),  # fmt: skip
        "both": await _consented(
            db_session, "f", ("email", "f@example.ru"), ("sms", phone["f"]), phone=phone["f"]
        ),  # fmt: skip
    }
    data = mailing_input(channel=channel, **({"body_text": "Скидки!"} if channel == "sms" else {}))
    mailing = await create_mailing(db_session, data=data, actor=admin, timezone=ZONE,
                                   rate_cap=6000)  # fmt: skip
    counted = await count_audience(db_session, mailing, author=admin, region=REGION)
    sample = await sample_clients(db_session, mailing, author=admin, region=REGION, limit=50)
    reached = {client_id for client_id, _, _ in sample}
    own = "email_only" if channel == "email" else "sms_only"
    assert reached == {made[own], made["both"]}, {k for k, v in made.items() if v in reached}
    assert counted.reached == 2 and counted.left_out == {"no_consent": 4}


async def test_scheduling_writes_each_client_once_with_the_reasons_and_only_once(
    db_session: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    ids = await _every_reason(db_session)
    mailing = await create_mailing(
        db_session, data=mailing_input(), actor=admin, timezone=ZONE, rate_cap=6000
    )
    await db_session.commit()
    mailing_id = mailing.id
    assert await schedule_mailing(
        db_session, mailing_id=mailing_id, actor=admin, region=REGION, default_zone=ZONE
    ) == 2  # fmt: skip
    await db_session.commit()
    with pytest.raises(AlreadyInState):
        await schedule_mailing(
            db_session, mailing_id=mailing_id, actor=admin, region=REGION, default_zone=ZONE
        )
    await db_session.rollback()
    rows = {
        r.client_id: r
        for r in await db_session.scalars(
            select(MailingRecipient).where(MailingRecipient.mailing_id == mailing_id)
        )
    }
    assert len(rows) == 8
    assert rows[ids["ok"]].state == "queued" and rows[ids["ok"]].address == "anna@example.ru"
    assert rows[ids["ok"]].zones == "Europe/Moscow"
    assert rows[ids["duplicate"]].state == "skipped" and rows[ids["duplicate"]].reason == (
        "duplicate"
    )
    assert {r.reason for r in rows.values() if r.state == "skipped"} == {
        "no_address", "invalid_address", "unsubscribed", "bounced", "no_consent", "duplicate",
    }  # fmt: skip


async def test_the_database_refuses_one_address_twice_in_a_mailing(
    db_session: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing = await create_mailing(
        db_session, data=mailing_input(), actor=admin, timezone=ZONE, rate_cap=6000
    )
    db_session.add(MailingRecipient(mailing_id=mailing.id, address="a@example.ru"))
    await db_session.commit()
    db_session.add(MailingRecipient(mailing_id=mailing.id, address="a@example.ru"))
    with pytest.raises(Exception, match="uq_mailing_recipients_address"):
        await db_session.commit()


async def test_a_restricted_manager_mails_only_their_own_clients(
    db_session: Any, make_user: Any
) -> None:
    mine: User = await make_user("manager")
    other: User = await make_user("manager")
    await add_client(db_session, "Мой", "mine@example.ru", owner_id=mine.id, consent=True)
    await add_client(db_session, "Чужой", "theirs@example.ru", owner_id=other.id, consent=True)
    await add_client(db_session, "Ничей", "nobody@example.ru", consent=True)
    mailing = await create_mailing(
        db_session, data=mailing_input(), actor=mine, timezone=ZONE, rate_cap=6000
    )
    await db_session.commit()
    counted = await count_audience(db_session, mailing, author=mine, region=REGION)
    assert counted.total == 1 and counted.reached == 1
    with pytest.raises(Forbidden):
        await get_mailing(db_session, mailing.id, actor=other)
    admin = await make_user("admin")  # an admin scheduling it keeps the author's audience
    await schedule_mailing(
        db_session, mailing_id=mailing.id, actor=admin, region=REGION, default_zone=ZONE
    )
    await db_session.commit()
    addresses = await db_session.scalars(
        select(MailingRecipient.address).where(MailingRecipient.mailing_id == mailing.id)
    )
    assert list(addresses) == ["mine@example.ru"]
    assert await db_session.scalar(select(func.count()).select_from(MailingRecipient)) == 1


async def test_scheduled_recipients_carry_their_zones_and_the_mailings_start_across_chunks(
    db_session: Any, make_user: Any, monkeypatch: Any
) -> None:
    """The audience is written in chunks (three of two here), each recipient once with its
    zones (from the address, else the phone's numbering plan, else the installation's) and,
    when it gets the mailing, due at the mailing's start; the left out are written too."""
    monkeypatch.setattr(audience, "RECIPIENT_CHUNK", 2)
    admin = await make_user("admin")
    made = {
        "address": await add_client(
            db_session, "Ада", "ada@example.ru", consent=True, postal_address="г. Хабаровск"
        ),
        "phone": await add_client(
            db_session, "Бэла", "bela@example.ru", consent=True, phone="+73832000000"
        ),
        "neither": await add_client(db_session, "Вика", "vika@example.ru", consent=True),
        "moscow": await add_client(
            db_session, "Галя", "galya@example.ru", consent=True, phone="+74952000000"
        ),
        "left_out": await add_client(db_session, "Даша", consent=True),
    }
    await db_session.commit()
    mailing = await create_mailing(
        db_session,
        data=mailing_input(starts_at="2030-03-01T10:00"),
        actor=admin,
        timezone=ZONE,
        rate_cap=6000,
    )
    await db_session.commit()
    assert await schedule_mailing(
        db_session, mailing_id=mailing.id, actor=admin, region=REGION, default_zone="Asia/Omsk"
    ) == 4  # fmt: skip
    await db_session.commit()
    rows = {
        r.client_id: r
        for r in await db_session.scalars(
            select(MailingRecipient).where(MailingRecipient.mailing_id == mailing.id)
        )
    }
    zones = {name: rows[made[name].id].zones for name in made}
    assert zones == {
        "address": "Asia/Vladivostok", "phone": "Asia/Novosibirsk", "neither": "Asia/Omsk",
        "moscow": "Europe/Moscow", "left_out": "",
    }  # fmt: skip
    start = datetime(2030, 3, 1, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
    assert {rows[made[n].id].next_try_at for n in made if n != "left_out"} == {start}
    assert rows[made["left_out"].id].state == "skipped"
    assert rows[made["left_out"].id].reason == "no_address"
    assert len(rows) == 5
