"""The calls report: directions, queues (service level, ASA, AHT, abandons and their waits),
the hour-of-day x weekday heat map, agents' calls and time, missed calls and callbacks.

Figures follow the metrics note (1.2) and agree with the wallboard (``floor/figures.py``):
queue figures are sums over queue visits as Asterisk's queue_log counts them, each visit in
the hour it entered the queue; calls are counted in the hour they started, once ended.

Filters: the queue; the campaign that placed the call; the manager who owns the call's
client, the channel the client came from, the client's segment (in any combination).
Agents' time (statuses and pauses) has neither a queue nor a client: it says which filters it
is not kept to, and a manager kept to own clients sees only their own time there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.i18n import N_, translations
from callcenter.reports.calls.figures import agent_names, call_sums
from callcenter.reports.calls.tables import CallsReport, QueueLine
from callcenter.reports.filters import FILTER_NAMES, ReportFilters, own_figures
from callcenter.reports.registry import ReportSpec
from callcenter.reports.tables import mean, share

AGENT_STATUSES = ("available", "ringing", "on_call", "wrap_up", "paused", "unavailable")
ABANDON_BANDS = (N_("up to 10 s"), N_("11-30 s"), N_("31-60 s"), N_("61-120 s"), N_("over 120 s"))


def queue_line(queue: str, title: str, sums: dict[str, Any], wrapup_talk: float) -> QueueLine:
    """Figures from summed counts; ``wrapup_talk`` = talk + wrap-up of completed calls."""
    line = QueueLine(queue, title)
    line.offered, line.answered = int(sums["offered"]), int(sums["answered"])
    line.abandoned, line.exited = int(sums["abandoned"]), int(sums["exited"])
    line.short_abandons = int(sums["abandoned_short"])
    line.abandon_rate = share(
        line.abandoned - line.short_abandons, line.offered - line.short_abandons
    )
    done, abandoned = sums["completed"], sums["abandoned"]
    line.service_level = share(sums["completed_in_sl"], done)
    line.service_level2 = share(sums["completed_in_sl"] + sums["abandoned_in_sl"], done + abandoned)
    line.answered_in_sl = share(sums["answered_in_sl"], line.offered - line.short_abandons)
    line.asa = mean(sums["answered_wait"], line.answered)
    line.aht = mean(wrapup_talk, done)
    line.abandon_wait = mean(sums["abandoned_wait"], abandoned)
    line.max_wait = int(sums["max_wait"] or 0)
    return line


_QUEUE_SUMS = [
    "offered",
    "answered",
    "answered_in_sl",
    "answered_wait",
    "completed",
    "completed_in_sl",
    "completed_talk",
    "abandoned",
    "abandoned_in_sl",
    "abandoned_short",
    "abandoned_wait",
    "abandoned_10",
    "abandoned_30",
    "abandoned_60",
    "abandoned_120",
    "exited",
]


def _queues(report: CallsReport, rows: list[Any], total_title: str) -> None:
    total: dict[str, Any] = dict.fromkeys(_QUEUE_SUMS, 0) | {"max_wait": 0}
    total_handle = 0.0
    for row in rows:
        handle = float(row["completed_talk"]) + row["wrapup"] * row["completed"]
        report.queues.append(queue_line(row["queue"], row["title"], row, handle))
        for name in _QUEUE_SUMS:
            total[name] += row[name]
        total["max_wait"] = max(total["max_wait"], row["max_wait"] or 0)
        total_handle += handle
    report.total = queue_line("", total_title, total, total_handle)
    bands = [total[f"abandoned_{n}"] for n in (10, 30, 60, 120)]
    counts = [*bands, total["abandoned"] - sum(bands)]
    report.abandon_waits = list(zip(ABANDON_BANDS, counts, strict=True))


def _directions(report: CallsReport, rows: list[Any]) -> None:
    for row in rows:
        calls, answered = int(row["calls"]), int(row["answered"])
        report.directions.append(
            {
                "direction": row["direction"],
                "calls": calls,
                "answered": answered,
                "not_answered": calls - answered,
                "missed": int(row["missed"]),
                "abandoned": int(row["abandoned"]),
                "answer_rate": share(answered, calls),
                "talk_seconds": float(row["talk"]),
                "average_talk_seconds": mean(float(row["talk"]), answered),
                "hold_seconds": float(row["hold"]),
            }
        )


def _days(report: CallsReport, rows: list[Any]) -> None:
    report.days = [
        {
            "day": row["day"],
            "offered": int(row["offered"]),
            "answered": int(row["answered"]),
            "abandoned": int(row["abandoned"]),
            "service_level": share(row["completed_in_sl"], row["completed"]),
        }
        for row in rows
    ]


def _missed(report: CallsReport, rows: list[Any], no_queue: str) -> None:
    """Lost calls by the queue they were in (every inbound call counted in one row): the
    lost share over the same base as the summary's, inbound calls."""
    for row in rows:
        calls, lost = int(row["calls"]), int(row["missed"])
        due, back = int(row["due"]), int(row["called_back"])
        report.missed.append(
            {
                "queue": row["queue"] or no_queue,
                "calls": calls,
                "missed": lost,
                "lost_share": share(lost, calls),
                "with_number": due,
                "called_back": back,
                "called_back_share": share(back, due),
                "within_hour": int(row["called_back_1h"]),
                "average_callback_seconds": mean(float(row["callback_seconds"]), back),
                "not_called_back": due - back,
            }
        )


