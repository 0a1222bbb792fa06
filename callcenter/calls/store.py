"""Storing many calls at once: a handful of set-based statements per batch, not rows one by one.

The PBX listener saves every call that changed in a batch of events; at tens of thousands of
events a second that is hundreds of calls, so each table gets one multi-row statement.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallRow
from callcenter.calls.records import Call, Direction
from callcenter.db import unnest_columns, unnest_rows
from callcenter.leadership import TERM_GATE, Fence, gate_params, term_over
from callcenter.live import CHANNEL, Note, payloads
from callcenter.users.models import User
from callcenter.webhooks.calls import PREVIOUS
from callcenter.webhooks.calls import deliveries as call_deliveries

CALL_COLUMNS = (
    "direction",
    "caller",
    "callee",
    "queue",
    "started_at",
    "queued_at",
    "answered_at",
    "ended_at",
    "outcome",
    "hangup_cause",
    "wait_seconds",
    "talk_seconds",
    "hold_seconds",
    "recording",
    "agents",
    "end_uncertain",
    "ended_latest_at",
)
LEG_COLUMNS = (
    "call_id",
    "channel",
    "agent",
    "user_id",
    "started_at",
    "answered_at",
    "ended_at",
    "hangup_cause",
    "talk_seconds",
    "hold_seconds",
)


@dataclass
class StoreMemory:
    """What a long-lived writer remembers between batches to skip work: ids of stored calls,
    how many timeline entries each has stored, each leg's stored row (a call's every change
    used to rewrite all its legs: nine leg updates a leg) and extension -> user."""

    call_ids: dict[str, int] = field(default_factory=dict)
    timeline_stored: dict[str, int] = field(default_factory=dict)
    legs_stored: dict[str, dict[str, tuple[Any, ...]]] = field(default_factory=dict)
    users: dict[str, int | None] = field(default_factory=dict)

    def forget(self, linkedid: str) -> None:
        self.call_ids.pop(linkedid, None)
        self.timeline_stored.pop(linkedid, None)
        self.legs_stored.pop(linkedid, None)


def extension_of(agent: str) -> str:
    """``101`` from ``101``, ``PJSIP/101`` or ``Local/101@agents/n``."""
    name = agent.split("/", 1)[1] if "/" in agent and not agent.startswith("Local/") else agent
    name = name.removeprefix("Local/")
    for stop in ("@", ";", "/"):
        name = name.split(stop, 1)[0]
    return name


def customer_number(call: Call) -> str:
    """The outside party: who called in, or whom we called."""
    return call.caller if call.direction == Direction.INBOUND else call.callee


# the one live client holding the number {0}; none when several hold it
ONE_CLIENT = """(
    SELECT min(cl.id) FROM client_phones p JOIN clients cl ON cl.id = p.client_id
    WHERE p.e164 = {0} AND cl.merged_into_id IS NULL HAVING count(DISTINCT cl.id) = 1)"""
MATCH_CLIENTS = text(
    f"SELECT n, {ONE_CLIENT.format('n')} FROM unnest(CAST(:numbers AS text[])) AS t(n)"
)


async def match_clients(session: AsyncSession, numbers: Iterable[str]) -> dict[str, int]:
    """Number -> the one live client holding it (numbers held by several are left out)."""
    wanted = sorted({n for n in numbers if n.startswith("+")})
    if not wanted:
        return {}
    rows = await session.execute(MATCH_CLIENTS, {"numbers": wanted})
    return {number: client_id for number, client_id in rows.all() if client_id is not None}


async def _resolve_users(session: AsyncSession, calls: list[Call], memory: StoreMemory) -> None:
    extensions = {
        extension_of(leg.agent) for call in calls for leg in call.legs.values() if leg.agent
    } - memory.users.keys()
    if extensions:
        rows = await session.execute(
            select(User.extension, User.id).where(User.extension.in_(extensions))
        )
        found = dict(rows.all())
        memory.users.update({ext: found.get(ext) for ext in extensions})


CALL_SPEC = (
    ("linkedid", "text"),
    ("pbx", "text"),
    ("number", "text"),  # the outside party of a new call, to link its client; '' otherwise
    ("direction", "text"),
    ("caller", "text"),
    ("callee", "text"),
    ("queue", "text"),
    ("started_at", "timestamptz"),
    ("queued_at", "timestamptz"),
    ("answered_at", "timestamptz"),
    ("ended_at", "timestamptz"),
    ("outcome", "text"),
    ("hangup_cause", "int"),
    ("wait_seconds", "float8"),
    ("talk_seconds", "float8"),
    ("hold_seconds", "float8"),
    ("recording", "text"),
    ("agents", "text"),
    ("end_uncertain", "bool"),
    ("ended_latest_at", "timestamptz"),
)
LEG_SPEC = (
    ("uniqueid", "text"),
    ("leg_linkedid", "text"),
    ("channel", "text"),
    ("agent", "text"),
    ("user_id", "int"),
    ("leg_started_at", "timestamptz"),
    ("leg_answered_at", "timestamptz"),
    ("leg_ended_at", "timestamptz"),
    ("leg_hangup_cause", "int"),
    ("leg_talk_seconds", "float8"),
    ("leg_hold_seconds", "float8"),
)
EVENT_SPEC = (
    ("event_linkedid", "text"),
    ("seq", "int"),
    ("at", "timestamptz"),
    ("kind", "text"),
    ("event_uniqueid", "text"),
    ("detail", "text"),
)


def _strip(name: str) -> str:
    return name.removeprefix("leg_")


# The notifications :payloads, in order, each stamped with the moment it was sent (for
# latency breakdowns), when the term's gate g lets them through: the store's and ANNOUNCE's.
SEND_NOTES = """
    SELECT count(pg_notify(:notify_channel, CAST(
        CAST(p AS jsonb) || jsonb_build_object('sent_at', extract(epoch FROM clock_timestamp()))
    AS text))) AS sent
    FROM (SELECT p FROM unnest(CAST(:payloads AS text[])) WITH ORDINALITY AS u(p, k)
          WHERE (SELECT term_ok FROM g) ORDER BY k) ordered"""


# Calls, their legs, new timeline entries and the live notifications of the batch: one
# statement, so one round trip (and, outside a transaction, an atomic one whose NOTIFYs leave
# with it). A new call is linked to the one live client holding its number (a number held
# by several is left unlinked); the link is made at the first store and never changed here.
# A call's end is stored once: a row stored as ended is never reopened nor given another
# end (a state that would do so is left out, with its legs and timeline entries; a replay of
# the same end is harmless), so no late or repeated change can undo it.
# Each call event (ringing, answered, ended, missed) goes to the webhook endpoints subscribed
# to it from the same statement (callcenter/webhooks/calls.py).
# Under a leader's term nothing is written or sent unless the term's gate lets it through
# (g, evaluated once and first: each write reads it as an init plan), so a fenced batch
# needs no transaction of its own.
STORE_CALLS = text(
    f"""
