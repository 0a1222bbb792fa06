"""Sending webhook deliveries: a job run every so often in every process; one at a time sends
(the one holding the ``webhooks`` advisory lock) and keeps at it while there is work.

A batch is claimed with ``FOR UPDATE SKIP LOCKED``: due pending deliveries of active,
unpaused endpoints that are first in line for their entity at their endpoint (an earlier
one still pending or retrying holds the later ones back, so a receiver hears of an entity's
changes in order). The batch goes out at once through the ``Transport`` (the web app's HTTP
client, with its timeout), and its outcomes are written in one statement per table before
the commit. A 2xx answer is sent; anything else is retried after ``retry_seconds`` ×
2^(attempt-1) while the delivery is younger than ``retry_for``, then failed. An endpoint
that fails ``pause_after`` times in a row is paused with its last answer as the note, and
its deliveries wait until the admin resumes it. A crash between an answer and the commit
sends that batch again (at least once: receivers deduplicate on the event id).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db import unnest_columns, unnest_rows, utcnow
from callcenter.leadership import NAMESPACE
from callcenter.webhooks.signing import HEADER, signature_header

log = logging.getLogger(__name__)
LOCK_FAMILY = "webhooks"
EXCERPT = 1000  # characters of a receiver's answer kept


@dataclass(frozen=True)
class Answer:
    """What a receiver said: its HTTP status (None: no answer) and the start of its body,
    or why there was no answer."""

    status: int | None
    excerpt: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Transport(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer: ...


@dataclass(frozen=True)
class Policy:
    batch: int = 500
    retry_seconds: float = 30.0  # the first retry; each next one waits twice as long
    retry_for: timedelta = timedelta(days=1)
    pause_after: int = 20  # failures in a row that pause an endpoint
    run_seconds: float = 10.0  # how long one run keeps looking for work
    idle_seconds: float = 0.05  # the pause between looks while there is none


CLAIM = text(
    """
SELECT d.id, d.endpoint_id, d.event, d.event_id, d.entity, CAST(d.payload AS text) AS payload,
       d.created_at, d.attempts, e.url, e.secret,
       CASE WHEN e.previous_secret_until > :now THEN e.previous_secret ELSE '' END AS old_secret
FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
WHERE d.state = 'pending' AND d.next_attempt_at <= :now AND e.active AND e.paused_at IS NULL
  AND NOT EXISTS (
      SELECT FROM webhook_deliveries p
      WHERE p.state = 'pending' AND p.endpoint_id = d.endpoint_id AND p.entity = d.entity
        AND p.id < d.id)
ORDER BY d.next_attempt_at, d.id
LIMIT :batch
FOR UPDATE OF d SKIP LOCKED
"""
)
OUTCOME_SPEC = (
    ("id", "bigint"),
    ("state", "text"),
    ("next_at", "timestamptz"),
    ("status", "int"),
    ("excerpt", "text"),
    ("error", "text"),
)
RECORD = text(
    f"""
UPDATE webhook_deliveries d SET state = t.state, attempts = d.attempts + 1,
    last_attempt_at = CAST(:now AS timestamptz),
    sent_at = CASE WHEN t.state = 'sent' THEN CAST(:now AS timestamptz) END,
    next_attempt_at = t.next_at, response_status = t.status, response_excerpt = t.excerpt,
    error = t.error
FROM {unnest_rows(OUTCOME_SPEC)} WHERE d.id = t.id
"""
)
STREAK_SPEC = (("endpoint", "int"), ("restart", "bool"), ("failed", "int"), ("last", "text"))
# failures in a row: a success in the batch starts the count over; an endpoint that reaches
# the limit is paused with its last answer, and its deliveries wait
_COUNT = "CASE WHEN t.restart THEN t.failed ELSE e.failures_in_row + t.failed END"
_PAUSES = f"e.paused_at IS NULL AND {_COUNT} >= CAST(:pause_after AS int)"
STREAKS = text(
    f"""
