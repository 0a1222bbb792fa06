"""Sending over a real SMTP server on loopback (aiosmtpd): each recipient once, at the rate,
inside their window; a server down then up; 4xx retried, 5xx bounced; a sender killed mid-send
and started again sends nobody twice."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

from callcenter.mailings.models import Mailing, MailingRecipient, Suppression
from callcenter.mailings.sender import BATCH, INTERRUPTED, LEASE, batch_size, send_mailings
from callcenter.mailings.service import create_mailing, mailing_figures, schedule_mailing
from tests.mailings.conftest import sending
from tests.mailings.support import add_client, mailing_input
from tests.orders.smtp_support import Mailbox, free_port, smtp_server

ROOT = Path(__file__).resolve().parents[2]
NOON = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


async def _mailing(sessionmaker: Any, admin: Any, count: int, **fields: Any) -> int:
    async with sessionmaker() as session:
        for n in range(count):
            await add_client(session, f"Клиент {n}", f"c{n}@example.ru", consent=True, **fields)
    async with sessionmaker.begin() as session:
        mailing = await create_mailing(
            session, data=mailing_input(), actor=admin, timezone="Europe/Moscow", rate_cap=60_000
        )
    async with sessionmaker.begin() as session:
        await schedule_mailing(
            session, mailing_id=mailing.id, actor=admin, region="RU", default_zone="Europe/Moscow"
        )
    return mailing.id


async def _states(sessionmaker: Any, mailing_id: int) -> dict[str, str]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(MailingRecipient.address, MailingRecipient.state).where(
                MailingRecipient.mailing_id == mailing_id
            )
        )
        return dict(rows.all())


async def test_each_recipient_gets_one_letter_with_their_own_unsubscribe_link(
    sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing_id = await _mailing(sessionmaker, admin, 5)
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        config = sending(settings, port)
        assert await send_mailings(sessionmaker, config, now=NOON) == 5
        assert await send_mailings(sessionmaker, config, now=NOON + timedelta(minutes=2)) == 0
    assert sorted(m["To"] for m in mailbox.received) == [f"c{n}@example.ru" for n in range(5)]
    links = {m["List-Unsubscribe"] for m in mailbox.received}
    assert len(links) == 5 and all(link.startswith("<https://crm.example.ru/u/") for link in links)
    first = mailbox.received[0]
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first["Subject"].startswith("Скидки для Клиент")
    text = first.get_body(("plain",)).get_content()
    assert first["List-Unsubscribe"].strip("<>") in text
    async with sessionmaker() as session:
        mailing = await session.get(Mailing, mailing_id)
        assert mailing is not None and mailing.state == "done"
        figures = (await mailing_figures(session, [mailing_id]))[mailing_id]
    assert figures.of("sent") == 5 and figures.total == 5


async def test_the_rate_holds_per_minute(sessionmaker: Any, settings: Any, make_user: Any) -> None:
    admin = await make_user("admin")
    await _mailing(sessionmaker, admin, 5)
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        config = sending(settings, port, mailing_email_per_minute=2)  # the admin's cap
        sent = [
            await send_mailings(sessionmaker, config, now=NOON + timedelta(seconds=s))
            for s in (0, 1, 30, 59, 61, 62)
        ]
    assert sent == [1, 1, 0, 0, 1, 1]  # two in any minute, spread over the runs
    assert len(mailbox.received) == 4


async def test_a_recipient_outside_their_local_window_waits_for_it(
    sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    await _mailing(sessionmaker, admin, 1, postal_address="г. Владивосток")  # UTC+10
    async with sessionmaker.begin() as session:
        mailing = await session.scalar(select(Mailing))
        mailing.window_from, mailing.window_to = (datetime(2026, 1, 1, 9).time(),
                                                  datetime(2026, 1, 1, 18).time())  # fmt: skip
    mailbox = Mailbox()
    late = NOON + timedelta(hours=9)  # 18:00 UTC: 04:00 in Vladivostok
    with smtp_server(mailbox) as port:
        assert await send_mailings(sessionmaker, sending(settings, port), now=late) == 0
        async with sessionmaker() as session:
            recipient = await session.scalar(select(MailingRecipient))
        opening = late.replace(hour=23)  # 09:00 in Vladivostok
        assert recipient is not None and recipient.next_try_at == opening
        assert recipient.zones == "Asia/Vladivostok"
        assert await send_mailings(sessionmaker, sending(settings, port), now=opening) == 1
    assert len(mailbox.received) == 1


async def test_smtp_down_then_up_retries_and_sends(
    sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing_id = await _mailing(sessionmaker, admin, 3)
    port = free_port()  # nobody listens here yet
    config = sending(settings, port, smtp_retry_seconds=60)
    assert await send_mailings(sessionmaker, config, now=NOON) == 0
    async with sessionmaker() as session:
        rows = list(await session.scalars(select(MailingRecipient)))
    assert {(r.state, r.attempts) for r in rows} == {("queued", 1)}
    assert all("cannot reach" in r.reason and r.handed_at is None for r in rows)
    assert {r.next_try_at for r in rows} == {NOON + timedelta(seconds=60)}
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert await send_mailings(sessionmaker, config, now=NOON + timedelta(seconds=30)) == 0
        assert await send_mailings(sessionmaker, config, now=NOON + timedelta(seconds=61)) == 3
    finally:
        controller.stop()
    assert set((await _states(sessionmaker, mailing_id)).values()) == {"sent"}
    assert len(mailbox.received) == 3


class Picky(Mailbox):
    """Refuses some recipients at RCPT: 550 (no such mailbox) or 451 (try later)."""

    def __init__(self, refuse: dict[str, str]) -> None:
        super().__init__()
        self.refuse = refuse

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          options: Any) -> str:  # fmt: skip
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_a_5xx_bounces_the_address_and_a_4xx_is_retried(
    sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing_id = await _mailing(sessionmaker, admin, 3)
    mailbox = Picky({"c0@example.ru": "550 No such user", "c1@example.ru": "451 Busy"})
    with smtp_server(mailbox) as port:
        config = sending(settings, port)
        assert await send_mailings(sessionmaker, config, now=NOON) == 1
        assert await _states(sessionmaker, mailing_id) == {
            "c0@example.ru": "bounced", "c1@example.ru": "queued", "c2@example.ru": "sent",
        }  # fmt: skip
        mailbox.refuse.clear()
        assert await send_mailings(sessionmaker, config, now=NOON + timedelta(minutes=5)) == 1
    assert (await _states(sessionmaker, mailing_id))["c1@example.ru"] == "sent"
    async with sessionmaker() as session:
        suppressed = list(await session.scalars(select(Suppression.address)))
    assert suppressed == ["c0@example.ru"]


class Stalling:
    """Takes ``keep`` messages, then holds the next one's DATA until told (the sender is
    killed meanwhile), and refuses it: the server never took it."""

    def __init__(self, keep: int) -> None:
        self.keep, self.received = keep, []  # type: ignore[var-annotated]
        self.stalled, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if len(self.received) >= self.keep and not self.release.is_set():
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Not now"
        self.received.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


async def test_a_sender_killed_mid_send_and_restarted_sends_nobody_twice(
    sessionmaker: Any, settings: Any, make_user: Any, database_url: str
) -> None:
    admin = await make_user("admin")
    mailing_id = await _mailing(sessionmaker, admin, 8)
    mailbox = Stalling(keep=3)
    with smtp_server(mailbox) as port:  # type: ignore[arg-type]
        args = json.dumps({"url": database_url, "port": port, "now": NOON.isoformat()})
        script = (
            "import asyncio, json, sys; from datetime import datetime;"
            "from callcenter.db import make_engine, make_sessionmaker;"
            "from callcenter.settings import Settings;"
            "from callcenter.mailings.sender import send_mailings;"
            "a = json.loads(sys.argv[1]);"
            "s = Settings(database_url=a['url'], smtp_host='127.0.0.1', smtp_port=a['port'],"
            " smtp_from='shop@example.ru', smtp_starttls=False, secret_key='test-secret',"
            " mailing_email_per_minute=60000);"
            "asyncio.run(send_mailings(make_sessionmaker(make_engine(a['url'])), s,"
            " now=datetime.fromisoformat(a['now'])))"
        )
        child = await asyncio.create_subprocess_exec(sys.executable, "-c", script, args, cwd=ROOT)
        try:
            deadline = time.monotonic() + 60
            while not mailbox.stalled.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert mailbox.stalled.is_set(), "the sender never reached the fourth message"
        finally:
            child.send_signal(signal.SIGKILL)  # as a crash: no cleanup of any kind
            await child.wait()
            mailbox.release.set()
        states = await _states(sessionmaker, mailing_id)
        assert sorted(states.values()).count("sent") == 3
        assert sorted(states.values()).count("sending") == 5  # the batch it had claimed
        config = sending(settings, port)
        restarted = NOON + LEASE + timedelta(seconds=1)
        assert await send_mailings(sessionmaker, config, now=restarted) == 4
    received = [m["To"] for m in mailbox.received]
    assert len(received) == len(set(received)) == 7  # nobody twice
    states = await _states(sessionmaker, mailing_id)
    interrupted = [a for a, s in states.items() if s == "failed"]
    assert len(interrupted) == 1 and interrupted[0] not in received
    assert sorted(a for a, s in states.items() if s == "sent") == sorted(received)
    async with sessionmaker() as session:
        reason = await session.scalar(
            select(MailingRecipient.reason).where(MailingRecipient.address == interrupted[0])
        )
    assert reason == INTERRUPTED


async def test_two_senders_at_once_never_share_the_work(
    sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    await _mailing(sessionmaker, admin, 6)
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        config = sending(settings, port)
        results = await asyncio.gather(
            *(send_mailings(sessionmaker, config, now=NOON) for _ in range(3))
        )
    assert sorted(r for r in results if r is not None) == [6] and results.count(None) == 2
    assert len(mailbox.received) == 6


async def _killed_when_stalled(database_url: str, port: int, mailbox: Stalling) -> None:
    """A sender in its own process, killed (SIGKILL: no cleanup) while the server holds a
    message's DATA."""
    args = json.dumps({"url": database_url, "port": port, "now": NOON.isoformat()})
    script = (
        "import asyncio, json, sys; from datetime import datetime;"
        "from callcenter.db import make_engine, make_sessionmaker;"
        "from callcenter.settings import Settings;"
        "from callcenter.mailings.sender import send_mailings;"
        "a = json.loads(sys.argv[1]);"
        "s = Settings(database_url=a['url'], smtp_host='127.0.0.1', smtp_port=a['port'],"
        " smtp_from='shop@example.ru', smtp_starttls=False, secret_key='test-secret',"
        " mailing_email_per_minute=60000);"
        "asyncio.run(send_mailings(make_sessionmaker(make_engine(a['url'])), s,"
        " now=datetime.fromisoformat(a['now'])))"
    )
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", script, args, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not mailbox.stalled.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert mailbox.stalled.is_set(), "the sender never reached the stalled message"
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
        mailbox.release.set()


