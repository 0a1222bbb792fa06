"""The outbox sender against a real SMTP server: delivery, retry with growing pauses, failure
after the last attempt or at once on a permanent refusal, and sending again by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from callcenter.db import utcnow
from callcenter.errors import Conflict, Forbidden
from callcenter.mail.models import OutboxMessage
from callcenter.mail.sender import deliver_outbox
from callcenter.mail.service import Attachment, queue_message, resend_message
from tests.orders.smtp_support import Mailbox, free_port, smtp_server


def _smtp(settings: Any, port: int) -> Any:
    return replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="crm@example.ru",
        smtp_starttls=False,
        smtp_max_attempts=3,
        smtp_retry_seconds=60,
    )


async def _queue(sessionmaker: Any, **fields: Any) -> int:
    fields.setdefault("to", "client@example.ru")
    fields.setdefault("subject", "Заказ 2026-00001 принят")
    fields.setdefault("body", "Здравствуйте!")
    async with sessionmaker.begin() as session:
        message = await queue_message(session, **fields)
    return message.id


async def _load(sessionmaker: Any, message_id: int) -> OutboxMessage:
    async with sessionmaker() as session:
        message = await session.get(OutboxMessage, message_id)
    assert message is not None
    return message


async def test_a_queued_message_is_delivered_with_its_attachment(
    sessionmaker: Any, settings: Any
) -> None:
    mailbox = Mailbox()
    message_id = await _queue(
        sessionmaker, attachments=[Attachment("счёт.pdf", b"%PDF-1.4 test", "application/pdf")]
    )
    with smtp_server(mailbox) as port:
        assert await deliver_outbox(sessionmaker, _smtp(settings, port)) == 1
    (email,) = mailbox.received
    assert email["Subject"] == "Заказ 2026-00001 принят"
    assert email["To"] == "client@example.ru" and email["From"] == "crm@example.ru"
    assert email.get_body().get_content().strip() == "Здравствуйте!"
    (attachment,) = list(email.iter_attachments())
    assert attachment.get_filename() == "счёт.pdf"
    assert attachment.get_content() == b"%PDF-1.4 test"
    message = await _load(sessionmaker, message_id)
    assert (message.state, message.attempts, message.last_error) == ("sent", 1, "")
    assert message.sent_at is not None


async def test_nothing_is_sent_without_an_smtp_host(sessionmaker: Any, settings: Any) -> None:
    message_id = await _queue(sessionmaker)
    assert await deliver_outbox(sessionmaker, settings) == 0
    assert (await _load(sessionmaker, message_id)).state == "queued"


async def test_a_server_that_is_down_means_retry_later_then_failed(
    sessionmaker: Any, settings: Any
) -> None:
    down = _smtp(settings, free_port())  # nothing listens there
    message_id = await _queue(sessionmaker)
    now = utcnow()
    assert await deliver_outbox(sessionmaker, down, now=now) == 0
    message = await _load(sessionmaker, message_id)
    assert (message.state, message.attempts) == ("queued", 1)
    assert message.next_attempt_at == now + timedelta(seconds=60)
    assert "cannot reach 127.0.0.1" in message.last_error
    # not due yet: untouched
    assert await deliver_outbox(sessionmaker, down, now=now + timedelta(seconds=59)) == 0
    assert (await _load(sessionmaker, message_id)).attempts == 1
    later = now + timedelta(seconds=60)
    await deliver_outbox(sessionmaker, down, now=later)
    message = await _load(sessionmaker, message_id)
    assert message.attempts == 2 and message.next_attempt_at == later + timedelta(seconds=120)
    await deliver_outbox(sessionmaker, down, now=later + timedelta(seconds=120))
    message = await _load(sessionmaker, message_id)
    assert (message.state, message.attempts) == ("failed", 3)


async def test_a_temporary_refusal_is_retried_and_then_delivered(
    sessionmaker: Any, settings: Any
) -> None:
    mailbox = Mailbox(reply="451 4.3.0 Try again later")
    message_id = await _queue(sessionmaker)
    now = utcnow()
    with smtp_server(mailbox) as port:
        smtp = _smtp(settings, port)
        assert await deliver_outbox(sessionmaker, smtp, now=now) == 0
        message = await _load(sessionmaker, message_id)
        assert (message.state, message.attempts) == ("queued", 1)
        assert message.last_error.startswith("451")
        mailbox.reply = None
        assert await deliver_outbox(sessionmaker, smtp, now=now + timedelta(minutes=1)) == 1
    assert len(mailbox.received) == 1
    assert (await _load(sessionmaker, message_id)).state == "sent"


async def test_a_permanent_refusal_fails_at_once(sessionmaker: Any, settings: Any) -> None:
    mailbox = Mailbox(reply="550 5.1.1 No such mailbox")
    message_id = await _queue(sessionmaker)
    with smtp_server(mailbox) as port:
        await deliver_outbox(sessionmaker, _smtp(settings, port))
    message = await _load(sessionmaker, message_id)
    assert (message.state, message.attempts) == ("failed", 1)
    assert "No such mailbox" in message.last_error


async def test_an_admin_sends_a_failed_message_again(
    sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin, manager = await make_user("admin"), await make_user("manager")
    message_id = await _queue(sessionmaker)
    await deliver_outbox(sessionmaker, _smtp(settings, free_port()))
    async with sessionmaker.begin() as session:
        message = await session.get(OutboxMessage, message_id)
        message.state = "failed"
    async with sessionmaker.begin() as session:
        with pytest.raises(Forbidden):
            await resend_message(session, message_id=message_id, actor=manager)
    async with sessionmaker.begin() as session:
        await resend_message(session, message_id=message_id, actor=admin)
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        assert await deliver_outbox(sessionmaker, _smtp(settings, port)) == 1
    message = await _load(sessionmaker, message_id)
    assert (message.state, message.attempts) == ("sent", 1)
    async with sessionmaker.begin() as session:
        with pytest.raises(Conflict):
            await resend_message(session, message_id=message_id, actor=admin)
