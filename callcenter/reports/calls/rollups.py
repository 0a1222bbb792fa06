"""Keeping the calls report's rollups fresh: which hours changed, and rebuilding an hour.

Calls are stamped (``updated_at``) on every save and their queue visits are saved with them,
so the hours touched since a moment are those of the calls saved since, and of their
visits; a callback (an outbound call) touches the hours of the missed calls it answers; a
queue's changed service-level threshold touches every hour of that queue; a client saved
(another owner, channel or segment) touches the hours of their calls.

An hour is built from the raw rows once, into the cubes that keep each call's client's owner,
channel and segment and the campaign that placed the call (``models.CUBES``); the
report's plain tables and the cubes' slices are then summed from the cubes. Agent stretches
are stored as they end (``ended_at``) and touch every hour they cover; the UTC days of the
rebuilt hours are summed again from the hours, for long periods to read. Only ended calls and
finished stretches are counted; a live call counts once it ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import Base
from callcenter.reports.calls.models import CUBES, SLICES
from callcenter.reports.rollups.days import DAY, utc_midnight
from callcenter.reports.rollups.deletions import deleted_buckets
from callcenter.reports.rollups.refresh import Rollup

# THE lost call, for every figure of the calls report (its note says it in words): an inbound
# call, one conversation, that ended with nobody answering it, however it ended (abandoned in
# a queue, not answered, busy, failed). Its column in the rollups is ``missed``.
LOST_CALL = "c.direction = 'inbound' AND c.outcome IS DISTINCT FROM 'answered'"
SHORT_ABANDON_SECONDS = 5  # an abandon this quick is a short abandon (metrics note 1.2)
CALLBACK_DAYS = 7  # a missed call is called back by an outbound call within this
EXTENSION = r"regexp_replace({}, '^(?:[^/]+/)?([^@;/]+).*$', '\1')"  # PJSIP/101, Local/101@..

_CALL_HOURS = text(
    """
    SELECT date_trunc('hour', c.started_at) FROM calls c
    WHERE c.updated_at > :since
    UNION
    SELECT date_trunc('hour', s.entered_at) FROM calls c
    JOIN queue_stints s ON s.linkedid = c.linkedid WHERE c.updated_at > :since
    UNION
    SELECT date_trunc('hour', m.started_at) FROM calls o
    JOIN calls m ON m.caller = o.callee AND m.direction = 'inbound'
      AND m.started_at > o.started_at - make_interval(days => :days)
      AND m.started_at <= o.started_at
    WHERE o.updated_at > :since AND o.direction = 'outbound' AND o.callee LIKE '+%'
    UNION
    SELECT date_trunc('hour', c.started_at) FROM clients k
    JOIN calls c ON c.client_id = k.id WHERE k.updated_at > :since
    UNION
    SELECT date_trunc('hour', s.entered_at) FROM clients k
    JOIN calls c ON c.client_id = k.id
    JOIN queue_stints s ON s.linkedid = c.linkedid WHERE k.updated_at > :since
    UNION
    SELECT r.hour FROM report_queue_hours r
    LEFT JOIN LATERAL (SELECT title, service_level_seconds, wrapup_seconds FROM queues
      WHERE name = r.queue ORDER BY pbx = 'default' DESC, id LIMIT 1) q ON true
    WHERE r.threshold <> coalesce(q.service_level_seconds, 20)
    UNION
    """
    + deleted_buckets("hour")  # hard-deleted calls, and the calls of deleted clients
)
_ALL_CALL_HOURS = text(
    "SELECT DISTINCT date_trunc('hour', started_at) FROM calls "
    "UNION SELECT DISTINCT date_trunc('hour', entered_at) FROM queue_stints"
)


async def touched_call_hours(session: AsyncSession, since: datetime | None) -> Iterable[datetime]:
    if since is None:
        return list(await session.scalars(_ALL_CALL_HOURS))
    return list(await session.scalars(_CALL_HOURS, {"since": since, "days": CALLBACK_DAYS}))


# :hours is the chunk; :first/:last bound it for the indexes on started_at / entered_at
_IN_HOURS = "{t} >= :first AND {t} < :last AND date_trunc('hour', {t}) = ANY(:hours)"
# the call's client's owner, channel and segment (as the sales reports take them) and the
# campaign whose attempt placed it (by linkedid); 0 for none. The attempt must be looked up
# by linkedid, and two plans did not: a bare min(campaign_id) read the attempts in campaign
# order filtering each by linkedid, and where most attempts have no linkedid yet ('': not
# connected, or a young database) the planner expected every attempt to match and read
# them all, for each call (at 1.4M attempts one week's hours took over 20 minutes). Hence
# "+ 0", and "<> ''", which tells it the match is rare.
_DIMENSIONS = """
    LEFT JOIN clients k ON k.id = c.client_id
    LEFT JOIN LATERAL (SELECT min(a.campaign_id + 0) AS id FROM campaign_attempts a
                       WHERE a.linkedid = c.linkedid AND a.linkedid <> '') camp ON true
