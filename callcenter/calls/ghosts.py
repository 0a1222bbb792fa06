"""After a reconnect or a takeover: calls stored as live that the PBX no longer has."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallEventRow, CallRow


async def end_ghost_calls(
    session: AsyncSession, *, pbx: str, live_linkedids: set[str], at: datetime
) -> list[str]:
    """End the stored live calls of ``pbx`` that are not live on it any more.

    They ended while nobody listened: the end time is when we found out, the outcome what the
    stored state says (answered, abandoned in a queue, else not answered), and the timeline
    says so, so reports can tell these apart.
    """
    ghosts = select(CallRow.id).where(CallRow.pbx == pbx, CallRow.ended_at.is_(None))
    if live_linkedids:
        ghosts = ghosts.where(CallRow.linkedid.not_in(live_linkedids))
    rows = (
        await session.execute(
            update(CallRow)
            .where(CallRow.id.in_(ghosts))
            .values(
                ended_at=at,
                outcome=case(
                    (CallRow.answered_at.is_not(None), "answered"),
                    (CallRow.queued_at.is_not(None), "abandoned"),
                    else_="no_answer",
                ),
            )
            .returning(CallRow.id, CallRow.linkedid)
        )
    ).all()
    for call_id, _linkedid in rows:
        seq = (
            select(func.coalesce(func.max(CallEventRow.seq), -1) + 1)
            .where(CallEventRow.call_id == call_id)
            .scalar_subquery()
        )
        await session.execute(
            insert(CallEventRow).values(
                call_id=call_id,
                seq=seq,
                at=at,
                kind="lost_during_disconnect",
                uniqueid="",
                detail={},
            )
        )
    return [linkedid for _id, linkedid in rows]
