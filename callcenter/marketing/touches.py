"""Which channel a client came by: the first touch is kept, the last one moves.

A touch is a website lead (its ``utm_source`` mapped to a channel by the admin) or an
inbound call to a tracked number (the DID the customer dialed, mapped to a channel). The
client's ``channel_id`` and ``first_touch_at`` are its first touch and are never overwritten
once set (a channel typed on the card counts as the first touch too); ``last_channel_id`` and
``last_touch_at`` follow the newest touch. Each touch is also a ``client_touches`` row, so
last-touch attribution can ask which channel touched the client last *before an order*.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallRow
from callcenter.clients.models import Client, ClientPhone
from callcenter.marketing.models import ClientTouch, TrackedNumber, UtmChannel

log = logging.getLogger(__name__)


async def channel_for_utm(session: AsyncSession, utm_source: str) -> int | None:
    source = utm_source.strip().lower()
    if not source:
        return None
    return await session.scalar(
        select(UtmChannel.channel_id).where(UtmChannel.utm_source == source)
    )


async def touch_client(
    session: AsyncSession,
    *,
    client_id: int,
    channel_id: int | None,
    source: str,
    at: datetime | None = None,
) -> None:
    """Record a touch; the client's first touch is set only where it has none, the last
    touch only moves forward (a late-stored older touch does not move it back)."""
    moment = at or func.now()
    touch = ClientTouch(client_id=client_id, channel_id=channel_id, source=source)
    if at is not None:
        touch.touched_at = at
    session.add(touch)
    await session.flush()
    if channel_id is None:
        return
    newer = or_(Client.last_touch_at.is_(None), Client.last_touch_at <= moment)
    await session.execute(
        update(Client)
        .where(Client.id == client_id)
        .values(
            channel_id=func.coalesce(Client.channel_id, channel_id),
            first_touch_at=case((Client.channel_id.is_(None), moment), else_=Client.first_touch_at),
            last_channel_id=case((newer, channel_id), else_=Client.last_channel_id),
            last_touch_at=case((newer, moment), else_=Client.last_touch_at),
        )
        .execution_options(synchronize_session="fetch")
    )


async def first_tracked_call(
    session: AsyncSession, client_id: int
) -> tuple[int, datetime, str] | None:
    """The earliest inbound call from one of the client's phones to a tracked number:
    (channel, when, the number dialed); None if it never called one."""
    phones = select(ClientPhone.e164).where(ClientPhone.client_id == client_id)
    row = (
        await session.execute(
            select(TrackedNumber.channel_id, CallRow.started_at, CallRow.callee)
            .join(TrackedNumber, TrackedNumber.number == CallRow.callee)
            .where(CallRow.direction == "inbound", CallRow.caller.in_(phones))
            .order_by(CallRow.started_at)
            .limit(1)
        )
    ).first()
    return (row[0], row[1], row[2]) if row else None


async def attribute_new_caller(session: AsyncSession, client_id: int) -> int | None:
    """A client just made (from a screen-pop or by hand) who called a tracked number gets
    that number's channel and the call's time as first touch; returns the channel or None.
    A channel typed on the card wins: it stays the first touch, the call only the last."""
    found = await first_tracked_call(session, client_id)
    if found is None:
        return None
    channel_id, started_at, number = found
    await touch_client(
        session, client_id=client_id, channel_id=channel_id, source="call", at=started_at
    )
    log.info("client %s: first call to tracked %s, channel %s", client_id, number, channel_id)
    return channel_id
