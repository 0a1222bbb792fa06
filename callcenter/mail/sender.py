"""Sending the outbox through SMTP: due messages in batches, retried with growing pauses.

A temporary failure (the server is down, a 4xx answer) is retried after
``smtp_retry_seconds`` × 2^(attempt-1); a permanent one (5xx, e.g. an unknown mailbox) or
the last of ``smtp_max_attempts`` marks the message failed, where the admin sees it and can
send it again. Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so several processes never
send one message twice; a crash between the SMTP answer and the commit may send it again
(at least once, never lost).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from callcenter.db import utcnow
from callcenter.mail.models import OutboxMessage
from callcenter.settings import Settings

log = logging.getLogger(__name__)
BATCH = 20
TIMEOUT_SECONDS = 30

Outcome = tuple[bool, str] | None  # None: sent; else (permanent?, the error)


def build_email(message: OutboxMessage, settings: Settings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.smtp_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    email.set_content(message.body)
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return email


def connect(settings: Settings) -> smtplib.SMTP:
    """An SMTP connection to the configured server (blocking: for a worker thread)."""
    host, port = settings.smtp_host or "", settings.smtp_port
    if port == 465:
        return smtplib.SMTP_SSL(
            host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    smtp = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
    if settings.smtp_starttls:
        smtp.starttls(context=ssl.create_default_context())
    return smtp


def classify_error(exc: Exception) -> tuple[bool, str]:
    """(permanent?, what the server said) of a failed SMTP exchange."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        text = "; ".join(f"{code} {reply!r}" for code, reply in exc.recipients.values())
        return all(code >= 500 for code in codes), text
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return exc.smtp_code >= 500 and exc.smtp_code != 530, f"{exc.smtp_code} {reply}"
    return False, f"{type(exc).__name__}: {exc}"


def send_batch(settings: Settings, emails: list[EmailMessage]) -> list[Outcome]:
    """Send over one connection (run in a thread: smtplib blocks)."""
    try:
        smtp = connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        return [(False, f"cannot reach {settings.smtp_host}:{settings.smtp_port}: {exc}")] * len(
            emails
        )
    outcomes: list[Outcome] = []
    with smtp:
        try:
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
        except (OSError, smtplib.SMTPException) as exc:
            return [classify_error(exc)] * len(emails)
        for email in emails:
            try:
                smtp.send_message(email)
                outcomes.append(None)
            except smtplib.SMTPServerDisconnected as exc:
                outcomes += [(False, f"disconnected: {exc}")] * (len(emails) - len(outcomes))
                break
            except (OSError, smtplib.SMTPException) as exc:
                outcomes.append(classify_error(exc))
    return outcomes


def _record(message: OutboxMessage, outcome: Outcome, settings: Settings, now: datetime) -> None:
    message.attempts += 1
    if outcome is None:
        message.state, message.sent_at, message.last_error = "sent", now, ""
        return
    permanent, error = outcome
    message.last_error = error[:2000]
    if permanent or message.attempts >= settings.smtp_max_attempts:
        message.state = "failed"
        log.warning("e-mail %s failed for good after %d attempt(s)", message.id, message.attempts)
        return
    pause = settings.smtp_retry_seconds * 2 ** (message.attempts - 1)
    message.next_attempt_at = now + timedelta(seconds=pause)


async def _due(session: AsyncSession, now: datetime) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.state == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
        .options(selectinload(OutboxMessage.attachments))
    )
    return list(rows)


async def deliver_outbox(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime | None = None,
) -> int:
    """Send the messages due by ``now``; returns how many went out."""
    if not settings.smtp_host:
        return 0
    now = now or utcnow()
    async with sessionmaker.begin() as session:
        messages = await _due(session, now)
        if not messages:
            return 0
        emails = [build_email(m, settings) for m in messages]
        outcomes = await asyncio.to_thread(send_batch, settings, emails)
        for message, outcome in zip(messages, outcomes, strict=True):
            _record(message, outcome, settings, now)
    sent = sum(1 for outcome in outcomes if outcome is None)
    if sent < len(messages):
        log.info("outbox: %d sent, %d not sent this time", sent, len(messages) - sent)
    return sent
