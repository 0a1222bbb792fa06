"""Sending mailings: a job run every few seconds in every process; one at a time sends (the
one holding the ``mailings`` advisory lock), so the rate caps hold across processes.

Each run starts the mailings whose time has come, recovers what a dead run left, and sends
each mailing's due recipients through its channel (``channels.py``: e-mail over SMTP, SMS
through the provider's API), no faster than its rate and the admin's cap per minute for the
channel (both counted over the last minute in the database) and only while the recipient's
local window is open (the dialer's time zones: a recipient outside it waits for its next
opening). A mailing whose channel is not configured here waits.

At most once, and honestly said: a recipient is claimed (``sending``, CLAIM at a time, their
messages made together), and its messages go out in batches: right before a batch goes to
the server or provider its ``handed_at`` marks are committed in one statement, the batch is
handed over in order (e-mail: over the run's one SMTP connection, in one worker thread), and
its outcomes are committed in one more. A batch is what the rate sends in ``HAND_SPAN`` (at
least one message, at most BATCH), so at an ordinary rate it is a single message. A run that
dies leaves claimed rows: those never handed go back to the queue; those handed whose
outcome was not recorded (at most one batch per run) are marked failed as ``interrupted``
and never sent again, though the server may have taken only some of them: a duplicate
advertising message is worse than a lost one. A batch cut short while the run lives (the
line dropped, the way out down) takes back the hand marks of the messages it never tried.
A passing refusal or a way out that is down is retried with growing pauses (the
channel's settings); a permanent one bounces an e-mail address (suppressed for every later
mailing) or fails a text (with the provider's reason; a number that texted STOP is
suppressed as unsubscribed), and a message that cannot be made fails alone.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db import utcnow
from callcenter.dialer.windows import Schedule, next_opening, open_now
from callcenter.leadership import NAMESPACE
from callcenter.mailings.channels import Channel, Claimed, Unmade, channels_of
from callcenter.mailings.letters import contexts_for
from callcenter.mailings.models import Mailing, MailingRecipient, Suppression
from callcenter.mailings.service import finished
from callcenter.settings import Settings
from callcenter.sms.gateway import Delivery
from callcenter.webhooks.service import enqueue

log = logging.getLogger(__name__)
LOCK_FAMILY = "mailings"
LEASE = timedelta(minutes=5)  # a claim older than this belongs to a run that died
CLAIM = 200  # recipients claimed (and their messages made) at a time
BATCH = 100  # messages handed over at most as one batch
HAND_SPAN = 0.01  # a batch is what the rate sends in this many seconds (at least one)
RUN_SECONDS = 5  # a run sends at most this long's worth of the rate: the minute is spread
INTERRUPTED = "interrupted: the server may have taken it, so it is not sent again"


async def send_mailings(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime | None = None,
) -> int | None:
    """One run; returns how many were sent, None when another process is sending now."""
    channels = channels_of(settings)
    if not channels:
        return 0
    engine = sessionmaker.kw["bind"]
    async with engine.connect() as lock:
        lock = await lock.execution_options(isolation_level="AUTOCOMMIT")
        key = {"ns": NAMESPACE, "family": LOCK_FAMILY}
        if not await lock.scalar(text("SELECT pg_try_advisory_lock(:ns, hashtext(:family))"), key):
            return None
        try:
            return await _run(sessionmaker, channels, now or utcnow())
        finally:
            await lock.execute(text("SELECT pg_advisory_unlock(:ns, hashtext(:family))"), key)


async def _run(
    sessionmaker: async_sessionmaker[AsyncSession], channels: dict[str, Channel], now: datetime
) -> int:
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Mailing)
            .where(Mailing.state == "scheduled", Mailing.starts_at <= now)
            .values(state="sending")
        )
        await _recover(session, now)
        mailings = (
            await session.execute(
                select(Mailing.id, Mailing.channel)
                .where(Mailing.state == "sending", Mailing.channel.in_(list(channels)))
                .order_by(Mailing.id)
            )
        ).all()
    sent = 0
    for mailing_id, channel in mailings:
        sent += await _send_mailing(sessionmaker, channels[channel], mailing_id, now)
    async with sessionmaker.begin() as session:
        await _finish(session, [mailing_id for mailing_id, _ in mailings], now)
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
    done = await session.scalars(
        update(Mailing)
        .where(Mailing.id.in_(mailing_ids), Mailing.state == "sending", ~left.exists())
        .values(state="done", finished_at=now)
        .returning(Mailing)
    )
    for mailing in done.all():
        await enqueue(session, "mailing.finished", f"mailing:{mailing.id}", finished(mailing))


async def _allowance(
    session: AsyncSession, mailing: Mailing, channel: Channel, now: datetime
) -> int:
    """How many more may go out in this run: the mailing's rate and the admin's cap for its
    channel, per minute, and at most RUN_SECONDS' worth of the rate."""
    minute = MailingRecipient.handed_at > now - timedelta(minutes=1)
    everyone = (
        await session.scalar(
            select(func.count())
            .select_from(MailingRecipient)
            .join(Mailing, Mailing.id == MailingRecipient.mailing_id)
            .where(minute, Mailing.channel == channel.name)
        )
        or 0
    )
    this_one = (
        await session.scalar(
            select(func.count()).where(minute, MailingRecipient.mailing_id == mailing.id)
        )
        or 0
    )
    rate = _rate(mailing, channel)
    per_run = max(1, math.ceil(rate * RUN_SECONDS / 60))
    left = min(rate - this_one, channel.per_minute - everyone)
    return max(0, min(left, per_run))


