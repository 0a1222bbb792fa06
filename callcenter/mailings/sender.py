"""Sending mailings: a job run every few seconds in every process; one at a time sends (the
one holding the ``mailings`` advisory lock), so the rate caps hold across processes.

Each run starts the mailings whose time has come, recovers what a dead run left, and sends
each mailing's due recipients, no faster than its rate and the admin's cap per minute (both
counted over the last minute in the database) and only while the recipient's local window
is open (the dialer's time zones: a recipient outside it waits for its next opening).

At most once, and honestly said: a recipient is claimed (``sending``), and right before its
message goes to the SMTP server ``handed_at`` is committed; its outcome is committed right
after the server answers. A run that dies leaves claimed rows: those never handed go back to
the queue; the one handed whose answer was lost (at most one per run) is marked failed as
``interrupted`` and never sent again: a duplicate advertising letter is worse than a lost
one. A 4xx or a server that is down is retried with growing pauses (the outbox's settings),
a 5xx marks the address bounced (suppressed for every later mailing), and a letter that
cannot be made fails alone: the mailing goes on.
"""

from __future__ import annotations

import asyncio
import logging
import math
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db import utcnow
from callcenter.dialer.windows import Schedule, next_opening, open_now
from callcenter.leadership import NAMESPACE
from callcenter.mail.sender import classify_error, connect
from callcenter.mailings.letters import (
    Letter,
    TemplateInvalid,
    build_email,
    contexts_for,
    render_letter,
)
from callcenter.mailings.links import public_base, unsubscribe_url
from callcenter.mailings.models import Mailing, MailingRecipient, Suppression
from callcenter.mailings.tracking import number_links, tracked_letter, urls_to_number
from callcenter.settings import Settings

log = logging.getLogger(__name__)
LOCK_FAMILY = "mailings"
LEASE = timedelta(minutes=5)  # a claim older than this belongs to a run that died
BATCH = 50  # recipients claimed at a time
RUN_SECONDS = 5  # a run sends at most this long's worth of the rate: the minute is spread
DISCONNECTED = "disconnected"
INTERRUPTED = "interrupted: the server may have taken it, so it is not sent again"

Outcome = tuple[bool, str] | None  # None: sent; else (permanent?, the server's words)


@dataclass
class Claimed:
    recipient_id: int
    client_id: int | None
    address: str
    attempts: int


def _settings_of_run(settings: Settings) -> tuple[str, str]:
    base = public_base(settings.public_url, settings.http_host, settings.http_port)
    return base, settings.secret_key


async def send_mailings(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime | None = None,
) -> int | None:
    """One run; returns how many were sent, None when another process is sending now."""
    if not settings.smtp_host:
        return 0
    engine = sessionmaker.kw["bind"]
    async with engine.connect() as lock:
        lock = await lock.execution_options(isolation_level="AUTOCOMMIT")
        key = {"ns": NAMESPACE, "family": LOCK_FAMILY}
        if not await lock.scalar(text("SELECT pg_try_advisory_lock(:ns, hashtext(:family))"), key):
            return None
        try:
            return await _run(sessionmaker, settings, now or utcnow())
        finally:
            await lock.execute(text("SELECT pg_advisory_unlock(:ns, hashtext(:family))"), key)


async def _run(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> int:
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Mailing)
            .where(Mailing.state == "scheduled", Mailing.starts_at <= now)
            .values(state="sending")
        )
        await _recover(session, now)
        mailing_ids = list(
            await session.scalars(
                select(Mailing.id).where(Mailing.state == "sending").order_by(Mailing.id)
            )
        )
    sent = 0
    for mailing_id in mailing_ids:
        sent += await _send_mailing(sessionmaker, settings, mailing_id, now)
    async with sessionmaker.begin() as session:
        await _finish(session, mailing_ids, now)
    return sent


