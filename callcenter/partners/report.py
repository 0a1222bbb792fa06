"""The partner sales report: top partners, new partners, what each level of the chains
earned, and this period against the one before it, each figure with its arithmetic.

What counts (as it stands now, from the commission runs and lines, not the order table):
- a sale: an order paid in full in the period (its run's payment day), not reversed since (a
  cancelled or refunded order counts nowhere), at its total without VAT; it is the sale of
  the partner its client is attributed to;
- what a level earned: the accrual lines of those sales at that level (the partners up the
  chain who qualified), whatever their state now (held, payable or paid);
- a new partner: one added in the period (midnights of the user's time zone);
- the previous period: as many days, ending the day before this one starts.
Staff with ``PARTNERS_VIEW`` read it (managers, supervisors, admins); the partner role never.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from callcenter.clients.models import Client
from callcenter.i18n import N_
from callcenter.partners.models import CommissionLine, CommissionRun, Partner
from callcenter.reports.filters import ReportFilters
from callcenter.reports.registry import ReportSpec
from callcenter.reports.tables import Column, Table
from callcenter.users.roles import Permission

ZERO = Decimal("0.00")
TOP = 20  # partners in the top
NEW_SHOWN = 100  # new partners listed (all are counted)
TERMS_SHOWN = 5  # a top partner's orders written out in their arithmetic


def pct(part: Decimal | int, whole: Decimal | int) -> float | None:
    """100 x part / whole to a tenth, None (a dash) when there is nothing to divide by."""
    return round(float(Decimal(part) * 100 / Decimal(whole)), 1) if whole else None


def change(now: Decimal | int, before: Decimal | int) -> tuple[float | None, str]:
    """The change in per cent and how it is worked out."""
    if not before:
        return None, f"({now} − {before}) / {before}: —"
    value = pct(Decimal(now) - Decimal(before), before)
    return value, f"({now} − {before}) / {before} × 100 = {value} %"


@dataclass(frozen=True)
class PeriodFigures:
    first_day: date
    last_day: date
    orders: int
    sales: Decimal
    commissions: Decimal
    new_partners: int
    selling_partners: int  # partners whose clients bought


@dataclass(frozen=True)
class TopPartner:
    partner_id: int
    code: str
    name: str
    orders: int
    sales: Decimal
    terms: list[Decimal]  # the first orders' sales, for the arithmetic


@dataclass(frozen=True)
class LevelFigures:
    level: int
    partners: int
    lines: int
    base: Decimal
    earned: Decimal
    by_rate: list[tuple[Decimal, Decimal, Decimal]]  # (rate, base, earned)


@dataclass
class PartnersReport:
    filters: ReportFilters
    current: PeriodFigures
    previous: PeriodFigures
    top: list[TopPartner] = field(default_factory=list)
    new: list[tuple[int, str, str, str, date]] = field(default_factory=list)
    levels: list[LevelFigures] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [self._top(), self._new(), self._levels(), self._periods(), self._change()]

    def _top(self) -> Table:
        columns = (
            Column("partner", N_("Partner"), "text"),
            Column("code", N_("Code"), "text"),
            Column("orders", N_("Paid orders")),
            Column("sales", N_("Sales without VAT"), "money"),
            Column("share", N_("Share of sales, %%"), "percent"),
            Column("formula", N_("Sum of the orders, over all sales"), "text"),
        )
        total = self.current.sales
        rows = []
        for p in self.top:
            terms = " + ".join(f"{t}" for t in p.terms)
            if p.orders > len(p.terms):
                terms += f" + … ({p.orders})"
            share = pct(p.sales, total)
            rows.append(
                (
                    p.name,
                    p.code,
                    p.orders,
                    p.sales,
                    share,
                    f"{terms} = {p.sales}; {p.sales} / {total} × 100 = {share} %",
                )
            )
        return Table("top", N_("Top partners by their clients' sales"), columns, rows)

    def _new(self) -> Table:
        columns = (
            Column("partner", N_("Partner"), "text"),
            Column("code", N_("Code"), "text"),
            Column("sponsor", N_("Sponsor"), "text"),
            Column("joined", N_("Joined"), "date"),
        )
        rows = [(name, code, sponsor, day) for _, code, name, sponsor, day in self.new]
        return Table("new", N_("New partners"), columns, rows)

    def _levels(self) -> Table:
        columns = (
            Column("level", N_("Level")),
            Column("partners", N_("Partners who earned")),
            Column("lines", N_("Commission lines")),
            Column("base", N_("Base"), "money"),
            Column("earned", N_("Earned"), "money"),
            Column("share", N_("Of sales, %%"), "percent"),
            Column("formula", N_("Base x rate per rate, summed, over all sales"), "text"),
        )
        sales = self.current.sales
        rows = []
        for lv in self.levels:
            parts = " + ".join(f"{b} × {r.normalize():f} % → {e}" for r, b, e in lv.by_rate)
            share = pct(lv.earned, sales)
            formula = f"{parts} = {lv.earned}; {lv.earned} / {sales} × 100 = {share} %"
            rows.append((lv.level, lv.partners, lv.lines, lv.base, lv.earned, share, formula))
        totals = (
            None,
            None,
            sum(lv.lines for lv in self.levels),
            None,
            self.current.commissions,
            pct(self.current.commissions, sales),
            None,
        )
        return Table("levels", N_("Sales by level"), columns, rows, totals)

    def _periods(self) -> Table:
        columns = (
            Column("period", N_("Period"), "term"),
            Column("first_day", N_("First day"), "date"),
            Column("last_day", N_("Last day"), "date"),
            Column("orders", N_("Paid orders")),
            Column("sales", N_("Sales without VAT"), "money"),
            Column("commissions", N_("Commissions"), "money"),
            Column("new_partners", N_("New partners")),
            Column("selling_partners", N_("Partners with sales")),
        )
        rows = [
            (
                label,
                f.first_day,
                f.last_day,
                f.orders,
                f.sales,
                f.commissions,
                f.new_partners,
                f.selling_partners,
            )
            for label, f in (
                (N_("This period"), self.current),
                (N_("Previous period"), self.previous),
            )
        ]
        return Table("periods", N_("Period over period"), columns, rows)

    def _change(self) -> Table:
        columns = (
            Column("measure", N_("Measure"), "term"),
            Column("change", N_("Change, %%"), "percent"),
            Column("formula", N_("(this period − previous) / previous x 100"), "text"),
        )
        rows = []
        for key, label in MEASURES:
            value, formula = change(getattr(self.current, key), getattr(self.previous, key))
            rows.append((label, value, formula))
        return Table("change", N_("Change against the previous period"), columns, rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "filters": self.filters.as_dict(),
            "current": vars(self.current),
            "previous": vars(self.previous),
            **{t.name: t.as_dict() for t in self.tables()},
        }


MEASURES = (
    ("orders", N_("Paid orders")),
    ("sales", N_("Sales without VAT")),
    ("commissions", N_("Commissions")),
    ("new_partners", N_("New partners")),
    ("selling_partners", N_("Partners with sales")),
)


def _live(first: date, last: date) -> ColumnElement[bool]:
    return and_(CommissionRun.reversed_at.is_(None), CommissionRun.paid_on.between(first, last))


def _joined(since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(Partner.created_at >= since, Partner.created_at < until)


async def period_figures(
    session: AsyncSession, first: date, last: date, since: datetime, until: datetime
) -> PeriodFigures:
    orders, sales, selling = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(CommissionRun.sales), ZERO),
                func.count(func.distinct(CommissionRun.partner_id)),
            ).where(_live(first, last))
        )
    ).one()
    earned = await session.scalar(
        select(func.coalesce(func.sum(CommissionLine.amount), ZERO))
        .join(CommissionRun, CommissionRun.id == CommissionLine.run_id)
        .where(_live(first, last), CommissionLine.reverses_id.is_(None))
    )
    joined = await session.scalar(select(func.count()).where(_joined(since, until)))
    return PeriodFigures(
        first,
        last,
        int(orders),
        Decimal(sales),
        Decimal(earned or ZERO),
        int(joined or 0),
        int(selling),
    )


async def top_partners(session: AsyncSession, first: date, last: date) -> list[TopPartner]:
    rows = (
        await session.execute(
            select(
                Partner.id,
                Partner.code,
                Client.name,
                func.count(),
                func.sum(CommissionRun.sales).label("sales"),
            )
            .join(Partner, Partner.id == CommissionRun.partner_id)
            .join(Client, Client.id == Partner.client_id)
            .where(_live(first, last))
            .group_by(Partner.id, Partner.code, Client.name)
            .order_by(func.sum(CommissionRun.sales).desc(), Partner.id)
            .limit(TOP)
        )
    ).all()
    numbered = (
        select(
            CommissionRun.partner_id,
            CommissionRun.sales,
            func.row_number()
            .over(
                partition_by=CommissionRun.partner_id,
                order_by=(CommissionRun.paid_on, CommissionRun.id),
            )
            .label("n"),
        )
        .where(_live(first, last), CommissionRun.partner_id.in_([r[0] for r in rows]))
        .subquery()
    )
    terms: dict[int, list[Decimal]] = {}
    for partner_id, sales in await session.execute(
        select(numbered.c.partner_id, numbered.c.sales)
        .where(numbered.c.n <= TERMS_SHOWN)
        .order_by(numbered.c.partner_id, numbered.c.n)
    ):
        terms.setdefault(partner_id, []).append(sales)
    return [
        TopPartner(pid, code, name, int(count), sales, terms.get(pid, []))
        for pid, code, name, count, sales in rows
    ]


async def new_partners(
    session: AsyncSession, since: datetime, until: datetime, zone: Any
) -> list[tuple[int, str, str, str, date]]:
    sponsor = aliased(Partner)
    rows = await session.execute(
        select(Partner.id, Partner.code, Client.name, sponsor.code, Partner.created_at)
        .join(Client, Client.id == Partner.client_id)
        .outerjoin(sponsor, sponsor.id == Partner.sponsor_id)
        .where(_joined(since, until))
        .order_by(Partner.created_at, Partner.id)
        .limit(NEW_SHOWN)
    )
    return [
        (pid, code, name, sponsor_code or "", at.astimezone(zone).date())
        for pid, code, name, sponsor_code, at in rows.all()
    ]


async def level_figures(session: AsyncSession, first: date, last: date) -> list[LevelFigures]:
    accruals = and_(_live(first, last), CommissionLine.reverses_id.is_(None))
    line = CommissionLine
    levels = await session.execute(
        select(
            line.level,
            func.count(func.distinct(line.partner_id)),
            func.count(),
            func.sum(line.base),
            func.sum(line.amount),
        )
        .join(CommissionRun, CommissionRun.id == line.run_id)
        .where(accruals)
        .group_by(line.level)
        .order_by(line.level)
    )
    rates: dict[int, list[tuple[Decimal, Decimal, Decimal]]] = {}
    for level, rate, base, earned in await session.execute(
        select(line.level, line.rate, func.sum(line.base), func.sum(line.amount))
        .join(CommissionRun, CommissionRun.id == line.run_id)
        .where(accruals)
        .group_by(line.level, line.rate)
        .order_by(line.level, line.rate.desc())
    ):
        rates.setdefault(level, []).append((rate, base, earned))
    return [
        LevelFigures(level, int(partners), int(count), base, earned, rates.get(level, []))
        for level, partners, count, base, earned in levels.all()
    ]


def previous_period(filters: ReportFilters) -> tuple[date, date, datetime, datetime]:
    """As many days as ``filters``' period, ending the day before it starts."""
    first = filters.first_day - timedelta(days=filters.days)
    last = filters.first_day - timedelta(days=1)
    since = datetime.combine(first, time(0), filters.since.tzinfo)
    return first, last, since, filters.since


async def partners_report(
    session: AsyncSession, *, filters: ReportFilters, user: Any
) -> PartnersReport:
    first, last = filters.first_day, filters.last_day
    current = await period_figures(session, first, last, filters.since, filters.until)
    previous = await period_figures(session, *previous_period(filters))
    return PartnersReport(
        filters,
        current,
        previous,
        await top_partners(session, first, last),
        await new_partners(session, filters.since, filters.until, filters.since.tzinfo),
        await level_figures(session, first, last),
    )


REPORT = ReportSpec(
    name="partners",
    title=N_("Partner sales"),
    summary=N_("Top partners, new partners, what each level earned, against the period before"),
    build=partners_report,
    filters=(),
    permission=Permission.PARTNERS_VIEW,
)
