"""Refusals: call results and refusal reasons by campaign, agent, segment and period, with
the trend; the interested clients who did not buy; the refusals that followed a complaint.

Results are the campaign dispositions and the generic wrap-up results (see
``results.py``); the two lists of clients are read from the raw results of the
period, newest first (``LIST_LIMIT`` of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer.models import Campaign
from callcenter.i18n import N_, translations
from callcenter.reports.filters import ReportFilters, own_figures
from callcenter.reports.refusals.lists import after_complaint, interested_not_bought
from callcenter.reports.refusals.rollups import DISPOSITION_DAYS
from callcenter.reports.registry import ReportSpec
from callcenter.reports.sales.common import names, rows_in, series, step_of
from callcenter.reports.tables import Column, Table, share

INTERESTED = ("success", "callback")
# (table name, title, dimension label, column, kind of the names)
BREAKDOWNS = (
    ("campaigns", N_("By campaign"), N_("Campaign"), "campaign_id", "campaign"),
    ("agents", N_("By agent"), N_("Agent"), "agent_id", "manager"),
    ("segments", N_("By segment"), N_("Segment"), "segment_id", "segment"),
)


@dataclass(frozen=True)
class Counts:
    results: int = 0
    refusals: int = 0
    interested: int = 0
    bought: int = 0  # of the interested, took an order after
    after_complaint: int = 0  # refusals from clients who had complained before

    def row(self, name: str) -> tuple[Any, ...]:
        return (
            name,
            self.results,
            self.refusals,
            share(self.refusals, self.results),
            self.interested,
            self.interested - self.bought,
            self.after_complaint,
        )


def _count_columns(label: str) -> tuple[Column, ...]:
    return (
        Column("name", label, "text"),
        Column("results", N_("Results")),
        Column("refusals", N_("Refusals")),
        Column("refusal_rate", N_("Refusal rate"), "percent"),
        Column("interested", N_("Interested")),
        Column("interested_not_bought", N_("Interested, did not buy")),
        Column("after_complaint", N_("Refusals after a complaint")),
    )


@dataclass
class RefusalsReport:
    filters: ReportFilters
    total: Counts = field(default_factory=Counts)
    results: list[tuple[Any, ...]] = field(default_factory=list)
    reasons: list[tuple[Any, ...]] = field(default_factory=list)
    breakdowns: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    step: str = "day"
    trend_labels: list[date] = field(default_factory=list)
    trend_results: list[float] = field(default_factory=list)
    trend_refusals: list[float] = field(default_factory=list)
    not_bought: list[tuple[Any, ...]] = field(default_factory=list)
    complained: list[tuple[Any, ...]] = field(default_factory=list)
    language: str = "en"

    def chart_breakdown(self, name: str) -> tuple[list[str], list[tuple[str, list[float]]]]:
        """Each row's results split into refusals and the rest (for a stacked bar)."""
        gettext = translations(self.language).gettext
        rows = self.breakdowns.get(name, [])
        return [r[0] for r in rows], [
            (gettext(N_("Refusals")), [float(r[2]) for r in rows]),
            (gettext(N_("Other results")), [float(r[1] - r[2]) for r in rows]),
        ]

    def trend_rows(self) -> list[tuple[Any, ...]]:
        return [
            (label, int(n), int(r), share(r, n))
            for label, n, r in zip(
                self.trend_labels, self.trend_results, self.trend_refusals, strict=True
            )
        ]

    def tables(self) -> list[Table]:
        result_columns = (
            Column("result", N_("Result"), "text"),
            Column("kind", N_("Kind"), "term"),
            Column("count", N_("Results")),
            Column("share", N_("Share"), "percent"),
        )
        reason_columns = (
            Column("reason", N_("Refusal reason"), "text"),
            Column("refusals", N_("Refusals")),
            Column("share", N_("Of refusals"), "percent"),
        )
        trend_columns = (
            Column("period", N_("Period from"), "date"),
            Column("results", N_("Results")),
            Column("refusals", N_("Refusals")),
            Column("refusal_rate", N_("Refusal rate"), "percent"),
        )
        client_columns = (
            Column("client", N_("Client"), "text"),
            Column("at", N_("When"), "datetime"),
            Column("result", N_("Result"), "text"),
            Column("campaign", N_("Campaign"), "text"),
            Column("agent", N_("Agent"), "text"),
        )
        return [
            Table("results", N_("Results"), result_columns, self.results),
            Table("reasons", N_("Refusal reasons"), reason_columns, self.reasons),
            *(
                Table(name, title, _count_columns(label), self.breakdowns.get(name, []))
                for name, title, label, *_ in BREAKDOWNS
            ),
            Table("trend", N_("By period"), trend_columns, self.trend_rows()),
            Table(
                "interested_not_bought",
                N_("Interested but did not buy"),
                client_columns,
                self.not_bought,
            ),
            Table(
                "after_complaint", N_("Refusals after a complaint"), client_columns, self.complained
            ),
        ]

    def as_dict(self) -> dict[str, Any]:
        keys = [c.key for c in _count_columns("")][1:]
        totals = dict(zip(keys, self.total.row("")[1:], strict=True))
        tables = {t.name: t.as_dict() for t in self.tables()}
        return {"filters": self.filters.as_dict(), "totals": totals, **tables, "step": self.step}