def _rate(mailing: Mailing, channel: Channel) -> int:
    return max(1, min(mailing.rate_per_minute, channel.per_minute))


def batch_size(rate_per_minute: int) -> int:
    """How many messages are handed over as one batch: what the rate sends in HAND_SPAN."""
    return max(1, min(BATCH, int(rate_per_minute / 60 * HAND_SPAN)))


def _zones(recipient: MailingRecipient, default: str) -> tuple[str, ...]:
    return tuple(z for z in recipient.zones.split(",") if z) or (default,)


async def _claim(
    session: AsyncSession, mailing: Mailing, default_zone: str, now: datetime, wanted: int
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
            zones = _zones(recipient, default_zone)
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
    channel: Channel,
    mailing_id: int,
    now: datetime,
) -> int:
    """Send the mailing's share of this run, CLAIM recipients at a time (memory stays flat)."""
    async with sessionmaker() as session:
        mailing = await session.get(Mailing, mailing_id)
        if mailing is None or mailing.state != "sending":
            return 0
        budget = await _allowance(session, mailing, channel, now)
    sent, going = 0, True
    while going and budget > 0:
        async with sessionmaker.begin() as session:
            zone = channel.settings.default_timezone
            claimed = await _claim(session, mailing, zone, now, min(budget, CLAIM))
        if not claimed:
            break
        budget -= len(claimed)
        async with sessionmaker() as session:
            contexts = await contexts_for(session, [c.client_id for c in claimed if c.client_id])
        made = [(item, channel.make(mailing, item, contexts.get(item.client_id or 0, {})))
                for item in claimed]  # fmt: skip
        made = await channel.finish(sessionmaker, mailing, made)  # e-mail: its links tracked
        taken, going = await _deliver(sessionmaker, channel, mailing, made, now)
        sent += taken
    return sent


async def _deliver(
    sessionmaker: async_sessionmaker[AsyncSession],
    channel: Channel,
    mailing: Mailing,
    made: list[tuple[Claimed, Any]],
    now: datetime,
) -> tuple[int, bool]:
    """Hand the messages over a batch at a time: (how many were taken, whether the run
    may go on with this mailing)."""
    unmade = [(item, m.reason) for item, m in made if isinstance(m, Unmade)]
    if unmade:
        async with sessionmaker.begin() as session:
            for item, reason in unmade:
                await _fail(session, item, f"the message cannot be made: {reason}")
    ready = [(item, m) for item, m in made if not isinstance(m, Unmade)]
    if not ready:
        return 0, True
    down = await channel.open()
    if down:
        await _settle(sessionmaker, channel, mailing, [(i, Delivery(error=down)) for i, _ in ready],
                      now)  # fmt: skip
        log.info("mailing %s: %s not reached (%s); retrying later", mailing.id, channel.name, down)
        return 0, False
    rate = _rate(mailing, channel)
    size = batch_size(rate)
    sent = 0
    try:
        for at in range(0, len(ready), size):
            started = time.monotonic()
            taken, going = await _hand_over(sessionmaker, channel, mailing, ready[at:], size, now)
            sent += taken
            if not going:
                return sent, False
            if at + size < len(ready):  # spaced at the rate (a run holds RUN_SECONDS of it)
                await asyncio.sleep(max(0.0, size * 60 / rate - (time.monotonic() - started)))
    finally:
        await channel.close()
    return sent, True