async def _recover(session: AsyncSession, now: datetime) -> None:
    """Claims of a run that died: back to the queue, or failed when handed (uncertain)."""
    stale = (MailingRecipient.state == "sending", MailingRecipient.claimed_at < now - LEASE)
    await session.execute(
        update(MailingRecipient)
        .where(*stale, MailingRecipient.handed_at.is_(None))
        .values(state="queued", claimed_at=None)
    )
    result = await session.execute(
        update(MailingRecipient)
        .where(*stale, MailingRecipient.handed_at.is_not(None))
        .values(state="failed", reason=INTERRUPTED)
        .returning(MailingRecipient.id)
    )
    for (recipient_id,) in result:
        log.warning("mailing recipient %s: %s", recipient_id, INTERRUPTED)


async def _finish(session: AsyncSession, mailing_ids: list[int], now: datetime) -> None:
    """A sending mailing with nobody left to send (or sending now) is done."""
    left = select(MailingRecipient.id).where(
        MailingRecipient.mailing_id == Mailing.id,
        MailingRecipient.state.in_(("queued", "sending")),
    )
    await session.execute(
        update(Mailing)
        .where(Mailing.id.in_(mailing_ids), Mailing.state == "sending", ~left.exists())
        .values(state="done", finished_at=now)
    )


async def _allowance(
    session: AsyncSession, mailing: Mailing, settings: Settings, now: datetime
) -> int:
    """How many more may go out now: the mailing's rate and the admin's cap, per minute."""
    minute = MailingRecipient.handed_at > now - timedelta(minutes=1)
    everyone = await session.scalar(select(func.count()).where(minute)) or 0
    this_one = (
        await session.scalar(
            select(func.count()).where(minute, MailingRecipient.mailing_id == mailing.id)
        )
        or 0
    )
    rate = min(mailing.rate_per_minute, settings.mailing_email_per_minute)
    per_run = max(1, math.ceil(rate * RUN_SECONDS / 60))
    left = min(rate - this_one, settings.mailing_email_per_minute - everyone)
    return max(0, min(left, per_run, BATCH))


def _zones(recipient: MailingRecipient, default: str) -> tuple[str, ...]:
    return tuple(z for z in recipient.zones.split(",") if z) or (default,)


async def _claim(
    session: AsyncSession, mailing: Mailing, settings: Settings, now: datetime, wanted: int
) -> list[Claimed]:
    """Due recipients whose window is open now, up to ``wanted``; the others are put off to
    their window's next opening."""
    schedule = Schedule(window_from=mailing.window_from, window_to=mailing.window_to)
    claimed: list[Claimed] = []
    while len(claimed) < wanted:
        due = list(
            await session.scalars(
                select(MailingRecipient)
                .where(
                    MailingRecipient.mailing_id == mailing.id,
                    MailingRecipient.state == "queued",
                    MailingRecipient.next_try_at <= now,
                )
                .order_by(MailingRecipient.next_try_at, MailingRecipient.id)
                .limit(wanted - len(claimed))
                .with_for_update(skip_locked=True)
            )
        )
        if not due:
            break
        for recipient in due:
            zones = _zones(recipient, settings.default_timezone)
            if open_now(schedule, zones, now):
                recipient.state, recipient.claimed_at = "sending", now
                recipient.attempts += 1
                claimed.append(
                    Claimed(
                        recipient.id, recipient.client_id, recipient.address, recipient.attempts
                    )
                )
            else:
                later = next_opening(schedule, zones, now)
                recipient.next_try_at = later or now + timedelta(days=1)
        await session.flush()
    return claimed


async def _send_mailing(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mailing_id: int,
    now: datetime,
) -> int:
    async with sessionmaker.begin() as session:
        mailing = await session.get(Mailing, mailing_id)
        if mailing is None or mailing.state != "sending":
            return 0
        wanted = await _allowance(session, mailing, settings, now)
        claimed = await _claim(session, mailing, settings, now, wanted) if wanted else []
    if not claimed:
        return 0
    async with sessionmaker() as session:
        contexts = await contexts_for(session, [c.client_id for c in claimed if c.client_id])
    base, secret = _settings_of_run(settings)
    letters = [(item, _letter(mailing, item, contexts, base, secret)) for item in claimed]
    made = [letter for _, letter in letters if isinstance(letter, Letter)]
    async with sessionmaker.begin() as session:
        numbers = await number_links(session, mailing.id, urls_to_number(made, base))
    emails = [(item, _email(mailing, settings, item, letter, numbers)) for item, letter in letters]
    return await _deliver(sessionmaker, settings, mailing, emails, now)


