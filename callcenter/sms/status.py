"""Delivery read back: texts sent but not yet confirmed are asked about (a periodic poll), or
reported by the provider (Twilio's status callback), and become ``delivered`` or ``failed``.

The same for a mailing's recipients and for order texts: both tables keep the provider, its
message id, when delivery was last asked for and when it was confirmed (``Tracked`` names
their columns). A poll stamps the rows it takes first (``checked_at``, one statement with
``SKIP LOCKED``), so two processes polling at once ask about different messages; a text not
confirmed within ``GIVE_UP`` stays ``sent``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.sms.gateway import DELIVERED, PENDING, Provider, Status
from callcenter.sms.models import SmsMessage

log = logging.getLogger(__name__)
GIVE_UP = timedelta(days=3)
BATCH = 100


@dataclass(frozen=True)
class Tracked:
    """A table of sent texts: its model and the names of its number and reason columns."""

    model: Any
    number: str
    reason: str


MESSAGES = Tracked(SmsMessage, "to_number", "last_error")


async def record_status(
    session: AsyncSession,
    tracked: Tracked,
    *,
    provider: str,
    message_id: str,
    status: Status,
    now: datetime,
) -> int:
    """Move the text the provider knows by ``message_id`` on, once (a repeated or late report
    changes nothing); returns how many rows moved."""
    model = tracked.model
    if status.state == PENDING or not message_id:
        return 0
    values: dict[str, Any] = {"state": status.state, "checked_at": now}
    if status.state == DELIVERED:
        values["delivered_at"] = now
    else:
        values[tracked.reason] = status.detail[:2000]
    result = await session.execute(
        update(model)
        .where(model.provider == provider, model.message_id == message_id, model.state == "sent")
        .values(**values)
        .returning(model.id)
    )
    return len(result.all())


async def _take(
    session: AsyncSession, tracked: Tracked, provider: str, now: datetime, every: timedelta
) -> list[tuple[str, str]]:
    model = tracked.model
    due = (
        select(model.id)
        .where(
            model.state == "sent",
            model.message_id != "",
            model.provider == provider,
            model.sent_at > now - GIVE_UP,
            or_(model.checked_at.is_(None), model.checked_at <= now - every),
        )
        .order_by(model.checked_at.nulls_first(), model.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        update(model)
        .where(model.id.in_(due.scalar_subquery()))
        .values(checked_at=now)
        .returning(getattr(model, tracked.number), model.message_id)
    )
    return [(number, message_id) for number, message_id in result]


async def poll_deliveries(
    sessionmaker: async_sessionmaker[AsyncSession],
    provider: Provider,
    tracked: Tracked,
    *,
    now: datetime,
    every: timedelta,
) -> int:
    """Ask the provider about texts sent and not confirmed; returns how many became final."""
    async with sessionmaker.begin() as session:
        taken = await _take(session, tracked, provider.name, now, every)
    moved = 0
    for number, message_id in taken:
        status = await provider.status(number, message_id)
        if status is None or not status.final:
            continue
        async with sessionmaker.begin() as session:
            moved += await record_status(
                session, tracked, provider=provider.name, message_id=message_id,
                status=status, now=now,
            )  # fmt: skip
    if taken:
        log.info("sms: asked about %d text(s), %d now final", len(taken), moved)
    return moved
