"""The calls report's sums over its period, read from the hourly rollups (never raw rows).

Unfiltered, each query reads the plain hourly table; kept to one of the client's owner,
channel, segment or the placing campaign, it reads that dimension's slice; kept to two or
more, the cube that has them all (``models.py``). Agents' time has no client: only the
period (and, for a manager kept to own clients, their own extension) applies to it; its
whole UTC days are read from their daily sums, only the hours at either end by the hour.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import Base
from callcenter.reports.calls.models import CUBES, DIMENSIONS, SLICES
from callcenter.reports.filters import ReportFilters, kept_columns
from callcenter.reports.rollups.days import whole_days

_PERIOD = "hour >= :since AND hour < :until AND (CAST(:queue AS text) = '' OR queue = :queue)"

_BY_DIRECTION = """
    SELECT direction, sum(calls) AS calls, sum(answered) AS answered, sum(missed) AS missed,
      sum(abandoned) AS abandoned, sum(talk) AS talk, sum(hold) AS hold
    FROM {calls} WHERE {period}
    GROUP BY direction ORDER BY direction
"""
_BY_QUEUE = """
    SELECT r.queue, max(coalesce(nullif(q.title, ''), r.queue)) AS title,
      max(coalesce(q.wrapup_seconds, 0)) AS wrapup, max(r.threshold) AS threshold,
      sum(offered) AS offered, sum(answered) AS answered, sum(answered_in_sl) AS answered_in_sl,
      sum(answered_wait) AS answered_wait, sum(completed) AS completed,
      sum(completed_in_sl) AS completed_in_sl, sum(completed_talk) AS completed_talk,
      sum(abandoned) AS abandoned, sum(abandoned_in_sl) AS abandoned_in_sl,
      sum(abandoned_short) AS abandoned_short, sum(abandoned_wait) AS abandoned_wait,
      sum(abandoned_10) AS abandoned_10, sum(abandoned_30) AS abandoned_30,
      sum(abandoned_60) AS abandoned_60, sum(abandoned_120) AS abandoned_120,
      sum(exited) AS exited, max(max_wait) AS max_wait
    FROM (SELECT * FROM {queues} WHERE {period}) r
    LEFT JOIN LATERAL (SELECT title, service_level_seconds, wrapup_seconds FROM queues
      WHERE name = r.queue ORDER BY pbx = 'default' DESC, id LIMIT 1) q ON true
    GROUP BY r.queue ORDER BY r.queue
"""
_HEAT = """
    SELECT extract(isodow FROM hour AT TIME ZONE :tz)::int AS weekday,
      extract(hour FROM hour AT TIME ZONE :tz)::int AS local_hour, sum(calls) AS calls
    FROM {calls} WHERE direction = 'inbound' AND {period}
    GROUP BY 1, 2
"""
_BY_DAY = """
    SELECT (hour AT TIME ZONE :tz)::date AS day, sum(offered) AS offered,
      sum(answered) AS answered, sum(abandoned) AS abandoned, sum(completed) AS completed,
      sum(completed_in_sl) AS completed_in_sl
    FROM {queues} WHERE {period}
    GROUP BY 1 ORDER BY 1
"""
_BY_AGENT = """
    SELECT agent,
      sum(answered) FILTER (WHERE queue <> '') AS queue_answered,
      sum(completed) FILTER (WHERE queue <> '') AS queue_completed,
      sum(talk) FILTER (WHERE queue <> '') AS queue_talk,
      sum(calls) FILTER (WHERE queue = '' AND direction = 'outbound') AS outbound_calls,
      sum(answered) FILTER (WHERE queue = '' AND direction = 'outbound') AS outbound_answered,
      sum(talk) FILTER (WHERE queue = '' AND direction = 'outbound') AS outbound_talk,
      sum(answered) FILTER (WHERE queue = '' AND direction <> 'outbound') AS other_answered,
      sum(talk) FILTER (WHERE queue = '' AND direction <> 'outbound') AS other_talk
    FROM {agents} WHERE {period}
    GROUP BY agent ORDER BY agent