def _sums(rows: Any) -> list[Any]:
    refusal = rows.c.kind == "refusal"
    interested = rows.c.kind.in_(INTERESTED)
    return [
        func.sum(rows.c.results),
        func.coalesce(func.sum(rows.c.results).filter(refusal), 0),
        func.coalesce(func.sum(rows.c.results).filter(interested), 0),
        func.coalesce(func.sum(rows.c.ordered_after).filter(interested), 0),
        func.coalesce(func.sum(rows.c.after_complaint).filter(refusal), 0),
    ]


async def _counts_by(session: AsyncSession, rows: Any, column: str) -> dict[Any, Counts]:
    key = rows.c[column]
    found = await session.execute(select(key, *_sums(rows)).group_by(key))
    return {k: Counts(*(int(v) for v in values)) for k, *values in found}


async def _results(
    session: AsyncSession, rows: Any, total: int, language: str, labels: dict[str, str]
) -> list[tuple[Any, ...]]:
    found = await session.execute(
        select(rows.c.source, rows.c.code, rows.c.kind, func.sum(rows.c.results))
        .group_by(rows.c.source, rows.c.code, rows.c.kind)
        .order_by(func.sum(rows.c.results).desc(), rows.c.code, rows.c.source)
    )
    gettext = translations(language).gettext
    out = []
    for source, code, kind, n in found:
        label = labels.get(code, code) if source == "campaign" else gettext(code)
        if source == "call":
            label = f"{label} ({gettext(N_('wrap-up'))})"
        out.append((label, kind, int(n), share(int(n), total)))
    return out


async def campaign_labels(session: AsyncSession) -> dict[str, str]:
    """Disposition code -> the label the campaigns give it (the newest campaign's first)."""
    labels: dict[str, str] = {}
    for (dispositions,) in await session.execute(
        select(Campaign.dispositions).order_by(Campaign.id.desc())
    ):
        for item in dispositions or []:
            labels.setdefault(str(item.get("code", "")), str(item.get("label") or item.get("code")))
    return labels


async def _reasons(
    session: AsyncSession, rows: Any, refusals: int, language: str
) -> list[tuple[Any, ...]]:
    found = await session.execute(
        select(rows.c.reason, func.sum(rows.c.results))
        .where(rows.c.kind == "refusal")
        .group_by(rows.c.reason)
        .order_by(func.sum(rows.c.results).desc(), rows.c.reason)
    )
    unknown = translations(language).gettext(N_("(no reason given)"))
    return [(reason or unknown, int(n), share(int(n), refusals)) for reason, n in found]


async def _trend(session: AsyncSession, rows: Any, report: RefusalsReport) -> None:
    found = list(await session.execute(select(rows.c.day, *_sums(rows)[:2]).group_by(rows.c.day)))
    report.step = step_of(report.filters)
    labels, results = series([(d, "n", n) for d, n, _ in found], report.filters, report.step)
    refusals = series([(d, "n", r) for d, _, r in found], report.filters, report.step)[1]
    report.trend_labels = labels
    report.trend_results = results.get("n", [0.0] * len(labels))
    report.trend_refusals = refusals.get("n", [0.0] * len(labels))


async def refusals_report(
    session: AsyncSession, *, filters: ReportFilters, user: Any
) -> RefusalsReport:
    filters = own_figures(filters, user)
    language = user.language

    async def rows(*wanted: str) -> Any:
        return await rows_in(
            session, DISPOSITION_DAYS, filters, manager="agent_id", wanted={"kind", *wanted}
        )

    report = RefusalsReport(filters, language=language)
    found = list(await session.execute(select(*_sums(await rows()))))
    report.total = Counts(*(int(v or 0) for v in found[0]))
    labels = await campaign_labels(session)
    by_code = await rows("source", "code")
    report.results = await _results(session, by_code, report.total.results, language, labels)
    report.reasons = await _reasons(session, await rows("reason"), report.total.refusals, language)
    for name, _, _, column, kind in BREAKDOWNS:
        counts = await _counts_by(session, await rows(column), column)
        named = await names(session, kind, counts, language)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1].refusals, -kv[1].results, kv[0]))
        report.breakdowns[name] = [c.row(named.get(k, str(k))) for k, c in ranked]
    await _trend(session, await rows(), report)
    report.not_bought = await interested_not_bought(session, filters, language, labels)
    report.complained = await after_complaint(session, filters, language, labels)
    return report


REPORT = ReportSpec(
    name="refusals",
    title=N_("Refusals"),
    summary=N_("Call results and refusal reasons by campaign, agent and segment, with the trend"),
    build=refusals_report,
    filters=("campaign", "manager", "channel", "segment"),
)