"""
_DIMENSION_VALUES = (
    "coalesce(k.owner_id, 0) AS owner_id, coalesce(k.channel_id, 0) AS channel_id, "
    "coalesce(k.segment_id, 0) AS segment_id, coalesce(camp.id, 0) AS campaign_id"
)
_DIMENSION_NAMES = "owner_id, channel_id, segment_id, campaign_id"

_REBUILD_CALLS = text(
    f"""
    INSERT INTO report_call_client_hours ({_DIMENSION_NAMES}, hour, direction, queue, calls,
      answered, missed, abandoned, answered_wait, talk, hold, callback_due, called_back,
      called_back_1h, callback_seconds)
    SELECT {_DIMENSION_VALUES}, date_trunc('hour', c.started_at), c.direction, c.queue,
      count(*),
      count(*) FILTER (WHERE c.outcome = 'answered'),
      count(*) FILTER (WHERE lost.lost),
      count(*) FILTER (WHERE c.outcome = 'abandoned'),
      coalesce(sum(c.wait_seconds) FILTER (WHERE c.outcome = 'answered'), 0),
      coalesce(sum(c.talk_seconds), 0), coalesce(sum(c.hold_seconds), 0),
      count(*) FILTER (WHERE due.missed),
      count(cb.at),
      count(*) FILTER (WHERE cb.at - c.ended_at <= interval '1 hour'),
      coalesce(sum(extract(epoch FROM cb.at - c.ended_at)), 0)
    FROM calls c {_DIMENSIONS}
    CROSS JOIN LATERAL (SELECT {LOST_CALL} AS lost) lost
    CROSS JOIN LATERAL (SELECT lost.lost AND c.caller LIKE '+%' AS missed) due
    LEFT JOIN LATERAL (
      SELECT min(o.started_at) AS at FROM calls o
      WHERE due.missed AND o.callee = c.caller AND o.direction = 'outbound'
        AND o.started_at >= c.ended_at
        AND o.started_at < c.ended_at + make_interval(days => :days)) cb ON true
    WHERE {_IN_HOURS.format(t="c.started_at")} AND c.ended_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    """
)
_REBUILD_QUEUES = text(
    f"""
    INSERT INTO report_queue_client_hours ({_DIMENSION_NAMES}, hour, queue, threshold, offered,
      answered, answered_in_sl, answered_wait, completed, completed_in_sl, completed_talk,
      abandoned, abandoned_in_sl, abandoned_short, abandoned_wait, abandoned_10, abandoned_30,
      abandoned_60, abandoned_120, exited, max_wait)
    SELECT {_DIMENSION_VALUES}, date_trunc('hour', s.entered_at), s.queue, max(t.sl),
      count(*) FILTER (WHERE s.outcome <> 'lost'),
      count(*) FILTER (WHERE s.connected_at IS NOT NULL),
      count(*) FILTER (WHERE s.connected_at IS NOT NULL AND s.wait_seconds <= t.sl),
      coalesce(sum(s.wait_seconds) FILTER (WHERE s.connected_at IS NOT NULL), 0),
      count(*) FILTER (WHERE s.outcome = 'completed'),
      count(*) FILTER (WHERE s.outcome = 'completed' AND s.wait_seconds <= t.sl),
      coalesce(sum(s.talk_seconds) FILTER (WHERE s.outcome = 'completed'), 0),
      count(*) FILTER (WHERE s.outcome = 'abandoned'),
      count(*) FILTER (WHERE s.outcome = 'abandoned' AND s.wait_seconds <= t.sl),
      count(*) FILTER (WHERE s.outcome = 'abandoned' AND s.wait_seconds < :short),
      coalesce(sum(s.wait_seconds) FILTER (WHERE s.outcome = 'abandoned'), 0),
      count(*) FILTER (WHERE s.outcome = 'abandoned' AND s.wait_seconds <= 10),
      count(*) FILTER (WHERE s.outcome = 'abandoned' AND s.wait_seconds BETWEEN 11 AND 30),
      count(*) FILTER (WHERE s.outcome = 'abandoned' AND s.wait_seconds BETWEEN 31 AND 60),
      count(*) FILTER (WHERE s.outcome = 'abandoned' AND s.wait_seconds BETWEEN 61 AND 120),
      count(*) FILTER (WHERE s.outcome = 'exited'),
      coalesce(max(s.wait_seconds) FILTER (WHERE s.outcome <> 'lost'), 0)
    FROM queue_stints s
    LEFT JOIN calls c ON c.linkedid = s.linkedid {_DIMENSIONS}
    LEFT JOIN queues q ON q.pbx = s.pbx AND q.name = s.queue
    CROSS JOIN LATERAL (SELECT coalesce(q.service_level_seconds, 20) AS sl) t
    WHERE {_IN_HOURS.format(t="s.entered_at")}
    GROUP BY 1, 2, 3, 4, 5, 6
    """
)
_REBUILD_AGENTS = text(
    f"""
    INSERT INTO report_agent_client_hours ({_DIMENSION_NAMES}, hour, agent, queue, direction,
      calls, answered, completed, talk)
    SELECT {_DIMENSION_NAMES}, hour, agent, queue, direction, sum(calls), sum(answered),
      sum(completed), sum(talk)
    FROM (
      SELECT {_DIMENSION_VALUES}, date_trunc('hour', s.entered_at) AS hour,
        {EXTENSION.format("s.agent")} AS agent, s.queue, 'inbound' AS direction,
        count(*) AS calls,
        count(*) FILTER (WHERE s.connected_at IS NOT NULL) AS answered,
        count(*) FILTER (WHERE s.outcome = 'completed') AS completed,
        coalesce(sum(s.talk_seconds) FILTER (WHERE s.outcome = 'completed'), 0) AS talk
      FROM queue_stints s
      LEFT JOIN calls c ON c.linkedid = s.linkedid {_DIMENSIONS}
      WHERE s.agent <> '' AND {_IN_HOURS.format(t="s.entered_at")}
      GROUP BY 1, 2, 3, 4, 5, 6, 7
      UNION ALL
      SELECT {_DIMENSION_VALUES}, date_trunc('hour', c.started_at),
        {EXTENSION.format("l.agent")}, '', c.direction,
        count(*), count(*) FILTER (WHERE l.answered_at IS NOT NULL),
        count(*) FILTER (WHERE l.answered_at IS NOT NULL AND l.ended_at IS NOT NULL),
        coalesce(sum(l.talk_seconds), 0)
      FROM calls c JOIN call_legs l ON l.call_id = c.id {_DIMENSIONS}
      WHERE c.queue = '' AND l.agent <> '' AND c.ended_at IS NOT NULL
        AND {_IN_HOURS.format(t="c.started_at")}
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    ) taken
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    """
)
_LARGEST = ("threshold", "max_wait")  # summed from the cube by max(), every other by sum()


def _bounds(hours: list[datetime]) -> dict[str, object]:
    return {"hours": hours, "first": min(hours), "last": max(hours) + timedelta(hours=1)}


def _summed(cube: Table, narrow: Table, hours: list[datetime]) -> Any:
    """INSERT the narrower table's rows of these hours, summed from the cube."""
    dims = [cube.c[c.name] for c in narrow.columns if c.primary_key]
    sums = [
        (func.max if c.name in _LARGEST else func.sum)(cube.c[c.name])
        for c in narrow.columns
        if not c.primary_key
    ]
    rows = select(*dims, *sums).where(cube.c.hour.in_(hours)).group_by(*dims)
    return narrow.insert().from_select([c.name for c in narrow.columns], rows)