async def test_a_crash_between_a_batchs_hand_mark_and_its_record_sends_none_of_it_again(
    sessionmaker: Any, settings: Any, make_user: Any, database_url: str
) -> None:
    admin = await make_user("admin")
    async with sessionmaker() as session:
        for n in range(8):
            await add_client(session, f"Клиент {n}", f"c{n}@example.ru", consent=True)
    async with sessionmaker.begin() as session:  # 1,000 a second: batches of 10 (8 here)
        mailing = await create_mailing(
            session, data=mailing_input(rate_per_minute="60000"), actor=admin,
            timezone="Europe/Moscow", rate_cap=60_000,
        )  # fmt: skip
    async with sessionmaker.begin() as session:
        await schedule_mailing(
            session, mailing_id=mailing.id, actor=admin, region="RU", default_zone="Europe/Moscow"
        )
    assert batch_size(60_000) == 10 and batch_size(6_000) == 1 and batch_size(10**9) == BATCH
    mailbox = Stalling(keep=3)
    with smtp_server(mailbox) as port:  # type: ignore[arg-type]
        await _killed_when_stalled(database_url, port, mailbox)
        async with sessionmaker() as session:
            rows = list(await session.scalars(select(MailingRecipient)))
        # the whole batch was marked handed in one commit before its first byte left
        assert {(r.state, r.handed_at is not None) for r in rows} == {("sending", True)}
        config = sending(settings, port)
        restarted = NOON + LEASE + timedelta(seconds=1)
        assert await send_mailings(sessionmaker, config, now=restarted) == 0
    received = [m["To"] for m in mailbox.received]
    assert len(received) == len(set(received)) == 3  # the server's three, nobody twice
    states = await _states(sessionmaker, mailing.id)
    assert set(states.values()) == {"failed"}  # taken or not, none of the batch goes again
    async with sessionmaker() as session:
        reasons = set(await session.scalars(select(MailingRecipient.reason)))
        assert reasons == {INTERRUPTED}
        done = await session.get(Mailing, mailing.id)
        assert done is not None and done.state == "done"