async def _hand_over(
    sessionmaker: async_sessionmaker[AsyncSession],
    channel: Channel,
    mailing: Mailing,
    rest: list[tuple[Claimed, Any]],
    size: int,
    now: datetime,
) -> tuple[int, bool]:
    """One batch: marked handed in one commit, sent, its outcomes recorded in one more.
    When it cannot go on (paused, cancelled, the answer lost, the way out down), the rest
    of the claim is let go; (taken, whether to go on)."""
    batch = rest[:size]
    handed = await _hand(sessionmaker, mailing.id, [item for item, _ in batch], now)
    if len(handed) < len(batch):  # paused or cancelled meanwhile: nothing of it is sent
        await _release(sessionmaker, mailing.id, [item for item, _ in rest])
        return 0, False
    outcomes = await channel.send_many([message for _, message in batch])
    tried = [(item, outcome) for (item, _), outcome in zip(batch, outcomes, strict=False)]
    untried = [item for item, _ in rest[len(tried) :]]
    taken = sum(outcome.taken for outcome in outcomes)
    last = outcomes[-1] if outcomes else Delivery(error="not tried")
    if len(tried) == len(batch) and not (last.uncertain or last.unreachable):
        await _settle(sessionmaker, channel, mailing, tried, now)
        return taken, True
    if last.unreachable:  # the way out is down: the rest wait as long as the last one
        tried += [(item, Delivery(error=last.error)) for item in untried]
        await _settle(sessionmaker, channel, mailing, tried, now)
    else:  # the answer was lost with the line: the rest wait, never tried
        await _settle(sessionmaker, channel, mailing, tried, now)
        await _release(sessionmaker, mailing.id, untried)
    return taken, False


async def _hand(
    sessionmaker: async_sessionmaker[AsyncSession],
    mailing_id: int,
    items: list[Claimed],
    now: datetime,
) -> set[int]:
    """Commit that these messages go to the server now, in one statement: the ids marked
    (none when the mailing was paused or cancelled meanwhile: they are not sent)."""
    async with sessionmaker.begin() as session:
        result = await session.execute(
            update(MailingRecipient)
            .where(
                MailingRecipient.id.in_([item.recipient_id for item in items]),
                MailingRecipient.state == "sending",
                MailingRecipient.handed_at.is_(None),
                select(Mailing.id)
                .where(Mailing.id == mailing_id, Mailing.state == "sending")
                .exists(),
            )
            .values(handed_at=now)
            .returning(MailingRecipient.id)
        )
        return {recipient_id for (recipient_id,) in result}


async def _release(
    sessionmaker: async_sessionmaker[AsyncSession], mailing_id: int, items: list[Claimed]
) -> None:
    """Claimed rows whose messages were never tried go back: to the queue, or skipped when
    the mailing was cancelled meanwhile; their attempt is not counted, their hand mark (a
    batch's, made before its sending stopped short) is taken back."""
    if not items:
        return
    async with sessionmaker.begin() as session:
        state = await session.scalar(select(Mailing.state).where(Mailing.id == mailing_id))
        cancelled = state == "cancelled"
        await session.execute(
            update(MailingRecipient)
            .where(
                MailingRecipient.id.in_([i.recipient_id for i in items]),
                MailingRecipient.state == "sending",
            )
            .values(
                state="skipped" if cancelled else "queued",
                reason="cancelled" if cancelled else "",
                claimed_at=None,
                handed_at=None,
                attempts=MailingRecipient.attempts - 1,
            )
        )


async def _fail(session: AsyncSession, item: Claimed, reason: str) -> None:
    await session.execute(
        update(MailingRecipient)
        .where(MailingRecipient.id == item.recipient_id)
        .values(state="failed", reason=reason[:2000], claimed_at=None)
    )


async def _suppress(
    session: AsyncSession, address: str, reason: str, mailing_id: int, detail: str
) -> None:
    await session.execute(
        pg_insert(Suppression)
        .values(address=address, reason=reason, mailing_id=mailing_id, detail=detail[:500])
        .on_conflict_do_nothing()
    )