async def rebuild_call_hours(session: AsyncSession, hours: list[datetime]) -> None:
    bounds = _bounds(hours)
    for base, cube in CUBES.items():
        for table in (base, cube.name, *(t.name for t in SLICES[base])):
            await session.execute(text(f"DELETE FROM {table} WHERE hour = ANY(:hours)"), bounds)
    await session.execute(_REBUILD_CALLS, {**bounds, "days": CALLBACK_DAYS})
    await session.execute(_REBUILD_QUEUES, {**bounds, "short": SHORT_ABANDON_SECONDS})
    await session.execute(_REBUILD_AGENTS, bounds)
    for base, cube in CUBES.items():
        for narrow in (Base.metadata.tables[base], *SLICES[base]):
            await session.execute(_summed(cube, narrow, hours))


_STATE_HOURS = """
    SELECT DISTINCT generate_series(date_trunc('hour', started_at),
                                    ended_at - interval '1 microsecond', interval '1 hour')
    FROM agent_states WHERE status <> 'logged_out' AND ended_at > started_at
"""


async def touched_state_hours(session: AsyncSession, since: datetime | None) -> Iterable[datetime]:
    if since is None:
        return list(await session.scalars(text(_STATE_HOURS)))
    return list(
        await session.scalars(text(_STATE_HOURS + " AND ended_at > :since"), {"since": since})
    )


