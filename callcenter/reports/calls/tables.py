"""The calls report as a record (its figures, each queue's line) and its tables: what its
page shows, its API gives and its exports write. ``report.py`` fills the record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callcenter.i18n import N_
from callcenter.reports.filters import ReportFilters
from callcenter.reports.tables import Column, Table, mean

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


@dataclass
class QueueLine:
    """One queue's figures (or the total of all, ``queue`` = "")."""

    queue: str
    title: str
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandons: int = 0
    exited: int = 0
    abandon_rate: float | None = None
    service_level: float | None = None
    service_level2: float | None = None
    answered_in_sl: float | None = None
    asa: float | None = None
    aht: float | None = None
    abandon_wait: float | None = None
    max_wait: int = 0


@dataclass
class CallsReport:
    filters: ReportFilters
    summary: dict[str, Any] = field(default_factory=dict)
    directions: list[dict[str, Any]] = field(default_factory=list)
    queues: list[QueueLine] = field(default_factory=list)
    total: QueueLine = field(default_factory=lambda: QueueLine("", ""))
    abandon_waits: list[tuple[str, int]] = field(default_factory=list)
    heat: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _ in range(7)])
    days: list[dict[str, Any]] = field(default_factory=list)
    agents: list[dict[str, Any]] = field(default_factory=list)
    agent_time: list[dict[str, Any]] = field(default_factory=list)
    pauses: list[dict[str, Any]] = field(default_factory=list)
    missed: list[dict[str, Any]] = field(default_factory=list)
    time_not_filtered_by: tuple[str, ...] = ()  # filters agents' time is not kept to
    own_time: bool = False  # agents' time is the user's own (a manager kept to own clients)

    weekdays: tuple[str, ...] = WEEKDAYS  # the heat map's rows (N_-marked)
    hour_labels: tuple[str, ...] = tuple(f"{h:02d}" for h in range(24))

    def tables(self) -> list[Table]:
        return calls_tables(self)

    def agent_hours(self, status: str) -> list[float]:
        """Each agent's hours in a status, for the chart."""
        return [round(agent[status] / 3600, 2) for agent in self.agent_time]

    def as_dict(self) -> dict[str, Any]:
        return {
            "filters": self.filters.as_dict(),
            "summary": self.summary,
            "heat": {
                "weekdays": list(range(1, 8)),
                "hours": list(range(24)),
                "calls": self.heat,
            },
            **{t.name: t.as_dict() for t in self.tables()},
            "agent_time_not_filtered_by": list(self.time_not_filtered_by),
            "agent_time_own_only": self.own_time,
        }


QUEUE_COLUMNS = (
    Column("queue", N_("Queue"), "text"),
    Column("offered", N_("Offered")),
    Column("answered", N_("Answered")),
    Column("abandoned", N_("Abandoned")),
    Column("short_abandons", N_("Short abandons")),
    Column("exited", N_("Left otherwise")),
    Column("abandon_rate", N_("Abandon rate"), "percent"),
    Column("service_level", N_("Service level"), "percent"),
    Column("service_level2", N_("Service level 2"), "percent"),
    Column("answered_in_sl", N_("Answered within T of offered"), "percent"),
    Column("asa_seconds", N_("ASA"), "seconds"),
    Column("aht_seconds", N_("AHT"), "seconds"),
    Column("abandon_wait_seconds", N_("Average wait of abandoned"), "seconds"),
    Column("max_wait_seconds", N_("Longest wait"), "seconds"),
)


def _queue_row(line: QueueLine) -> tuple:
    return (
        line.title,
        line.offered,
        line.answered,
        line.abandoned,
        line.short_abandons,
        line.exited,
        line.abandon_rate,
        line.service_level,
        line.service_level2,
        line.answered_in_sl,
        line.asa,
        line.aht,
        line.abandon_wait,
        line.max_wait,
    )


def _rows(items: list[dict], columns: tuple[Column, ...]) -> list[tuple]:
    return [tuple(item[c.key] for c in columns) for item in items]


