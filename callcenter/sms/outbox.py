"""Order texts: queued in the transaction that moved the order (one per order and status, by
the table's unique key: two status changes racing queue one), sent by a job at most once.

The job claims due texts (``sending``, ``FOR UPDATE SKIP LOCKED``), commits ``handed_at``
right before each goes to the provider and its outcome right after. A claim older than
``LEASE`` belongs to a run that died: never handed, it is queued again; handed, it is failed
as interrupted (the provider may have it). A passing refusal or a provider that cannot be
reached is retried after ``sms_retry_seconds`` × 2^(attempt-1), up to ``sms_max_attempts``;
a permanent one fails the text with the provider's reason.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clients.models import ClientPhone
from callcenter.db import utcnow
from callcenter.i18n import N_
from callcenter.settings import Settings
from callcenter.sms.gateway import Delivery, Provider
from callcenter.sms.models import SmsMessage
from callcenter.sms.numbers import is_mobile

log = logging.getLogger(__name__)
BATCH = 20
LEASE = timedelta(minutes=5)
INTERRUPTED = "interrupted: the provider may have taken it, so it is not sent again"
NO_NUMBER = N_("The client has no mobile number")


async def mobile_of(session: AsyncSession, client_id: int) -> str:
    """The client's first mobile number ("" when none)."""
    numbers = await session.scalars(
        select(ClientPhone.e164)
        .where(ClientPhone.client_id == client_id)
        .order_by(ClientPhone.position, ClientPhone.id)
    )
    return next((n for n in numbers if is_mobile(n)), "")


async def queue_order_text(
    session: AsyncSession, *, client_id: int, order_id: int, status_id: int, body: str
) -> bool:
    """Queue the text about an order entering a status, in the caller's transaction; False
    when one was queued for that order and status before. A client with no mobile number
    gets a failed row (shown, not lost)."""
    number = await mobile_of(session, client_id)
    values = {
        "to_number": number,
        "body": body,
        "client_id": client_id,
        "order_id": order_id,
        "status_id": status_id,
        "state": "queued" if number else "failed",
        "last_error": "" if number else NO_NUMBER,
        "attempts": 0,
        "provider": "",
        "message_id": "",
    }
    result = await session.execute(
        pg_insert(SmsMessage)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_sms_messages_order_status")
        .returning(SmsMessage.id)
    )
    return result.first() is not None


async def _recover(session: AsyncSession, now: datetime) -> None:
    stale = (SmsMessage.state == "sending", SmsMessage.claimed_at < now - LEASE)
    await session.execute(
        update(SmsMessage)
        .where(*stale, SmsMessage.handed_at.is_(None))
        .values(state="queued", claimed_at=None)
    )
    await session.execute(
        update(SmsMessage)
        .where(*stale, SmsMessage.handed_at.is_not(None))
        .values(state="failed", last_error=INTERRUPTED)
    )


async def _claim(session: AsyncSession, now: datetime) -> list[SmsMessage]:
    due = list(
        await session.scalars(
            select(SmsMessage)
            .where(SmsMessage.state == "queued", SmsMessage.next_attempt_at <= now)
            .order_by(SmsMessage.next_attempt_at, SmsMessage.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    for message in due:
        message.state, message.claimed_at = "sending", now
        message.attempts += 1
    await session.flush()
    return due


def _outcome(
    settings: Settings, message: SmsMessage, sent: Delivery, now: datetime
) -> dict[str, Any]:
    if sent.taken:
        return {"state": "sent", "sent_at": now, "message_id": sent.message_id[:64],
                "last_error": ""}  # fmt: skip
    if sent.uncertain:
        return {"state": "failed", "last_error": f"{INTERRUPTED} ({sent.error})"[:2000]}
    if sent.permanent or message.attempts >= settings.sms_max_attempts:
        return {"state": "failed", "last_error": sent.error[:2000]}
    pause = timedelta(seconds=settings.sms_retry_seconds * 2 ** (message.attempts - 1))
    return {"state": "queued", "last_error": sent.error[:2000], "next_attempt_at": now + pause,
            "claimed_at": None, "handed_at": None}  # fmt: skip


async def send_texts(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    provider: Provider,
    *,
    now: datetime | None = None,
) -> int:
    """Send the order texts due by ``now``; returns how many the provider took."""
    now = now or utcnow()
    async with sessionmaker.begin() as session:
        await _recover(session, now)
        due = [(m.id, m.to_number, m.body) for m in await _claim(session, now)]
    sent = 0
    for index, (message_id, to, body) in enumerate(due):
        async with sessionmaker.begin() as session:
            await session.execute(
                update(SmsMessage)
                .where(SmsMessage.id == message_id)
                .values(handed_at=now, provider=provider.name)
            )
        outcome = await provider.send(to, body, reference=message_id)
        async with sessionmaker.begin() as session:
            message = await session.get(SmsMessage, message_id)
            assert message is not None
            for name, value in _outcome(settings, message, outcome, now).items():
                setattr(message, name, value)
        sent += outcome.taken
        if outcome.unreachable:  # the rest wait as long
            await _put_off(sessionmaker, settings, [m[0] for m in due[index + 1 :]], outcome, now)
            break
    if due:
        log.info("sms outbox: %d of %d text(s) taken", sent, len(due))
    return sent


async def _put_off(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    ids: list[int],
    outcome: Delivery,
    now: datetime,
) -> None:
    async with sessionmaker.begin() as session:
        for message in await session.scalars(select(SmsMessage).where(SmsMessage.id.in_(ids))):
            for name, value in _outcome(settings, message, outcome, now).items():
                setattr(message, name, value)