WITH g AS MATERIALIZED (SELECT {TERM_GATE} AS term_ok
), was AS MATERIALIZED ({PREVIOUS}
), c AS (
    INSERT INTO calls (linkedid, pbx, client_id, {", ".join(CALL_COLUMNS)})
    SELECT linkedid, pbx,
        CASE WHEN number LIKE '+%' THEN {ONE_CLIENT.format("t.number")} END,
        {", ".join("string_to_array(agents, ',')" if c == "agents" else c for c in CALL_COLUMNS)}
    FROM {unnest_rows(CALL_SPEC)}
    WHERE (SELECT term_ok FROM g)
    ON CONFLICT (linkedid) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in CALL_COLUMNS)}, updated_at = now()
    WHERE calls.ended_at IS NULL OR calls.ended_at = EXCLUDED.ended_at
    RETURNING linkedid, id, client_id
), w AS (
    {call_deliveries(unnest_rows(CALL_SPEC), "c", "was")}
), l AS (
    INSERT INTO call_legs (uniqueid, call_id, {", ".join(LEG_COLUMNS[1:])})
    SELECT t.uniqueid, c.id, {", ".join(f"t.{n}" for n, _ in LEG_SPEC[2:])}
    FROM {unnest_rows(LEG_SPEC)} JOIN c ON c.linkedid = t.leg_linkedid
    ON CONFLICT (uniqueid) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in LEG_COLUMNS)}
), e AS (
    INSERT INTO call_events (call_id, seq, at, kind, uniqueid, detail)
    SELECT c.id, t.seq, t.at, t.kind, t.event_uniqueid, CAST(t.detail AS jsonb)
    FROM {unnest_rows(EVENT_SPEC)} JOIN c ON c.linkedid = t.event_linkedid
    ON CONFLICT (call_id, seq) DO NOTHING
), n AS ({SEND_NOTES}
)
SELECT (SELECT coalesce(json_object_agg(linkedid, id), '{{}}') FROM c) AS ids,
       (SELECT sent FROM n) AS notified, (SELECT term_ok FROM g) AS term_ok
