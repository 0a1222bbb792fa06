"""The call events (``call.ringing``, ``call.answered``, ``call.ended``, ``call.missed``) as
parts of the call store's one statement (callcenter/calls/store.py), so the listener's path
gains no round trip: ``PREVIOUS`` reads the calls as they were before the statement (every
part of it sees that snapshot), ``deliveries`` compares them with what is stored now and
writes a delivery per event that happened and endpoint subscribed to it (none when nobody
subscribes). An event's id is made from the call and the event, so it is one for every
endpoint, and a call's events get ids in the order they happened."""

from __future__ import annotations

# the calls of the batch as stored before it, by Linkedid (the batch's ``:linkedid`` array)
PREVIOUS = """SELECT linkedid, answered_at, ended_at FROM calls
    WHERE linkedid = ANY(CAST(:linkedid AS text[]))"""

_EVENTS = """(VALUES
        (1, 'call.ringing', p.linkedid IS NULL),
        (2, 'call.answered', t.answered_at IS NOT NULL AND p.answered_at IS NULL),
        (3, 'call.ended', t.ended_at IS NOT NULL AND p.ended_at IS NULL),
        (4, 'call.missed', t.ended_at IS NOT NULL AND p.ended_at IS NULL
            AND t.direction = 'inbound' AND t.outcome IN ('abandoned', 'no_answer'))
    ) AS ev(k, event, happened)"""

_RECORD = """jsonb_build_object(
        'id', c.id, 'linkedid', t.linkedid, 'direction', t.direction, 'caller', t.caller,
        'callee', t.callee, 'queue', t.queue, 'client_id', c.client_id,
        'started_at', t.started_at, 'answered_at', t.answered_at, 'ended_at', t.ended_at,
        'outcome', t.outcome, 'hangup_cause', t.hangup_cause, 'wait_seconds', t.wait_seconds,
        'talk_seconds', t.talk_seconds, 'hold_seconds', t.hold_seconds,
        'agents', string_to_array(NULLIF(t.agents, ''), ','), 'recording', t.recording,
        'end_uncertain', t.end_uncertain)"""


def deliveries(calls: str, stored: str, previous: str) -> str:
    """The INSERT of the call events: ``calls`` is the batch's rows (alias ``t``), ``stored``
    the CTE of the rows written (linkedid, id, client_id), ``previous`` the PREVIOUS CTE."""
    return f"""INSERT INTO webhook_deliveries
        (endpoint_id, event, event_id, entity, payload, next_attempt_at)
    SELECT e.id, ev.event, CAST(md5(t.linkedid || '/' || ev.event) AS uuid), 'call:' || c.id,
        {_RECORD}, CASE WHEN e.paused_at IS NULL THEN now() ELSE 'infinity' END
    FROM {calls}
    JOIN {stored} c ON c.linkedid = t.linkedid
    LEFT JOIN {previous} p ON p.linkedid = t.linkedid
    CROSS JOIN LATERAL {_EVENTS}
    JOIN webhook_endpoints e ON e.active AND ev.event = ANY(e.events)
    WHERE ev.happened
    ORDER BY c.id, ev.k, e.id"""