WITH s AS (
    UPDATE webhook_endpoints e SET failures_in_row = {_COUNT},
        paused_at = CASE WHEN {_PAUSES} THEN CAST(:now AS timestamptz) ELSE e.paused_at END,
        paused_by = CASE WHEN {_PAUSES} THEN 'failures' ELSE e.paused_by END,
        paused_reason = CASE WHEN {_PAUSES} THEN t.last ELSE e.paused_reason END
    FROM {unnest_rows(STREAK_SPEC)}
    WHERE e.id = t.endpoint AND (t.failed > 0 OR e.failures_in_row <> 0)
    RETURNING e.id, e.paused_by = 'failures' AND e.paused_at = CAST(:now AS timestamptz) AS now
), h AS (
    UPDATE webhook_deliveries d SET next_attempt_at = 'infinity'
    FROM s WHERE s.now AND d.endpoint_id = s.id AND d.state = 'pending'
)
SELECT id FROM s WHERE now
"""
)


def body_of(row: Any) -> bytes:
    """The JSON a receiver gets: the event's id, name and time, the entity and its data
    (the stored payload, put in as it is)."""
    head = json.dumps(
        {
            "id": str(row.event_id),
            "event": row.event,
            "created_at": row.created_at.isoformat(),
            "entity": row.entity,
        },
        ensure_ascii=False,
    )
    return f'{head[:-1]}, "data": {row.payload}}}'.encode()


def _headers(row: Any, body: bytes, now: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        HEADER: signature_header(row.secret, now, body, row.old_secret),
        "X-Callcenter-Event": row.event,
        "X-Callcenter-Delivery": str(row.id),
    }


def _outcome(row: Any, answer: Answer, policy: Policy, now: datetime) -> tuple[Any, ...]:
    status, excerpt = answer.status, answer.excerpt[:EXCERPT].replace("\x00", "\ufffd")
    if answer.ok:
        return (row.id, "sent", now, status, excerpt, "")
    error = excerpt if status is None else ""
    excerpt = "" if status is None else excerpt
    pause = timedelta(seconds=policy.retry_seconds * 2 ** min(row.attempts, 30))
    if now + pause > row.created_at + policy.retry_for:
        return (row.id, "failed", now, status, excerpt, error)
    return (row.id, "pending", now + pause, status, excerpt, error)


def _streaks(rows: list[Any], answers: list[Answer]) -> list[tuple[Any, ...]]:
    """Per endpoint of the batch, in delivery order: (endpoint, a success restarted the
    count?, failures since, the last failure's words)."""
    streaks: dict[int, list[Any]] = {}
    for row, answer in sorted(zip(rows, answers, strict=True), key=lambda pair: pair[0].id):
        streak = streaks.setdefault(row.endpoint_id, [row.endpoint_id, False, 0, ""])
        if answer.ok:
            streak[1:3] = [True, 0]
        else:
            words = f"{answer.status} {answer.excerpt}" if answer.status else answer.excerpt
            streak[2:4] = [streak[2] + 1, words[:EXCERPT].replace("\x00", "\ufffd")]
    return [tuple(streak) for streak in streaks.values()]


async def send_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    transport: Transport,
    policy: Policy,
    *,
    now: datetime | None = None,
) -> int:
    """Claim one batch of due deliveries, send them, record what came back: how many."""
    async with sessionmaker.begin() as session:
        now = now or utcnow()
        claim = {"now": now, "batch": policy.batch}
        rows = list((await session.execute(CLAIM, claim)).all())
        if not rows:
            return 0
        stamp = int(time.time())
        bodies = [body_of(row) for row in rows]
        answers = await asyncio.gather(
            *(
                transport.post(row.url, body, _headers(row, body, stamp))
                for row, body in zip(rows, bodies, strict=True)
            )
        )
        outcomes = [
            _outcome(row, answer, policy, now) for row, answer in zip(rows, answers, strict=True)
        ]
        await session.execute(RECORD, {"now": now} | unnest_columns(outcomes, OUTCOME_SPEC))
        params = {"now": now, "pause_after": policy.pause_after}
        paused = await session.scalars(
            STREAKS, params | unnest_columns(_streaks(rows, answers), STREAK_SPEC)
        )
        for endpoint_id in paused:
            log.warning(
                "webhook endpoint %s paused: %d failures in a row", endpoint_id, policy.pause_after
            )
    return len(rows)


async def send_webhooks(
    sessionmaker: async_sessionmaker[AsyncSession], transport: Transport, policy: Policy
) -> int | None:
    """One run: batches while there are due deliveries, looking again every
    ``idle_seconds`` for ``run_seconds``; how many went out (None: another process sends)."""
    engine = sessionmaker.kw["bind"]
    async with engine.connect() as lock:
        lock = await lock.execution_options(isolation_level="AUTOCOMMIT")
        key = {"ns": NAMESPACE, "family": LOCK_FAMILY}
        if not await lock.scalar(text("SELECT pg_try_advisory_lock(:ns, hashtext(:family))"), key):
            return None
        try:
            return await _run(sessionmaker, transport, policy)
        finally:
            await lock.execute(text("SELECT pg_advisory_unlock(:ns, hashtext(:family))"), key)


async def _run(
    sessionmaker: async_sessionmaker[AsyncSession], transport: Transport, policy: Policy
) -> int:
    sent, until = 0, time.monotonic() + policy.run_seconds
    while True:
        done = await send_due(sessionmaker, transport, policy)
        sent += done
        if done:
            continue
        if time.monotonic() >= until:
            return sent
        await asyncio.sleep(policy.idle_seconds)
