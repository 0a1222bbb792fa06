"""The calls report's sums over its period, read from the hourly rollups (never raw rows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.reports.filters import ReportFilters

_PERIOD = "hour >= :since AND hour < :until"
_QUEUE = " AND (CAST(:queue AS text) = '' OR queue = :queue)"

_BY_DIRECTION = text(
    f"""
    SELECT direction, sum(calls) AS calls, sum(answered) AS answered, sum(missed) AS missed,
      sum(abandoned) AS abandoned, sum(talk) AS talk, sum(hold) AS hold
    FROM report_call_hours WHERE {_PERIOD}{_QUEUE}
    GROUP BY direction ORDER BY direction
    """
)
_BY_QUEUE = text(
    """
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
    FROM report_queue_hours r
    LEFT JOIN LATERAL (SELECT title, service_level_seconds, wrapup_seconds FROM queues
      WHERE name = r.queue ORDER BY pbx = 'default' DESC, id LIMIT 1) q ON true
    WHERE r.hour >= :since AND r.hour < :until
      AND (CAST(:queue AS text) = '' OR r.queue = :queue)
    GROUP BY r.queue ORDER BY r.queue
    """
)
_HEAT = text(
    f"""
    SELECT extract(isodow FROM hour AT TIME ZONE :tz)::int AS weekday,
      extract(hour FROM hour AT TIME ZONE :tz)::int AS local_hour, sum(calls) AS calls
    FROM report_call_hours WHERE direction = 'inbound' AND {_PERIOD}{_QUEUE}
    GROUP BY 1, 2
    """
)
_BY_DAY = text(
    f"""
    SELECT (hour AT TIME ZONE :tz)::date AS day, sum(offered) AS offered,
      sum(answered) AS answered, sum(abandoned) AS abandoned, sum(completed) AS completed,
      sum(completed_in_sl) AS completed_in_sl
    FROM report_queue_hours WHERE {_PERIOD}{_QUEUE}
    GROUP BY 1 ORDER BY 1
    """
)
_BY_AGENT = text(
    f"""
    SELECT agent,
      sum(answered) FILTER (WHERE queue <> '') AS queue_answered,
      sum(completed) FILTER (WHERE queue <> '') AS queue_completed,
      sum(talk) FILTER (WHERE queue <> '') AS queue_talk,
      sum(calls) FILTER (WHERE queue = '' AND direction = 'outbound') AS outbound_calls,
      sum(answered) FILTER (WHERE queue = '' AND direction = 'outbound') AS outbound_answered,
      sum(talk) FILTER (WHERE queue = '' AND direction = 'outbound') AS outbound_talk,
      sum(answered) FILTER (WHERE queue = '' AND direction <> 'outbound') AS other_answered,
      sum(talk) FILTER (WHERE queue = '' AND direction <> 'outbound') AS other_talk
    FROM report_agent_hours WHERE {_PERIOD}{_QUEUE}
    GROUP BY agent ORDER BY agent
    """
)
_AGENT_TIME = text(
    f"""
    SELECT agent, status, reason, sum(seconds) AS seconds
    FROM report_agent_state_hours WHERE {_PERIOD}
    GROUP BY agent, status, reason ORDER BY agent, status, reason
    """
)
_MISSED = text(
    f"""
    SELECT queue, sum(missed) AS missed, sum(callback_due) AS due,
      sum(called_back) AS called_back, sum(called_back_1h) AS called_back_1h,
      sum(callback_seconds) AS callback_seconds
    FROM report_call_hours WHERE direction = 'inbound' AND {_PERIOD}{_QUEUE}
    GROUP BY queue HAVING sum(missed) > 0 ORDER BY queue
    """
)
_NAMES = text(
    """
    SELECT extension, coalesce(nullif(full_name, ''), login) FROM users
    WHERE extension = ANY(:agents)
    UNION ALL
    SELECT extension, name FROM agents WHERE extension = ANY(:agents) AND name <> ''
    """
)
QUERIES = {
    "directions": _BY_DIRECTION,
    "queues": _BY_QUEUE,
    "heat": _HEAT,
    "days": _BY_DAY,
    "agents": _BY_AGENT,
    "agent_time": _AGENT_TIME,
    "missed": _MISSED,
}


async def call_sums(session: AsyncSession, filters: ReportFilters) -> dict[str, list[Any]]:
    """Each query's rows (as mappings) for the filters' period, queue and time zone."""
    params = {
        "since": filters.since,
        "until": filters.until,
        "queue": filters.queue,
        "tz": filters.timezone,
    }
    found: dict[str, list[Any]] = {}
    for name, query in QUERIES.items():
        found[name] = list((await session.execute(query, params)).mappings())
    return found


async def agent_names(session: AsyncSession, agents: set[str]) -> dict[str, str]:
    """Extension -> the user's name (else the PBX's member name, else the extension)."""
    names: dict[str, str] = {}
    for extension, name in await session.execute(_NAMES, {"agents": sorted(agents)}):
        names.setdefault(extension, name)
    return names
