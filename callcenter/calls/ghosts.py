"""After a reconnect or a takeover: calls stored as live, what a new leader adopts of them, and
the ones the PBX no longer has (ended unheard)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from callcenter.calls.models import CallEventRow, CallRow
from callcenter.calls.records import Call, CallEvent, Direction, Leg, Outcome

# The ghosts of a PBX end between the last moment they were known live and now: what the
# previous leader last heard (pbx_status.previous_heard_at), never before the call's own last
# stored moment, never after now. Their talk and wait follow from that end, their open legs
# end with them, and the timeline says so (``lost_during_disconnect``).
END_GHOSTS = text(
    """
WITH heard AS (
    SELECT (SELECT previous_heard_at FROM pbx_status WHERE pbx = :pbx) AS at
), ghost AS (
    SELECT c.id, c.linkedid, least(CAST(:at AS timestamptz), greatest(
        (SELECT at FROM heard), c.started_at, c.queued_at, c.answered_at,
        (SELECT max(e.at) FROM call_events e WHERE e.call_id = c.id),
        (SELECT max(greatest(l.started_at, l.answered_at, l.ended_at))
         FROM call_legs l WHERE l.call_id = c.id))) AS end_at
    FROM calls c
    WHERE c.pbx = :pbx AND c.ended_at IS NULL
      AND NOT (c.linkedid = ANY(CAST(:live AS text[])))
), legs AS (
    UPDATE call_legs l SET ended_at = greatest(l.started_at, g.end_at),
        talk_seconds = CASE WHEN l.answered_at IS NULL THEN 0
            ELSE greatest(0, extract(epoch FROM g.end_at - l.answered_at)) END
    FROM ghost g WHERE l.call_id = g.id AND l.ended_at IS NULL
), ended AS (
    UPDATE calls c SET ended_at = g.end_at, end_uncertain = true, ended_latest_at = :at,
        outcome = CASE WHEN c.answered_at IS NOT NULL THEN 'answered'
            WHEN c.queued_at IS NOT NULL THEN 'abandoned' ELSE 'no_answer' END,
        talk_seconds = CASE WHEN c.answered_at IS NULL THEN 0
            ELSE greatest(0, extract(epoch FROM g.end_at - c.answered_at)) END,
        wait_seconds = greatest(0, extract(epoch FROM
            coalesce(c.answered_at, g.end_at) - coalesce(c.queued_at, c.started_at))),
        updated_at = now()
    FROM ghost g WHERE c.id = g.id
    RETURNING c.id, c.linkedid, g.end_at
), noted AS (
    INSERT INTO call_events (call_id, seq, at, kind, uniqueid, detail)
    SELECT e.id, coalesce((SELECT max(seq) FROM call_events x WHERE x.call_id = e.id), -1) + n.k,
        e.end_at, CASE WHEN n.k = 1 THEN 'lost_during_disconnect' ELSE 'ended' END, '',
        CASE WHEN n.k = 1 THEN jsonb_build_object('found_at', CAST(:at AS timestamptz))
            ELSE CAST('{}' AS jsonb) END
    FROM ended e CROSS JOIN (VALUES (1), (2)) AS n(k)
)
SELECT linkedid FROM ended
"""
)


async def end_ghost_calls(
    session: AsyncSession, *, pbx: str, live_linkedids: set[str], at: datetime
) -> list[str]:
    """End the stored live calls of ``pbx`` that are not live on it any more (``at``: when
    that was found out). They ended while nobody listened: each ends when it was last known
    live (see ``END_GHOSTS``), marked ``end_uncertain`` with ``at`` as the latest it could
    have ended; the outcome is what the stored state says (answered, abandoned in a queue,
    else not answered). Returns their Linkedids."""
    rows = await session.execute(END_GHOSTS, {"pbx": pbx, "at": at, "live": sorted(live_linkedids)})
    return sorted({linkedid for (linkedid,) in rows})


async def live_calls(session: AsyncSession, *, pbx: str, limit: int = 50_000) -> list[Call]:
    """The calls of ``pbx`` stored as live, as records with their legs and timeline: what a
    new leader adopts (``CallTracker.adopt``), oldest first."""
    rows = await session.scalars(
        select(CallRow)
        .where(CallRow.pbx == pbx, CallRow.ended_at.is_(None))
        .order_by(CallRow.started_at)
        .limit(limit)
        .options(selectinload(CallRow.legs))
    )
    calls = list(rows)
    timelines: dict[int, list[CallEvent]] = {call.id: [] for call in calls}
    if calls:
        events = await session.scalars(
            select(CallEventRow)
            .where(CallEventRow.call_id.in_(list(timelines)))
            .order_by(CallEventRow.call_id, CallEventRow.seq)
        )
        for e in events:
            detail = {key: str(value) for key, value in (e.detail or {}).items()}
            timelines[e.call_id].append(CallEvent(e.at, e.kind, e.uniqueid, detail))
    return [_record(call, timelines[call.id]) for call in calls]


def _record(row: CallRow, timeline: list[CallEvent]) -> Call:
    return Call(
        linkedid=row.linkedid,
        direction=Direction(row.direction),
        started_at=row.started_at,
        caller=row.caller,
        callee=row.callee,
        queue=row.queue,
        queued_at=row.queued_at,
        answered_at=row.answered_at,
        outcome=Outcome(row.outcome) if row.outcome else None,
        hangup_cause=row.hangup_cause,
        wait_seconds=row.wait_seconds,
        talk_seconds=row.talk_seconds,
        hold_seconds=row.hold_seconds,
        recording=row.recording,
        agents=list(row.agents or []),
        legs={
            leg.uniqueid: Leg(
                uniqueid=leg.uniqueid,
                channel=leg.channel,
                started_at=leg.started_at,
                agent=leg.agent,
                answered_at=leg.answered_at,
                ended_at=leg.ended_at,
                hangup_cause=leg.hangup_cause,
                talk_seconds=leg.talk_seconds,
                hold_seconds=leg.hold_seconds,
            )
            for leg in row.legs
        },
        timeline=timeline,
    )