"""
)


# The pops of calls starting to ring, sent ahead of their rows in a statement of their own
# whose commit does not wait for the WAL's flush to disk (set_config(..., true) lasts until
# the end of the statement's own transaction): the notifications are all it holds, and a
# notification is never kept by PostgreSQL anyway, so a crash loses nothing a flush would
# have saved. Under the mixed load the listener's commits waited on that flush, behind the
# import's and the export's disk traffic, for half the pops' tail. Fenced like the store.
ANNOUNCE = text(
    f"""
WITH g AS MATERIALIZED (SELECT {TERM_GATE} AS term_ok)
SELECT set_config('synchronous_commit', 'off', true) AS commit_mode,
    ({SEND_NOTES}) AS sent, (SELECT term_ok FROM g) AS term_ok
"""
)


async def announce(session: AsyncSession, notes: Sequence[Note], *, fence: Fence | None) -> None:
    """Send ``notes`` now, committed without waiting for the disk: run it in autocommit.
    With a ``fence``, only while its term leads (``NotLeading`` otherwise, nothing sent)."""
    params = {"notify_channel": CHANNEL, "payloads": payloads(notes)} | gate_params(fence)
    row = (await session.execute(ANNOUNCE, params)).one()
    if fence is not None and not row.term_ok:
        raise term_over(fence)


# the Call attributes stored as they are, in CALL_SPEC's order
_CALL_TIMES = attrgetter(*(name for name, _ in CALL_SPEC[7:11]))
_CALL_FIGURES = attrgetter(*(name for name, _ in CALL_SPEC[12:17]))
_LEG_VALUES = attrgetter(*(_strip(name) for name, _ in LEG_SPEC[5:]))


# Rows are tuples in their spec's order, transposed into columns by ``unnest_columns``:
# building a dict per row and reading it back cost a tenth of the listener's work.
def _call_rows(calls: list[Call], pbx: str, memory: StoreMemory) -> list[tuple[Any, ...]]:
    known = memory.call_ids
    return [
        (
            call.linkedid,
            pbx,
            "" if call.linkedid in known else customer_number(call),
            call.direction.value,
            call.caller,
            call.callee,
            call.queue,
            *_CALL_TIMES(call),
            call.outcome.value if call.outcome else None,
            *_CALL_FIGURES(call),
            ",".join(call.agents),
            call.end_uncertain,
            call.ended_latest_at,
        )
        for call in calls
    ]


def _leg_rows(call: Call, users: dict[str, int | None]) -> list[tuple[Any, ...]]:
    return [
        (
            leg.uniqueid,
            call.linkedid,
            leg.channel,
            leg.agent,
            users.get(extension_of(leg.agent)),
            *_LEG_VALUES(leg),
        )
        for leg in call.legs.values()
    ]


def _changed_legs(calls: list[Call], memory: StoreMemory) -> list[tuple[Any, ...]]:
    """The legs' rows not stored as they are now."""
    rows = []
    for call in calls:
        stored = memory.legs_stored.get(call.linkedid, {})
        rows += [row for row in _leg_rows(call, memory.users) if stored.get(row[0]) != row]
    return rows


