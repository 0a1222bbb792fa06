"""Queue figures for the wallboard and the API, computed from stored queue visits.

Definitions follow the metrics note (1.2) and app_queue itself, for the call center's day
(from local midnight in the default time zone), with T the queue's service-level threshold.

The day's visits are those that entered a queue today, those still open (waiting, talking)
and those that ended today (entered since yesterday). Every figure is counted over those
same rows, each visit in exactly one bucket, so they agree by construction:

    offered = answered + abandoned + waiting + exited + lost

- answered: connected to an agent (talking now, completed, or ended while the PBX link was
  down after the answer), each with Asterisk's own wait; abandoned: app_queue's abandons
  (hang-ups, timeouts, empty-queue exits: one AMI event for all); waiting: in the queue now;
  exited: left unanswered another way (a key, a redirect); lost: ended unanswered while the
  CRM could not hear the PBX (link lost, CRM restarted), or in a way it does not know;
- service level (Asterisk ``ServicelevelPerf``) = 100 x completed calls answered within T /
  completed calls (a call counts once its agent call ends; abandons are ignored);
- service level 2 (``ServicelevelPerf2``) = 100 x (completed within T + abandoned within T) /
  (completed + abandoned);
- ASA = sum of the waits of answered calls / answered;
- AHT = (talk + wrap-up) / completed, talk being the whole bridge (hold included, as in
  queue_log) and wrap-up the queue's wrap-up time;
- the longest wait now: the oldest caller waiting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from callcenter.calls.models import CallRow
from callcenter.floor.alerts import thresholds_of
from callcenter.floor.models import AgentRow, QueueRow, StintRow
from callcenter.phones import try_e164


@dataclass
class QueueFigures:
    queue: str
    title: str = ""
    service_level_threshold: int = 20
    waiting: int = 0
    longest_wait_seconds: int = 0
    offered_today: int = 0
    answered_today: int = 0
    abandoned_today: int = 0
    exited_today: int = 0
    lost_today: int = 0
    completed_today: int = 0
    talking: int = 0
    service_level_today: float | None = None
    service_level2_today: float | None = None
    asa_seconds: float | None = None
    aht_seconds: float | None = None
    callers: list[dict[str, Any]] = field(default_factory=list)
    # the queue's wallboard thresholds, {figure: [amber, red]} (``alerts.py``)
    thresholds: dict[str, list[int | None]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


LOST_OUTCOMES = ("abandoned", "exited", "lost")  # a visit that ended with no agent


def day_start(now: datetime, timezone: str) -> datetime:
    """Local midnight of ``now``'s day in ``timezone``, as an aware datetime."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), zone)


# One bucket per visit; every figure is a sum over the buckets of the same rows.
_FIGURES = text(
    """
    WITH v AS (
      SELECT s.queue, s.outcome, s.entered_at, s.wait_seconds, s.talk_seconds,
        s.wait_seconds <= coalesce(q.service_level_seconds, 20) AS in_sl,
        CASE WHEN s.connected_at IS NOT NULL OR s.outcome IN ('connected', 'completed')
               THEN 'answered'
             WHEN s.outcome IN ('waiting', 'abandoned', 'exited') THEN s.outcome
             ELSE 'lost' END AS bucket
      FROM queue_stints s
      LEFT JOIN queues q ON q.pbx = s.pbx AND q.name = s.queue
      WHERE (s.entered_at >= :day OR s.outcome IN ('waiting', 'connected')
             OR (s.ended_at >= :day AND s.entered_at >= :since))
        AND (CAST(:queues AS text[]) IS NULL OR s.queue = ANY(CAST(:queues AS text[])))
    )
    SELECT queue,
      count(*) AS offered,
      count(*) FILTER (WHERE bucket = 'waiting') AS waiting,
      min(entered_at) FILTER (WHERE bucket = 'waiting') AS oldest,
      count(*) FILTER (WHERE bucket = 'answered') AS answered,
      sum(wait_seconds) FILTER (WHERE bucket = 'answered') AS answered_wait,
      count(*) FILTER (WHERE bucket = 'abandoned') AS abandoned,
      count(*) FILTER (WHERE bucket = 'abandoned' AND in_sl) AS abandoned_in_sl,
      count(*) FILTER (WHERE bucket = 'exited') AS exited,
      count(*) FILTER (WHERE bucket = 'lost') AS lost,
      count(*) FILTER (WHERE bucket = 'answered' AND outcome = 'connected') AS talking,
      count(*) FILTER (WHERE bucket = 'answered' AND outcome = 'completed') AS completed,
      count(*) FILTER (WHERE bucket = 'answered' AND outcome = 'completed' AND in_sl)
        AS completed_in_sl,
      sum(talk_seconds) FILTER (WHERE bucket = 'answered' AND outcome = 'completed') AS talk
    FROM v
    GROUP BY queue
    """
)