async def test_batches_at_a_high_rate_send_everyone_once_and_record_each_outcome(
    sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    async with sessionmaker() as session:
        for n in range(25):
            await add_client(session, f"Клиент {n}", f"c{n}@example.ru", consent=True)
    async with sessionmaker.begin() as session:
        mailing = await create_mailing(
            session, data=mailing_input(rate_per_minute="600000"), actor=admin,
            timezone="Europe/Moscow", rate_cap=600_000,
        )  # fmt: skip
    async with sessionmaker.begin() as session:
        await schedule_mailing(
            session, mailing_id=mailing.id, actor=admin, region="RU", default_zone="Europe/Moscow"
        )
    refuse = {"c3@example.ru": "550 No such user", "c17@example.ru": "451 Busy"}
    mailbox = Picky(refuse)  # batches of 25 (100 a batch at 10,000 a second)
    with smtp_server(mailbox) as port:
        config = sending(settings, port, mailing_email_per_minute=600_000)
        assert await send_mailings(sessionmaker, config, now=NOON) == 23
    states = await _states(sessionmaker, mailing.id)
    assert states.pop("c3@example.ru") == "bounced" and states.pop("c17@example.ru") == "queued"
    assert set(states.values()) == {"sent"}
    assert sorted(m["To"] for m in mailbox.received) == sorted(states)
    async with sessionmaker() as session:
        busy = await session.scalar(
            select(MailingRecipient).where(MailingRecipient.address == "c17@example.ru")
        )
        sent = list(await session.scalars(
            select(MailingRecipient).where(MailingRecipient.state == "sent")
        ))  # fmt: skip
    assert busy is not None and busy.handed_at is None and busy.reason == "451 b'Busy'"
    assert busy.next_try_at == NOON + timedelta(seconds=config.smtp_retry_seconds)
    assert all(r.sent_at and r.handed_at == NOON and r.provider == "smtp" for r in sent)