async def _settle(
    sessionmaker: async_sessionmaker[AsyncSession],
    channel: Channel,
    mailing: Mailing,
    outcomes: list[tuple[Claimed, Delivery]],
    now: datetime,
) -> None:
    """Record how each message went, in one statement (and the suppressions a permanent
    refusal makes)."""
    if not outcomes:
        return
    rows = [_row(channel, item, outcome, now) for item, outcome in outcomes]
    async with sessionmaker.begin() as session:
        await session.execute(SETTLE, {
            "ids": [r[0] for r in rows], "states": [r[1] for r in rows],
            "reasons": [r[2] for r in rows], "message_ids": [r[3] for r in rows],
            "next_tries": [r[4] for r in rows], "provider": channel.provider, "now": utcnow(),
        })  # fmt: skip
        for item, outcome in outcomes:
            if outcome.permanent and channel.suppress_permanent:
                await _suppress(session, item.address, "bounced", mailing.id, outcome.error)
            if outcome.permanent and outcome.opted_out:
                await _suppress(session, item.address, "unsubscribed", mailing.id, outcome.error)
    for item, outcome in outcomes:
        if outcome.uncertain:
            log.warning("mailing recipient %s: %s (%s)", item.recipient_id, INTERRUPTED,
                        outcome.error)  # fmt: skip


def _row(
    channel: Channel, item: Claimed, outcome: Delivery, now: datetime
) -> tuple[int, str, str, str, datetime | None]:
    """(recipient, state, reason, message id, next try) after ``outcome``."""
    if outcome.taken:
        return item.recipient_id, "sent", "", outcome.message_id[:64], None
    if outcome.uncertain:
        return item.recipient_id, "failed", f"{INTERRUPTED} ({outcome.error})"[:2000], "", None
    if outcome.permanent:
        return item.recipient_id, channel.permanent_state, outcome.error[:2000], "", None
    if item.attempts >= channel.max_attempts:
        return item.recipient_id, "failed", outcome.error[:2000], "", None
    pause = timedelta(seconds=channel.retry_seconds * 2 ** (item.attempts - 1))
    return item.recipient_id, "queued", outcome.error[:2000], "", now + pause


# a batch's outcomes: sent (with the provider's id), failed, bounced, or back to the queue
# for a later try (not taken: its hand mark goes)
SETTLE = text(
    """
    UPDATE mailing_recipients r SET
        state = o.state,
        reason = o.reason,
        sent_at = CASE WHEN o.state = 'sent' THEN CAST(:now AS timestamptz) ELSE r.sent_at END,
        provider = CASE WHEN o.state = 'sent' THEN :provider ELSE r.provider END,
        message_id = CASE WHEN o.state = 'sent' THEN o.message_id ELSE r.message_id END,
        next_try_at = COALESCE(o.next_try, r.next_try_at),
        claimed_at = CASE WHEN o.state = 'sent' THEN r.claimed_at END,
        handed_at = CASE WHEN o.state = 'queued' THEN NULL ELSE r.handed_at END
    FROM unnest(CAST(:ids AS bigint[]), CAST(:states AS text[]), CAST(:reasons AS text[]),
                CAST(:message_ids AS text[]), CAST(:next_tries AS timestamptz[]))
         AS o(id, state, reason, message_id, next_try)
    WHERE r.id = o.id AND r.state = 'sending'
    """
)


async def send_test_message(
    settings: Settings, *, mailing: Mailing, context: dict[str, Any], to: str
) -> str:
    """Send the message as one recipient would get it to ``to`` (an address or a number)
    now; its unsubscribe link leads nowhere. "" when it was taken, else what went wrong."""
    channel = channels_of(settings).get(mailing.channel)
    if channel is None:
        return (
            "no SMS provider is configured"
            if mailing.channel == "sms"
            else "no SMTP server is configured"
        )
    item = Claimed(0, None, to, 1)
    [(_, message)] = await channel.finish(
        None, mailing, [(item, channel.make(mailing, item, context))]
    )
    if isinstance(message, Unmade):
        return message.reason
    down = await channel.open()
    if down:
        return down
    try:
        [outcome] = await channel.send_many([message])
    finally:
        await channel.close()
    return outcome.error
