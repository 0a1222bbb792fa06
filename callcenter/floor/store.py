"""Storing what the floor board reports: agents now, their past statuses, queue visits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import unnest_insert, unnest_params
from callcenter.floor.models import QueueRow, StintRow
from callcenter.floor.records import AgentChange, AgentSnapshot, QueueSeen, Stint, StintOutcome

AGENT_STATE_SPEC = (
    ("pbx", "text"),
    ("interface", "text"),
    ("extension", "text"),
    ("status", "text"),
    ("reason", "text"),
    ("started_at", "timestamptz"),
    ("ended_at", "timestamptz"),
)
INSERT_AGENT_STATES = unnest_insert("agent_states", AGENT_STATE_SPEC, "")
AGENT_SPEC = (
    ("pbx", "text"),
    ("interface", "text"),
    ("extension", "text"),
    ("name", "text"),
    ("status", "text"),
    ("reason", "text"),
    ("since", "timestamptz"),
    ("queues", "text"),
    ("paused_queues", "text"),
    ("linkedid", "text"),
    ("queue", "text"),
    ("wrapup_until", "timestamptz"),
)
_SPLIT = "string_to_array({0}, E'\\x1f')"  # queue names travel joined (no 2-D unnest)
UPSERT_AGENTS = unnest_insert(
    "agents",
    AGENT_SPEC,
    "ON CONFLICT (pbx, interface) DO UPDATE SET "
    + ", ".join(f"{n} = EXCLUDED.{n}" for n, _ in AGENT_SPEC[2:]),
    select_list=", ".join(
        _SPLIT.format(n) if n in ("queues", "paused_queues") else n for n, _ in AGENT_SPEC
    ),
)
STINT_SPEC = (
    ("key", "text"),
    ("pbx", "text"),
    ("queue", "text"),
    ("linkedid", "text"),
    ("uniqueid", "text"),
    ("caller", "text"),
    ("entered_at", "timestamptz"),
    ("outcome", "text"),
    ("position", "int"),
    ("connected_at", "timestamptz"),
    ("ended_at", "timestamptz"),
    ("wait_seconds", "int"),
    ("talk_seconds", "int"),
    ("agent", "text"),
    ("ended_by", "text"),
)
UPSERT_STINTS = unnest_insert(
    "queue_stints",
    STINT_SPEC,
    "ON CONFLICT (key) DO UPDATE SET "
    + ", ".join(f"{n} = EXCLUDED.{n}" for n, _ in STINT_SPEC[2:]),
)


async def save_agents(session: AsyncSession, *, pbx: str, changes: list[AgentChange]) -> None:
    """Each agent's latest status, and the stretches its changes finished (a change that
    keeps the status and its reason, only the paused queues moving, finishes none)."""
    if not changes:
        return
    finished = [
        {
            "pbx": pbx,
            "interface": c.agent.interface,
            "extension": c.agent.extension,
            "status": c.previous.value,
            "reason": c.previous_reason,
            "started_at": c.previous_since,
            "ended_at": c.at,
        }
        for c in changes
        if c.at > c.previous_since
        and (c.previous != c.agent.status or c.previous_reason != c.agent.reason)
    ]
    if finished:
        await session.execute(INSERT_AGENT_STATES, unnest_params(finished, AGENT_STATE_SPEC))
    await upsert_agents(session, pbx=pbx, agents=[c.agent for c in changes])


async def upsert_agents(
    session: AsyncSession, *, pbx: str, agents: Iterable[AgentSnapshot]
) -> None:
    latest = {a.interface: a for a in agents}
    if not latest:
        return
    rows = [{**_agent_row(a), "pbx": pbx} for a in latest.values()]
    await session.execute(UPSERT_AGENTS, unnest_params(rows, AGENT_SPEC))


def _agent_row(agent: AgentSnapshot) -> dict[str, Any]:
    row = _shallow(agent)
    row["status"] = agent.status.value
    row["queues"] = "\x1f".join(agent.queues)
    row["paused_queues"] = "\x1f".join(agent.paused_queues)
    return row


def _shallow(record: Any) -> dict[str, Any]:
    """A record's fields as a dict, not copied deep (``asdict`` copies every tuple)."""
    names = _FIELD_NAMES.get(type(record))
    if names is None:
        names = _FIELD_NAMES[type(record)] = tuple(f.name for f in fields(record))
    return {name: getattr(record, name) for name in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


async def save_stints(session: AsyncSession, *, pbx: str, stints: list[Stint]) -> None:
    latest = {s.key: s for s in stints}
    if not latest:
        return
    rows = [{**_shallow(s), "outcome": s.outcome.value, "pbx": pbx} for s in latest.values()]
    await session.execute(UPSERT_STINTS, unnest_params(rows, STINT_SPEC))


async def save_queues_seen(
    session: AsyncSession, *, pbx: str, seen: list[QueueSeen], at: datetime
) -> None:
    """The PBX's queue list (after a QueueStatus): new ones appear, gone ones are marked."""
    if not seen:
        return
    rows = [
        {
            "pbx": pbx,
            "name": q.name,
            "title": "",
            "strategy": q.strategy,
            "pbx_service_level_seconds": q.service_level_seconds,
            "service_level_seconds": q.service_level_seconds or 20,
            "wrapup_seconds": 0,
            "on_pbx": True,
            "seen_at": at,
            "allowed_user_ids": [],
        }
        for q in seen
    ]
    statement = insert(QueueRow).values(rows)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["pbx", "name"],
            set_={
                "strategy": statement.excluded.strategy,
                "pbx_service_level_seconds": statement.excluded.pbx_service_level_seconds,
                "on_pbx": True,
                "seen_at": at,
            },
        )
    )
    await session.execute(
        update(QueueRow)
        .where(QueueRow.pbx == pbx, QueueRow.name.not_in([q.name for q in seen]))
        .values(on_pbx=False)
    )


async def wrapup_settings(session: AsyncSession, *, pbx: str) -> dict[str, int]:
    rows = await session.execute(
        text("SELECT name, wrapup_seconds FROM queues WHERE pbx = :pbx AND wrapup_seconds > 0"),
        {"pbx": pbx},
    )
    return {name: seconds for name, seconds in rows}


async def open_stints(session: AsyncSession, *, pbx: str) -> list[Stint]:
    """The queue visits of ``pbx`` stored open (waiting, connected): what a new leader adopts."""
    rows = await session.scalars(
        select(StintRow)
        .where(StintRow.pbx == pbx, StintRow.outcome.in_(("waiting", "connected")))
        .order_by(StintRow.entered_at)
    )
    names = [f.name for f in fields(Stint) if f.name != "outcome"]
    return [
        Stint(**{name: getattr(row, name) for name in names}, outcome=StintOutcome(row.outcome))
        for row in rows
    ]


async def stored_stint_keys(session: AsyncSession, *, keys: list[str]) -> set[str]:
    """Which of these queue visits are stored (whatever their outcome)."""
    if not keys:
        return set()
    return set(await session.scalars(select(StintRow.key).where(StintRow.key.in_(keys))))