DIRECTION_COLUMNS = (
    Column("direction", N_("Direction"), "term"),
    Column("calls", N_("Calls")),
    Column("answered", N_("Answered")),
    Column("not_answered", N_("Not answered")),
    Column("abandoned", N_("Abandoned in a queue")),
    Column("answer_rate", N_("Answered, %%"), "percent"),
    Column("talk_seconds", N_("Talk time"), "seconds"),
    Column("average_talk_seconds", N_("Average talk"), "seconds"),
    Column("hold_seconds", N_("On hold"), "seconds"),
)
DAY_COLUMNS = (
    Column("day", N_("Day"), "date"),
    Column("offered", N_("Offered")),
    Column("answered", N_("Answered")),
    Column("abandoned", N_("Abandoned")),
    Column("service_level", N_("Service level"), "percent"),
)
AGENT_COLUMNS = (
    Column("name", N_("Agent"), "text"),
    Column("agent", N_("Extension"), "text"),
    Column("queue_answered", N_("Queue calls answered")),
    Column("queue_talk_seconds", N_("Queue talk"), "seconds"),
    Column("average_queue_talk_seconds", N_("Average queue talk"), "seconds"),
    Column("outbound_calls", N_("Outbound calls")),
    Column("outbound_answered", N_("Outbound answered")),
    Column("outbound_talk_seconds", N_("Outbound talk"), "seconds"),
    Column("other_answered", N_("Direct and internal answered")),
    Column("other_talk_seconds", N_("Direct and internal talk"), "seconds"),
)
TIME_COLUMNS = (
    Column("name", N_("Agent"), "text"),
    Column("agent", N_("Extension"), "text"),
    Column("logged_in", N_("Logged in"), "seconds"),
    Column("available", N_("Idle (available)"), "seconds"),
    Column("ringing", N_("Ringing"), "seconds"),
    Column("on_call", N_("Talking"), "seconds"),
    Column("wrap_up", N_("Wrap-up"), "seconds"),
    Column("paused", N_("Paused"), "seconds"),
    Column("unavailable", N_("Unavailable"), "seconds"),
    Column("occupancy", N_("Occupancy"), "percent"),
    Column("utilization", N_("Utilization"), "percent"),
)
PAUSE_COLUMNS = (
    Column("name", N_("Agent"), "text"),
    Column("agent", N_("Extension"), "text"),
    Column("reason", N_("Reason"), "term"),
    Column("seconds", N_("Paused"), "seconds"),
)
MISSED_COLUMNS = (
    Column("queue", N_("Queue"), "text"),
    Column("calls", N_("Inbound calls")),
    Column("missed", N_("Lost calls")),
    Column("lost_share", N_("Lost share"), "percent"),
    Column("with_number", N_("With a number to call")),
    Column("called_back", N_("Called back")),
    Column("called_back_share", N_("Called back, %%"), "percent"),
    Column("within_hour", N_("Within an hour")),
    Column("average_callback_seconds", N_("Average time to call back"), "seconds"),
    Column("not_called_back", N_("Not called back")),
)
HEAT_COLUMNS = (Column("weekday", N_("Weekday"), "term"),) + tuple(
    Column(f"h{hour:02d}", f"{hour:02d}") for hour in range(24)
)


def calls_tables(report: CallsReport) -> list[Table]:
    queues = Table("queues", N_("Queues"), QUEUE_COLUMNS, [_queue_row(q) for q in report.queues])
    if report.queues:
        queues.totals = _queue_row(report.total)
    waits = [(band, count) for band, count in report.abandon_waits]
    return [
        Table(
            "directions",
            N_("Calls by direction"),
            DIRECTION_COLUMNS,
            _rows(report.directions, DIRECTION_COLUMNS),
        ),
        queues,
        Table(
            "abandon_waits",
            N_("How long abandoned callers waited"),
            (Column("wait", N_("Waited"), "term"), Column("abandoned", N_("Abandoned"))),
            waits if report.total.abandoned else [],
        ),
        Table(
            "heat_map",
            N_("Inbound calls by weekday and hour"),
            HEAT_COLUMNS,
            [(day, *hours) for day, hours in zip(WEEKDAYS, report.heat, strict=True)]
            if any(any(h) for h in report.heat)
            else [],
        ),
        Table("days", N_("Queues by day"), DAY_COLUMNS, _rows(report.days, DAY_COLUMNS)),
        Table("agents", N_("Agents' calls"), AGENT_COLUMNS, _rows(report.agents, AGENT_COLUMNS)),
        Table(
            "agent_time", N_("Agents' time"), TIME_COLUMNS, _rows(report.agent_time, TIME_COLUMNS)
        ),
        Table("pauses", N_("Pauses by reason"), PAUSE_COLUMNS, _rows(report.pauses, PAUSE_COLUMNS)),
        _lost_table(report),
    ]


def _lost_table(report: CallsReport) -> Table:
    """Lost calls by queue, with their total: the summary's lost calls and lost share."""
    table = Table(
        "missed",
        N_("Lost calls and callbacks"),
        MISSED_COLUMNS,
        _rows(report.missed, MISSED_COLUMNS),
    )
    if len(report.missed) > 1:
        s = report.summary
        counts = ("calls", "missed", "with_number", "called_back", "within_hour", "not_called_back")
        sums = {key: sum(m[key] for m in report.missed) for key in counts}
        waited = sum((m["average_callback_seconds"] or 0) * m["called_back"] for m in report.missed)
        table.totals = (
            report.total.title,  # "All queues", in the user's language
            sums["calls"],
            sums["missed"],
            s["lost_share"],
            sums["with_number"],
            sums["called_back"],
            s["called_back_share"],
            sums["within_hour"],
            mean(waited, sums["called_back"]),
            sums["not_called_back"],
        )
    return table