"""
_MISSED = """
    SELECT queue, sum(calls) AS calls, sum(missed) AS missed, sum(callback_due) AS due,
      sum(called_back) AS called_back, sum(called_back_1h) AS called_back_1h,
      sum(callback_seconds) AS callback_seconds
    FROM {calls} WHERE direction = 'inbound' AND {period}
    GROUP BY queue ORDER BY queue
"""
QUERIES = {
    "directions": _BY_DIRECTION,
    "queues": _BY_QUEUE,
    "heat": _HEAT,
    "days": _BY_DAY,
    "agents": _BY_AGENT,
    "missed": _MISSED,
}
# the hours before the period's first whole UTC day, its whole days, the hours after them
# (a year of hours is 3M rows at 1,000 agents: 370 ms, 1.5 s once planned generically).
# Two statements, not "(:agent IS NULL OR agent = :agent)": once PostgreSQL plans that one
# generically (from its sixth run) it reads every agent's rows even for one agent
_AGENT_TIME = """
    SELECT agent, status, reason, sum(seconds) AS seconds FROM (
      SELECT agent, status, reason, seconds FROM report_agent_state_hours
      WHERE hour >= :since AND hour < :first{agent}
      UNION ALL
      SELECT agent, status, reason, seconds FROM report_agent_state_days
      WHERE day >= :first AND day < :last{agent}
      UNION ALL
      SELECT agent, status, reason, seconds FROM report_agent_state_hours
      WHERE hour >= :last AND hour < :until{agent}
    ) t
    GROUP BY agent, status, reason ORDER BY agent, status, reason
"""
_EVERY_AGENTS_TIME = text(_AGENT_TIME.format(agent=""))
_ONE_AGENTS_TIME = text(_AGENT_TIME.format(agent=" AND agent = :agent"))
_NAMES = text(
    """
    SELECT extension, coalesce(nullif(full_name, ''), login) FROM users
    WHERE extension = ANY(:agents)
    UNION ALL
    SELECT extension, name FROM agents WHERE extension = ANY(:agents) AND name <> ''
    """
)


def client_filters(filters: ReportFilters) -> dict[str, int]:
    """The dimensions the filters keep the calls to: {column: id}."""
    return kept_columns(filters, DIMENSIONS, manager="owner_id")


def table_for(base: str, kept: dict[str, int]) -> Table:
    """The narrowest of the plain table, its slices and its cube that has the kept columns."""
    narrow = (Base.metadata.tables[base], *SLICES[base])
    return next((t for t in narrow if set(kept) <= set(t.c.keys())), CUBES[base])


async def call_sums(
    session: AsyncSession, filters: ReportFilters, *, own_agent: str | None = None
) -> dict[str, list[Any]]:
    """Each query's rows (as mappings) for the filters' period, queue, dimensions and time
    zone; agents' time of ``own_agent`` only when given (a manager kept to own figures)."""
    kept = client_filters(filters)
    period = _PERIOD + "".join(f" AND {column} = :{column}" for column in kept)
    tables = {
        name: table_for(f"report_{name[:-1]}_hours", kept).name
        for name in ("calls", "queues", "agents")
    }
    params = {
        "since": filters.since,
        "until": filters.until,
        "queue": filters.queue,
        "tz": filters.timezone,
        **kept,
    }
    found: dict[str, list[Any]] = {}
    for name, query in QUERIES.items():
        statement = text(query.format(period=period, **tables))
        found[name] = list((await session.execute(statement, params)).mappings())
    first, last = whole_days(filters.since, filters.until)
    span = {"since": filters.since, "first": first, "last": last, "until": filters.until}
    if own_agent is None:
        times = await session.execute(_EVERY_AGENTS_TIME, span)
    else:
        times = await session.execute(_ONE_AGENTS_TIME, {**span, "agent": own_agent})
    found["agent_time"] = list(times.mappings())
    return found


async def agent_names(session: AsyncSession, agents: set[str]) -> dict[str, str]:
    """Extension -> the user's name (else the PBX's member name, else the extension)."""
    names: dict[str, str] = {}
    for extension, name in await session.execute(_NAMES, {"agents": sorted(agents)}):
        names.setdefault(extension, name)
    return names
