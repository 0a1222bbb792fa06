"""Rollup tables of the calls report: additive counts and sums per UTC hour (agents' time
per UTC day too).

Rebuilt per touched hour from ``calls``, ``call_legs``, ``queue_stints`` and
``agent_states`` by ``rollups.py``; the report only sums them over its period.
"""

from __future__ import annotations

from datetime import datetime
from itertools import combinations

from sqlalchemy import Column, Float, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base
from callcenter.reports.rollups.slices import slice_of


class CallHour(Base):
    """Ended calls by the hour they started, direction and queue ("" outside queues)."""

    __tablename__ = "report_call_hours"

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    queue: Mapped[str] = mapped_column(String(80), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    missed: Mapped[int] = mapped_column(Integer, default=0)  # inbound: abandoned or no answer
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    answered_wait: Mapped[float] = mapped_column(Float, default=0.0)
    talk: Mapped[float] = mapped_column(Float, default=0.0)
    hold: Mapped[float] = mapped_column(Float, default=0.0)
    callback_due: Mapped[int] = mapped_column(Integer, default=0)  # missed, number known
    called_back: Mapped[int] = mapped_column(Integer, default=0)  # within 7 days
    called_back_1h: Mapped[int] = mapped_column(Integer, default=0)
    callback_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class QueueHour(Base):
    """Queue visits (queue_log's stints) by the hour they entered, with the threshold T used."""

    __tablename__ = "report_queue_hours"

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    queue: Mapped[str] = mapped_column(String(80), primary_key=True)
    threshold: Mapped[int] = mapped_column(Integer)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    answered_in_sl: Mapped[int] = mapped_column(Integer, default=0)
    answered_wait: Mapped[float] = mapped_column(Float, default=0.0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    completed_in_sl: Mapped[int] = mapped_column(Integer, default=0)
    completed_talk: Mapped[float] = mapped_column(Float, default=0.0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    abandoned_in_sl: Mapped[int] = mapped_column(Integer, default=0)
    abandoned_short: Mapped[int] = mapped_column(Integer, default=0)
    abandoned_wait: Mapped[float] = mapped_column(Float, default=0.0)
    abandoned_10: Mapped[int] = mapped_column(Integer, default=0)  # waited up to 10 s
    abandoned_30: Mapped[int] = mapped_column(Integer, default=0)  # 11-30 s
    abandoned_60: Mapped[int] = mapped_column(Integer, default=0)  # 31-60 s
    abandoned_120: Mapped[int] = mapped_column(Integer, default=0)  # 61-120 s
    exited: Mapped[int] = mapped_column(Integer, default=0)
    max_wait: Mapped[int] = mapped_column(Integer, default=0)


class AgentHour(Base):
    """Each agent's calls: queue visits they took (by queue) and calls outside queues."""

    __tablename__ = "report_agent_hours"

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    agent: Mapped[str] = mapped_column(String(80), primary_key=True)  # the extension
    queue: Mapped[str] = mapped_column(String(80), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    talk: Mapped[float] = mapped_column(Float, default=0.0)


class AgentTime:
    """Seconds each agent spent in each status (and pause reason) within the bucket."""

    agent: Mapped[str] = mapped_column(String(80), primary_key=True)  # the extension
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(80), primary_key=True)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class AgentStateHour(AgentTime, Base):
    """Agents' time by the hour, cut from their status stretches."""

    __tablename__ = "report_agent_state_hours"

    hour: Mapped[datetime] = mapped_column(primary_key=True)


class AgentStateDay(AgentTime, Base):
    """Agents' time by UTC day, summed from the hours: a period reads its whole UTC days here
    and only the hours at its ends by the hour (a year of hours is ~3M rows at 1,000 agents).
    ``day`` is the aware UTC midnight, as in every day rollup, not a ``date``: it compares
    with the same instants as ``hour``, where a cast to ``date`` follows the session's zone."""

    __tablename__ = "report_agent_state_days"

    day: Mapped[datetime] = mapped_column(primary_key=True)


# The figures by the call's client and campaign. Each cube is its table with the call's
# client's owner, channel and segment and the campaign that placed it (0: none) in front, so
# a manager's own figures read a range of its primary key; a slice keeps one of them (the
# report reads the slice when filtered by that one alone, the cube for two or more, by the
# index on the channel, segment or campaign, or on a pair of them, with the hour).
DIMENSIONS = ("owner_id", "channel_id", "segment_id", "campaign_id")


def _with_dimensions(base: Table) -> Table:
    dims = [Column(d, Integer, primary_key=True, server_default="0") for d in DIMENSIONS]
    copies = [
        Column(
            c.name,
            c.type,
            primary_key=c.primary_key,
            nullable=c.nullable,
            server_default=None if c.primary_key else "0",
        )
        for c in base.columns
    ]
    name = base.name.removeprefix("report_").removesuffix("_hours")
    cube = Table(f"report_{name}_client_hours", Base.metadata, *dims, *copies)
    for dim in DIMENSIONS[1:]:
        Index(f"ix_{cube.name}_{dim}_hour", cube.c[dim], cube.c.hour)
    # two or three at once: one dimension's index would read all of its rows over the period
    # (about a row per call) to keep the few that have the other; a pair's reads only those
    for one, other in combinations(DIMENSIONS[1:], 2):
        Index(f"ix_{cube.name}_{one}_{other}_hour", cube.c[one], cube.c[other], cube.c.hour)
    return cube


HOURLY = ("report_call_hours", "report_queue_hours", "report_agent_hours")
CUBES: dict[str, Table] = {name: _with_dimensions(Base.metadata.tables[name]) for name in HOURLY}
SLICES: dict[str, tuple[Table, ...]] = {
    name: tuple(
        slice_of(
            cube,
            dim.removesuffix("_id"),
            dim,
            *Base.metadata.tables[name].primary_key.columns.keys(),
        )
        for dim in DIMENSIONS
    )
    for name, cube in CUBES.items()
}
