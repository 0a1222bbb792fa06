"""Storing many calls at once: a handful of set-based statements per batch, not rows one by one.

The PBX listener saves every call that changed in a batch of events; at tens of thousands of
events a second that is hundreds of calls, so each table gets one multi-row statement.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.records import Call, Direction
from callcenter.clients.models import Client, ClientPhone
from callcenter.db import unnest_insert, unnest_params
from callcenter.users.models import User

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
    how many timeline entries each has stored, and extension -> user."""

    call_ids: dict[str, int] = field(default_factory=dict)
    timeline_stored: dict[str, int] = field(default_factory=dict)
    users: dict[str, int | None] = field(default_factory=dict)

    def forget(self, linkedid: str) -> None:
        self.call_ids.pop(linkedid, None)
        self.timeline_stored.pop(linkedid, None)


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


async def match_clients(session: AsyncSession, numbers: Iterable[str]) -> dict[str, int]:
    """Number -> the one live client holding it (numbers held by several are left out)."""
    wanted = sorted({n for n in numbers if n.startswith("+")})
    if not wanted:
        return {}
    rows = await session.execute(
        select(ClientPhone.e164, func.min(Client.id))
        .join(Client, Client.id == ClientPhone.client_id)
        .where(ClientPhone.e164.in_(wanted), Client.merged_into_id.is_(None))
        .group_by(ClientPhone.e164)
        .having(func.count(func.distinct(Client.id)) == 1)
    )
    return {number: client_id for number, client_id in rows.all()}


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
    ("client_id", "int"),
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
)
UPSERT_CALLS = unnest_insert(
    "calls",
    CALL_SPEC,
    # the client is linked once, at the first store; agents travel as 'a,b' (no 2-D unnest)
    "ON CONFLICT (linkedid) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in CALL_COLUMNS)
    + ", updated_at = now() "
    "RETURNING linkedid, id",
    select_list=", ".join(n for n, _ in CALL_SPEC[:-1]) + ", string_to_array(agents, ',')",
)
LEG_SPEC = (
    ("uniqueid", "text"),
    ("call_id", "bigint"),
    ("channel", "text"),
    ("agent", "text"),
    ("user_id", "int"),
    ("started_at", "timestamptz"),
    ("answered_at", "timestamptz"),
    ("ended_at", "timestamptz"),
    ("hangup_cause", "int"),
    ("talk_seconds", "float8"),
    ("hold_seconds", "float8"),
)
UPSERT_LEGS = unnest_insert(
    "call_legs",
    LEG_SPEC,
    "ON CONFLICT (uniqueid) DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in LEG_COLUMNS),
)
EVENT_SPEC = (
    ("call_id", "bigint"),
    ("seq", "int"),
    ("at", "timestamptz"),
    ("kind", "text"),
    ("uniqueid", "text"),
    ("detail", "text"),
)
INSERT_EVENTS = unnest_insert(
    "call_events",
    EVENT_SPEC,
    "ON CONFLICT (call_id, seq) DO NOTHING",
    select_list="call_id, seq, at, kind, uniqueid, CAST(detail AS jsonb)",
)


async def _upsert_calls(
    session: AsyncSession, calls: list[Call], pbx: str, clients: dict[str, int]
) -> dict[str, int]:
    rows = [
        {
            "linkedid": c.linkedid,
            "pbx": pbx,
            "client_id": clients.get(customer_number(c)),
            "direction": c.direction.value,
            "outcome": c.outcome.value if c.outcome else None,
            "agents": ",".join(c.agents),
            **{
                name: getattr(c, name)
                for name in CALL_COLUMNS
                if name not in ("direction", "outcome", "agents")
            },
        }
        for c in calls
    ]
    result = await session.execute(UPSERT_CALLS, unnest_params(rows, CALL_SPEC))
    return {linkedid: call_id for linkedid, call_id in result.all()}


async def _upsert_legs(
    session: AsyncSession, calls: list[Call], ids: dict[str, int], memory: StoreMemory
) -> None:
    rows = [
        {
            "uniqueid": leg.uniqueid,
            "call_id": ids[call.linkedid],
            "channel": leg.channel,
            "agent": leg.agent,
            "user_id": memory.users.get(extension_of(leg.agent)),
            "started_at": leg.started_at,
            "answered_at": leg.answered_at,
            "ended_at": leg.ended_at,
            "hangup_cause": leg.hangup_cause,
            "talk_seconds": leg.talk_seconds,
            "hold_seconds": leg.hold_seconds,
        }
        for call in calls
        for leg in call.legs.values()
    ]
    if rows:
        await session.execute(UPSERT_LEGS, unnest_params(rows, LEG_SPEC))


async def _insert_timeline(
    session: AsyncSession, calls: list[Call], ids: dict[str, int], memory: StoreMemory
) -> None:
    rows = []
    for call in calls:
        done = memory.timeline_stored.get(call.linkedid, 0)
        rows += [
            {
                "call_id": ids[call.linkedid],
                "seq": seq,
                "at": e.at,
                "kind": e.kind,
                "uniqueid": e.uniqueid,
                "detail": json.dumps(e.detail, ensure_ascii=False),
            }
            for seq, e in enumerate(call.timeline)
            if seq >= done
        ]
    if rows:
        await session.execute(INSERT_EVENTS, unnest_params(rows, EVENT_SPEC))


async def save_calls(
    session: AsyncSession,
    calls: Iterable[Call],
    *,
    pbx: str = "default",
    memory: StoreMemory | None = None,
) -> dict[str, int]:
    """Insert or update calls with their legs and new timeline entries; Linkedid -> call id.

    Idempotent: saving the same state twice changes nothing (a replay is harmless). Call
    ``memory.forget`` only after the transaction commits, or keep a fresh memory per try.
    """
    memory = memory if memory is not None else StoreMemory()
    latest = list({call.linkedid: call for call in calls}.values())
    if not latest:
        return {}
    new = [c for c in latest if c.linkedid not in memory.call_ids]
    clients = await match_clients(session, (customer_number(c) for c in new))
    await _resolve_users(session, latest, memory)
    ids = await _upsert_calls(session, latest, pbx, clients)
    await _upsert_legs(session, latest, ids, memory)
    await _insert_timeline(session, latest, ids, memory)
    return ids


def remember(memory: StoreMemory, calls: Iterable[Call], ids: dict[str, int]) -> None:
    """After commit: what is now stored, so the next batch skips it."""
    for call in calls:
        if call.linkedid in ids:
            memory.call_ids[call.linkedid] = ids[call.linkedid]
            memory.timeline_stored[call.linkedid] = len(call.timeline)


def customer_number_of_row(call: Any) -> str:
    """The outside party of a stored call (a ``CallRow``)."""
    return call.caller if call.direction == Direction.INBOUND.value else call.callee