def _event_rows(calls: list[Call], memory: StoreMemory) -> list[tuple[Any, ...]]:
    rows = []
    for call in calls:
        done = memory.timeline_stored.get(call.linkedid, 0)
        rows += [
            (
                call.linkedid,
                seq,
                e.at,
                e.kind,
                e.uniqueid,
                json.dumps(e.detail, ensure_ascii=False),
            )
            for seq, e in enumerate(call.timeline)
            if seq >= done
        ]
    return rows


async def save_calls(
    session: AsyncSession,
    calls: Iterable[Call],
    *,
    pbx: str = "default",
    memory: StoreMemory | None = None,
    notes: Sequence[Note] = (),
    fence: Fence | None = None,
) -> dict[str, int]:
    """Insert or update calls with their legs and new timeline entries, and send the live
    notifications ``notes`` (delivered at commit); Linkedid -> call id. One statement
    (after the first sight of an extension, which is looked up once). With a ``fence``,
    only while its term leads (``NotLeading`` otherwise, and nothing written).

    Idempotent: saving the same state twice changes nothing (a replay is harmless). A call
    stored as ended keeps that end: a state of it open or ended otherwise is not saved, and
    is missing from the answer. Call ``memory.forget`` only after the transaction commits,
    or keep a fresh memory per try.
    """
    memory = memory if memory is not None else StoreMemory()
    latest = list({call.linkedid: call for call in calls}.values())
    if not latest and not notes:
        return {}
    await _resolve_users(session, latest, memory)
    params: dict[str, Any] = {"notify_channel": CHANNEL, "payloads": payloads(notes)}
    params |= gate_params(fence)
    params |= unnest_columns(_call_rows(latest, pbx, memory), CALL_SPEC)
    params |= unnest_columns(_changed_legs(latest, memory), LEG_SPEC)
    params |= unnest_columns(_event_rows(latest, memory), EVENT_SPEC)
    row = (await session.execute(STORE_CALLS, params)).one()
    if fence is not None and not row.term_ok:
        raise term_over(fence)
    return {linkedid: int(call_id) for linkedid, call_id in row.ids.items()}


async def delete_merged_calls(session: AsyncSession, *, pbx: str, linkedids: Sequence[str]) -> None:
    """Delete the stored rows of calls that joined another (a phone picking a parked call
    up, 06d): their legs were stored with that call, so nothing of them is lost; a row
    stored as ended is a finished record and stays."""
    if linkedids:
        await session.execute(
            delete(CallRow).where(
                CallRow.pbx == pbx,
                CallRow.linkedid.in_(list(linkedids)),
                CallRow.ended_at.is_(None),
            )
        )


def remember(memory: StoreMemory, calls: Iterable[Call], ids: dict[str, int]) -> None:
    """After commit: what is now stored, so the next batch skips it."""
    for call in calls:
        if call.linkedid in ids:
            memory.call_ids[call.linkedid] = ids[call.linkedid]
            memory.timeline_stored[call.linkedid] = len(call.timeline)
            rows = _leg_rows(call, memory.users)
            memory.legs_stored[call.linkedid] = {row[0]: row for row in rows}


def customer_number_of_row(call: Any) -> str:
    """The outside party of a stored call (a ``CallRow``)."""
    return call.caller if call.direction == Direction.INBOUND.value else call.callee