def _email(
    mailing: Mailing,
    settings: Settings,
    item: Claimed,
    letter: Letter | str,
    numbers: dict[str, int],
) -> EmailMessage | str:
    """The recipient's e-mail, its links tracked; or why the letter cannot be made."""
    if isinstance(letter, str):
        return letter
    base, secret = _settings_of_run(settings)
    tracked = tracked_letter(
        letter, numbers=numbers, base=base, secret=secret, recipient_id=item.recipient_id
    )
    link = unsubscribe_url(base, secret, item.recipient_id)
    return build_email(
        tracked, sender=settings.smtp_from, to=item.address, unsubscribe=link, mailing_id=mailing.id
    )


def _letter(
    mailing: Mailing,
    item: Claimed,
    contexts: dict[int, dict[str, Any]],
    base: str,
    secret: str,
) -> Letter | str:
    """The recipient's letter, or why it cannot be made."""
    context = {
        **contexts.get(item.client_id or 0, {}),
        "unsubscribe_url": unsubscribe_url(base, secret, item.recipient_id),
        "mailing": {"name": mailing.name},
    }
    sources = {
        "subject": mailing.subject,
        "body_html": mailing.body_html,
        "body_text": mailing.body_text,
    }
    try:
        return render_letter(sources, context)
    except TemplateInvalid as exc:
        return "; ".join(f"{f}: line {p.line}: {p.detail}" for f, p in exc.problems.items())


async def _deliver(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mailing: Mailing,
    emails: list[tuple[Claimed, EmailMessage | str]],
    now: datetime,
) -> int:
    try:
        smtp = await asyncio.to_thread(_open, settings)
    except (OSError, smtplib.SMTPException) as exc:
        error = f"cannot reach {settings.smtp_host}:{settings.smtp_port}: {exc}"
        async with sessionmaker.begin() as session:
            for item, _ in emails:
                await _record(session, settings, mailing, item, (False, error), now)
        log.info("mailing %s: SMTP not reached (%s); retrying later", mailing.id, error)
        return 0
    sent = 0
    # spaced at the rate within a run (a run holds at most RUN_SECONDS' worth of it)
    pause = 60.0 / max(1, min(mailing.rate_per_minute, settings.mailing_email_per_minute))
    try:
        for index, (item, email) in enumerate(emails):
            if isinstance(email, str):
                async with sessionmaker.begin() as session:
                    await _fail(session, item, f"the letter cannot be made: {email}")
                continue
            if not await _hand(sessionmaker, mailing.id, item, now):
                await _release(sessionmaker, mailing.id, [i for i, _ in emails[index:]])
                break
            outcome = await asyncio.to_thread(_send_one, smtp, email)
            async with sessionmaker.begin() as session:
                if outcome is not None and outcome[1].startswith(DISCONNECTED):
                    await _fail(session, item, f"{INTERRUPTED} ({outcome[1]})")
                else:
                    await _record(session, settings, mailing, item, outcome, now)
            if outcome is None:
                sent += 1
            elif outcome[1].startswith(DISCONNECTED):  # the answer was lost with the line
                await _release(sessionmaker, mailing.id, [i for i, _ in emails[index + 1 :]])
                break
            if index + 1 < len(emails):
                await asyncio.sleep(pause)
    finally:
        await asyncio.to_thread(_close, smtp)
    return sent


def _open(settings: Settings) -> smtplib.SMTP:
    smtp = connect(settings)
    try:
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
    except BaseException:
        _close(smtp)
        raise
    return smtp


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _send_one(smtp: smtplib.SMTP, email: EmailMessage) -> Outcome:
    try:
        smtp.send_message(email)
    except smtplib.SMTPServerDisconnected as exc:
        return False, f"{DISCONNECTED}: {exc}"
    except (OSError, smtplib.SMTPException) as exc:
        return classify_error(exc)
    return None


