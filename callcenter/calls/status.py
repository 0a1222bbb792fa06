"""The PBX listener's heartbeat: written by the leader, read by every process's /health."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import PbxStatus
from callcenter.db import utcnow

STALE_AFTER_SECONDS = 5.0


async def write_status(
    session: AsyncSession,
    *,
    pbx: str,
    state: str,
    leader: str,
    last_event_at: float | None,
    backlog: int,
    events_handled: int,
    reconnects: int,
) -> None:
    values = {
        "state": state,
        "leader": leader,
        "backlog": backlog,
        "events_handled": events_handled,
        "reconnects": reconnects,
        "last_event_at": datetime.fromtimestamp(last_event_at, UTC) if last_event_at else None,
        "updated_at": utcnow(),
    }
    stmt = insert(PbxStatus).values(pbx=pbx, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=[PbxStatus.pbx], set_=values))


async def read_status(session: AsyncSession, pbx: str) -> dict[str, Any] | None:
    """The heartbeat as /health shows it; a stale one says no listener is leading."""
    row = await session.scalar(select(PbxStatus).where(PbxStatus.pbx == pbx))
    if row is None:
        return None
    now = utcnow()
    age = (now - row.updated_at).total_seconds()
    return {
        "name": pbx,
        "role": "elsewhere",
        "leader": row.leader,
        "state": row.state if age <= STALE_AFTER_SECONDS else "no leader",
        "last_event_age_seconds": round((now - row.last_event_at).total_seconds(), 3)
        if row.last_event_at
        else None,
        "backlog": row.backlog,
        "events_handled": row.events_handled,
        "reconnects": row.reconnects,
        "heartbeat_age_seconds": round(age, 3),
    }


# What the previous leader last heard of the PBX: its last event, or its last heartbeat if the
# link was up then (no event since means nothing had ended unheard). Kept in
# previous_heard_at, never moved back by a leader that heard nothing.
KEEP_PREVIOUS_HEARD = text(
    """
UPDATE pbx_status SET previous_heard_at = greatest(previous_heard_at,
    CASE WHEN state = 'connected' THEN greatest(last_event_at, updated_at)
         ELSE last_event_at END)
WHERE pbx = :pbx
RETURNING previous_heard_at
"""
)


async def keep_previous_heard(session: AsyncSession, *, pbx: str) -> datetime | None:
    """At the start of a leader's term, before its first heartbeat: remember until when the
    previous leader heard the PBX. Calls and queue visits it left open that are gone by now
    ended after that moment (their end is bounded by it)."""
    return await session.scalar(KEEP_PREVIOUS_HEARD, {"pbx": pbx})