def _summary(report: CallsReport) -> dict[str, Any]:
    by = {d["direction"]: d for d in report.directions}
    missed = report.missed
    due = sum(m["with_number"] for m in missed)
    back = sum(m["called_back"] for m in missed)
    inbound = by.get("inbound", {}).get("calls", 0)
    lost = sum(m["missed"] for m in missed)  # = inbound - answered inbound, by construction
    t = report.total
    return {
        "inbound": inbound,
        "outbound": by.get("outbound", {}).get("calls", 0),
        "internal": by.get("internal", {}).get("calls", 0),
        "inbound_answered": by.get("inbound", {}).get("answered", 0),
        "missed": lost,
        "lost": lost,
        "lost_share": share(lost, inbound),
        "offered": t.offered,
        "answered": t.answered,
        "abandoned": t.abandoned,
        "abandon_rate": t.abandon_rate,
        "service_level": t.service_level,
        "service_level2": t.service_level2,
        "asa_seconds": t.asa,
        "aht_seconds": t.aht,
        "abandon_wait_seconds": t.abandon_wait,
        "called_back_share": share(back, due),
        "called_back_within_hour": sum(m["within_hour"] for m in missed),
    }


async def calls_report(session: AsyncSession, *, filters: ReportFilters, user: Any) -> CallsReport:
    filters = own_figures(filters, user)
    own_agent = None if user.sees_every_client else user.extension or ""
    sums = await call_sums(session, filters, own_agent=own_agent)
    report = CallsReport(filters, own_time=own_agent is not None)
    report.time_not_filtered_by = tuple(
        name
        for name in FILTER_NAMES
        if getattr(filters, name) not in ("", None)
        and not (name == "manager" and own_agent is not None)
    )
    _directions(report, sums["directions"])
    language = translations(user.language or "en")
    _queues(report, sums["queues"], language.gettext(N_("All queues")))
    for row in sums["heat"]:
        report.heat[row["weekday"] - 1][row["local_hour"]] = int(row["calls"])
    _days(report, sums["days"])
    _missed(report, sums["missed"], language.gettext(N_("no queue")))
    agents = {r["agent"] for r in sums["agents"]} | {r["agent"] for r in sums["agent_time"]}
    names = await agent_names(session, agents)
    _agents(report, sums["agents"], names)
    _agent_time(report, sums["agent_time"], names)
    report.summary = _summary(report)
    return report


def _agents(report: CallsReport, rows: list[Any], names: dict[str, str]) -> None:
    for row in rows:
        done, talk = int(row["queue_completed"] or 0), float(row["queue_talk"] or 0)
        report.agents.append(
            {
                "agent": row["agent"],
                "name": names.get(row["agent"], row["agent"]),
                "queue_answered": int(row["queue_answered"] or 0),
                "queue_talk_seconds": talk,
                "average_queue_talk_seconds": mean(talk, done),
                "outbound_calls": int(row["outbound_calls"] or 0),
                "outbound_answered": int(row["outbound_answered"] or 0),
                "outbound_talk_seconds": float(row["outbound_talk"] or 0),
                "other_answered": int(row["other_answered"] or 0),
                "other_talk_seconds": float(row["other_talk"] or 0),
            }
        )


def _agent_time(report: CallsReport, rows: list[Any], names: dict[str, str]) -> None:
    by_agent: dict[str, dict[str, Any]] = {}
    for row in rows:
        agent = by_agent.setdefault(
            row["agent"],
            {"agent": row["agent"], "name": names.get(row["agent"], row["agent"])}
            | dict.fromkeys(AGENT_STATUSES, 0.0),
        )
        agent[row["status"]] = agent.get(row["status"], 0.0) + float(row["seconds"])
        if row["status"] == "paused":
            report.pauses.append(
                {
                    "agent": row["agent"],
                    "name": agent["name"],
                    "reason": row["reason"] or N_("no reason"),
                    "seconds": float(row["seconds"]),
                }
            )
    for agent in by_agent.values():
        logged_in = sum(agent[s] for s in AGENT_STATUSES)
        handle = agent["ringing"] + agent["on_call"] + agent["wrap_up"]
        agent["logged_in"] = logged_in
        agent["occupancy"] = share(handle, handle + agent["available"])
        agent["utilization"] = share(handle, logged_in)
        report.agent_time.append(agent)


REPORT = ReportSpec(
    name="calls",
    title=N_("Calls"),
    summary=N_(
        "Inbound, outbound and internal calls; queues' service level, ASA, AHT and abandons; "
        "calls by hour and weekday; agents' calls and time; missed calls and callbacks"
    ),
    build=calls_report,
    filters=("queue", "campaign", "manager", "channel", "segment"),
)