async def _hand(
    sessionmaker: async_sessionmaker[AsyncSession], mailing_id: int, item: Claimed, now: datetime
) -> bool:
    """Commit that this message is going to the server now (False: the mailing was paused
    or cancelled meanwhile, so it is not sent)."""
    async with sessionmaker.begin() as session:
        result = await session.execute(
            update(MailingRecipient)
            .where(
                MailingRecipient.id == item.recipient_id,
                MailingRecipient.state == "sending",
                MailingRecipient.handed_at.is_(None),
                select(Mailing.id)
                .where(Mailing.id == mailing_id, Mailing.state == "sending")
                .exists(),
            )
            .values(handed_at=now)
            .returning(MailingRecipient.id)
        )
        return result.first() is not None


async def _release(
    sessionmaker: async_sessionmaker[AsyncSession], mailing_id: int, items: list[Claimed]
) -> None:
    """Claimed rows not handed go back: to the queue, or skipped when the mailing was
    cancelled meanwhile; their attempt is not counted."""
    async with sessionmaker.begin() as session:
        state = await session.scalar(select(Mailing.state).where(Mailing.id == mailing_id))
        cancelled = state == "cancelled"
        await session.execute(
            update(MailingRecipient)
            .where(
                MailingRecipient.id.in_([i.recipient_id for i in items]),
                MailingRecipient.state == "sending",
                MailingRecipient.handed_at.is_(None),
            )
            .values(
                state="skipped" if cancelled else "queued",
                reason="cancelled" if cancelled else "",
                claimed_at=None,
                attempts=MailingRecipient.attempts - 1,
            )
        )


async def _fail(session: AsyncSession, item: Claimed, reason: str) -> None:
    await session.execute(
        update(MailingRecipient)
        .where(MailingRecipient.id == item.recipient_id)
        .values(state="failed", reason=reason[:2000], claimed_at=None)
    )


async def _record(
    session: AsyncSession,
    settings: Settings,
    mailing: Mailing,
    item: Claimed,
    outcome: Outcome,
    now: datetime,
) -> None:
    row = MailingRecipient.id == item.recipient_id
    if outcome is None:
        await session.execute(
            update(MailingRecipient).where(row).values(state="sent", sent_at=utcnow(), reason="")
        )
        return
    permanent, error = outcome
    if permanent:
        await session.execute(
            update(MailingRecipient).where(row).values(state="bounced", reason=error[:2000])
        )
        await session.execute(
            pg_insert(Suppression)
            .values(
                address=item.address, reason="bounced", mailing_id=mailing.id, detail=error[:500]
            )
            .on_conflict_do_nothing()
        )
        return
    if item.attempts >= settings.smtp_max_attempts:
        await _fail(session, item, error)
        return
    pause = timedelta(seconds=settings.smtp_retry_seconds * 2 ** (item.attempts - 1))
    await session.execute(
        update(MailingRecipient)
        .where(row)
        .values(
            state="queued",
            reason=error[:2000],
            next_try_at=now + pause,
            claimed_at=None,
            handed_at=None,  # the server refused it: it was not taken
        )
    )


async def send_test_letter(
    settings: Settings, *, mailing: Mailing, context: dict[str, Any], to: str
) -> str:
    """Send the letter as one recipient would get it to ``to`` now (its unsubscribe link
    leads nowhere); "" when the server took it, else what went wrong."""
    if not settings.smtp_host:
        return "no SMTP server is configured"
    sources = {"subject": mailing.subject, "body_html": mailing.body_html,
               "body_text": mailing.body_text}  # fmt: skip
    link = context.get("unsubscribe_url", "")
    letter = render_letter(sources, {**context, "mailing": {"name": mailing.name}})
    email = build_email(
        letter, sender=settings.smtp_from, to=to, unsubscribe=link, mailing_id=mailing.id
    )

    def send() -> str:
        try:
            smtp = _open(settings)
        except (OSError, smtplib.SMTPException) as exc:
            return f"cannot reach {settings.smtp_host}:{settings.smtp_port}: {exc}"
        try:
            outcome = _send_one(smtp, email)
        finally:
            _close(smtp)
        return "" if outcome is None else outcome[1]

    return await asyncio.to_thread(send)