# each stretch cut into the hours it covers (it used to be joined to every hour of the chunk:
# 168 comparisons a stretch for a week, an hour or more for a year's first build)
_REBUILD_STATES = text(
    """
    INSERT INTO report_agent_state_hours (hour, agent, status, reason, seconds)
    SELECT h.hour, a.extension, a.status, a.reason,
      sum(extract(epoch FROM least(a.ended_at, h.hour + interval '1 hour')
                           - greatest(a.started_at, h.hour)))
    FROM agent_states a
    CROSS JOIN LATERAL generate_series(
      date_trunc('hour', greatest(a.started_at, :first)),
      least(a.ended_at, :last) - interval '1 microsecond', interval '1 hour') AS h(hour)
    WHERE a.status <> 'logged_out' AND a.ended_at > :first AND a.started_at < :last
      AND h.hour = ANY(CAST(:hours AS timestamptz[]))
    GROUP BY 1, 2, 3, 4
    """
)


# the days holding the rebuilt hours, summed again from all their hours (at most 24 rows an
# agent, status and reason each: cheap beside cutting the stretches)
_REBUILD_STATE_DAYS = text(
    """
    INSERT INTO report_agent_state_days (day, agent, status, reason, seconds)
    SELECT date_trunc('day', hour, 'UTC'), agent, status, reason, sum(seconds)
    FROM report_agent_state_hours
    WHERE hour >= :first AND hour < :last
      AND date_trunc('day', hour, 'UTC') = ANY(CAST(:days AS timestamptz[]))
    GROUP BY 1, 2, 3, 4
    """
)


async def rebuild_state_hours(session: AsyncSession, hours: list[datetime]) -> None:
    """The hours from the stretches, then the UTC days they fall on from the hours."""
    bounds = _bounds(hours)
    await session.execute(
        text("DELETE FROM report_agent_state_hours WHERE hour = ANY(:hours)"), bounds
    )
    await session.execute(_REBUILD_STATES, bounds)
    days = sorted({utc_midnight(hour) for hour in hours})
    await session.execute(
        text("DELETE FROM report_agent_state_days WHERE day = ANY(:days)"), {"days": days}
    )
    span = {"days": days, "first": days[0], "last": days[-1] + DAY}
    await session.execute(_REBUILD_STATE_DAYS, span)


ROLLUPS = (
    Rollup("call_hours", touched_call_hours, rebuild_call_hours),
    Rollup("agent_state_hours", touched_state_hours, rebuild_state_hours),
)