async def queue_figures(
    session: AsyncSession,
    *,
    now: datetime,
    timezone: str,
    queues: list[str] | None = None,
    with_callers: bool = True,
) -> list[QueueFigures]:
    """Today's figures per queue (every known queue, or those named), by queue name."""
    day = day_start(now, timezone)
    settings = {
        q.name: q
        for q in await session.scalars(
            select(QueueRow).where(QueueRow.name.in_(queues) if queues else QueueRow.on_pbx)
        )
    }
    figures = {
        name: QueueFigures(
            name, row.title, row.service_level_seconds, thresholds=thresholds_of(row)
        )
        for name, row in settings.items()
    }
    rows = await session.execute(
        _FIGURES, {"day": day, "since": day - timedelta(days=1), "queues": queues}
    )
    for row in rows.mappings():
        q = settings.get(row["queue"])
        f = figures.setdefault(row["queue"], QueueFigures(row["queue"]))
        _fill(f, row, now, q.wrapup_seconds if q else 0)
    if with_callers:
        await _add_callers(session, figures, now)
    return sorted(figures.values(), key=lambda f: f.queue)


def _fill(f: QueueFigures, row: Any, now: datetime, wrapup: int) -> None:
    f.waiting = row["waiting"]
    f.longest_wait_seconds = (
        max(0, round((now - row["oldest"]).total_seconds())) if row["oldest"] else 0
    )
    f.offered_today, f.answered_today = row["offered"], row["answered"]
    f.abandoned_today, f.completed_today = row["abandoned"], row["completed"]
    f.exited_today, f.lost_today, f.talking = row["exited"], row["lost"], row["talking"]
    done, abandoned = row["completed"], row["abandoned"]
    if done:
        f.service_level_today = round(100.0 * row["completed_in_sl"] / done, 1)
        f.aht_seconds = round((float(row["talk"] or 0) + wrapup * done) / done, 1)
    if done + abandoned:
        within = row["completed_in_sl"] + row["abandoned_in_sl"]
        f.service_level2_today = round(100.0 * within / (done + abandoned), 1)
    if row["answered"]:
        f.asa_seconds = round(float(row["answered_wait"] or 0) / row["answered"], 1)


async def _add_callers(
    session: AsyncSession, figures: dict[str, QueueFigures], now: datetime
) -> None:
    # plain rows, not ORM objects: the listener runs this several times a second
    rows = await session.execute(
        select(StintRow.queue, StintRow.caller, StintRow.linkedid, StintRow.entered_at)
        .where(StintRow.outcome == "waiting", StintRow.queue.in_(list(figures)))
        .order_by(StintRow.entered_at)
        .limit(500)
    )
    for queue, caller, linkedid, entered_at in rows:
        f = figures[queue]
        if len(f.callers) < 20:
            wait = max(0, round((now - entered_at).total_seconds()))
            f.callers.append({"caller": caller, "linkedid": linkedid, "wait": wait})


async def live_agents(session: AsyncSession, *, pbx: str | None = None) -> list[AgentRow]:
    """Every agent known to the floor, logged-in ones first, by extension."""
    query = select(AgentRow).order_by(AgentRow.status == "logged_out", AgentRow.extension)
    if pbx:
        query = query.where(AgentRow.pbx == pbx)
    return list(await session.scalars(query))


async def abandoned_today(
    session: AsyncSession, *, now: datetime, timezone: str, limit: int = 100
) -> list[StintRow]:
    """Today's lost callers, newest first (the wallboard shows whether they were called back):
    visits that ended today unanswered (abandoned, left otherwise, lost with the PBX link)
    in a call no agent answered in any queue."""
    day = day_start(now, timezone)
    answered = aliased(StintRow)
    rows = await session.scalars(
        select(StintRow)
        .where(
            StintRow.outcome.in_(LOST_OUTCOMES),
            StintRow.connected_at.is_(None),
            StintRow.ended_at >= day,
            StintRow.entered_at >= day - timedelta(days=1),
            ~exists().where(
                answered.linkedid == StintRow.linkedid, answered.connected_at.is_not(None)
            ),
        )
        .order_by(StintRow.ended_at.desc())
        .limit(limit)
    )
    return list(rows)


@dataclass(frozen=True)
class Callback:
    """How a lost caller was called back: the chosen outbound call to their number after
    they hung up (the first answered one, else the latest try), and how many tries."""

    at: datetime
    agent: str  # the extension that called
    answered: bool
    tries: int


async def callbacks(
    session: AsyncSession, stints: list[StintRow], *, region: str
) -> dict[str, Callback]:
    """Each lost visit's callback by its key, by the calls report's rule: an outbound call to
    the caller's number started after the visit ended. A hidden number has none."""
    numbers = {s.key: try_e164(s.caller, region) for s in stints if s.ended_at is not None}
    wanted = {n for n in numbers.values() if n}
    if not wanted:
        return {}
    earliest = min(s.ended_at for s in stints if s.ended_at is not None)
    rows = await session.execute(
        select(CallRow.callee, CallRow.started_at, CallRow.outcome, CallRow.agents, CallRow.caller)
        .where(
            CallRow.direction == "outbound",
            CallRow.callee.in_(sorted(wanted)),
            CallRow.started_at >= earliest,
        )
        .order_by(CallRow.started_at)
    )
    calls = list(rows)
    found: dict[str, Callback] = {}
    for stint in stints:
        number = numbers.get(stint.key)
        tries = [
            c for c in calls if number and c.callee == number and c.started_at >= stint.ended_at
        ]
        if not tries:
            continue
        answered = [c for c in tries if c.outcome == "answered"]
        chosen = answered[0] if answered else tries[-1]
        agent = chosen.agents[0] if chosen.agents else chosen.caller
        found[stint.key] = Callback(chosen.started_at, agent, bool(answered), len(tries))
    return found
