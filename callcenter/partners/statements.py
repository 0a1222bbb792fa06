"""A partner's statement of a month: what was accrued, reversed, what is held, payable and
paid, every line with its order, level and arithmetic; payouts recorded against it.

Figures of the statement of [first, last]:
- accrued: the accrual lines booked in the month (on their payment's day);
- reversed: the reversal lines booked in the month (negative);
- held: lines booked by the last day whose order is not delivered yet;
- payable: lines booked by the last day, the order delivered (or a reversal of a line already
  paid out), not yet paid out;
- paid: the payouts recorded against this statement.
A payout pays every payable line booked by the statement's last day, at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.invoices.service import clean_request_key
from callcenter.limits import fits_column, sane_day
from callcenter.orders.models import Order
from callcenter.partners.exceptions import PartnerInvalid, PayoutConflict
from callcenter.partners.models import CommissionLine, Partner, Payout, ProductGroup, Statement
from callcenter.users.models import User
from callcenter.users.roles import Permission

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StatementLine:
    id: int
    booked_on: date
    order_id: int
    order_number: str
    level: int
    group: str
    base: Decimal
    rate: Decimal
    amount: Decimal
    state: str
    reverses_id: int | None
    brought_forward: bool  # booked before the month, still held or payable

    @property
    def kind(self) -> str:
        return "reversal" if self.reverses_id is not None else "accrual"

    @property
    def arithmetic(self) -> str:
        return f"{self.base:f} × {self.rate.normalize():f} % = {self.amount:f}"


@dataclass(frozen=True)
class LineKey:
    """Where a page of a statement's lines ends: lines run by (day, id)."""

    booked_on: date
    id: int

    def __str__(self) -> str:
        return f"{self.booked_on.isoformat()}.{self.id}"

    @classmethod
    def parse(cls, text: object) -> LineKey | None:
        """``2026-03-10.1234`` as a key; None for nothing given. Raises PartnerInvalid."""
        value = str(text or "").strip()
        if not value:
            return None
        day, _, number = value.partition(".")
        try:
            key = cls(date.fromisoformat(day), int(number))
        except ValueError:
            key = None
        if key is None or not sane_day(key.booked_on) or not 0 < key.id < 2**63:
            raise PartnerInvalid(
                N_("Please correct the marked fields"),
                fields={"after": N_("Not a place in the statement's lines")},
            )
        return key


@dataclass(frozen=True)
class StatementView:
    """The statement's figures (sums over all its lines, in SQL), its payouts, and one page
    of its lines: up to ``LINES_PER_PAGE`` after ``after``; ``next_after`` continues them."""

    partner_id: int
    first_day: date
    last_day: date
    statement_id: int | None
    accrued: Decimal
    reversed: Decimal
    held: Decimal
    payable: Decimal
    paid: Decimal
    line_count: int
    lines: list[StatementLine]
    payouts: list[Payout]
    after: LineKey | None = None
    next_after: LineKey | None = None


LINES_PER_PAGE = 200
EXPORT_BATCH = 2_000  # lines read at a time by the exports


def _lines_of(partner_id: int, first: date, last: date) -> ColumnElement[bool]:
    """The statement's lines: booked in the month, or before it and still held or payable."""
    line = CommissionLine
    in_month = line.booked_on.between(first, last)
    carried = (line.booked_on < first) & line.state.in_(("held", "payable"))
    return (line.partner_id == partner_id) & or_(in_month, carried)


def _line_rows(
    partner_id: int, first: date, last: date, after: LineKey | None, limit: int
) -> Select:
    """Statement lines as plain rows (no ORM objects), by (day, id) from after ``after``:
    one range of ``ix_commission_lines_partner_booked_id``."""
    line = CommissionLine
    where = _lines_of(partner_id, first, last)
    if after is not None:
        where &= tuple_(line.booked_on, line.id) > tuple_(after.booked_on, after.id)
    return (
        select(
            line.id,
            line.booked_on,
            line.order_id,
            Order.number,
            line.level,
            func.coalesce(ProductGroup.name, ""),
            line.base,
            line.rate,
            line.amount,
            line.state,
            line.reverses_id,
            line.booked_on < first,
        )
        .join(Order, Order.id == line.order_id)
        .outerjoin(ProductGroup, ProductGroup.id == line.group_id)
        .where(where)
        .order_by(line.booked_on, line.id)
        .limit(limit)
    )


def _totals(partner_id: int, first: date, last: date) -> Select:
    """accrued, reversed, held, payable and the number of lines, summed over every line."""
    line = CommissionLine
    fresh = line.booked_on >= first
    return select(
        func.sum(line.amount).filter(fresh, line.reverses_id.is_(None)),
        func.sum(line.amount).filter(fresh, line.reverses_id.isnot(None)),
        func.sum(line.amount).filter(line.state == "held"),
        func.sum(line.amount).filter(line.state == "payable"),
        func.count(),
    ).where(_lines_of(partner_id, first, last))


async def statement(
    session: AsyncSession,
    partner_id: int,
    first: date,
    last: date,
    *,
    after: LineKey | None = None,
    per_page: int = LINES_PER_PAGE,
) -> StatementView:
    """The statement as it stands (a page never writes: its row is made by the first payout),
    with one page of its lines.

    Three queries whatever the partner's size: the figures summed over all lines, one page
    of lines, the statement's row with its payouts."""
    *sums, count = (await session.execute(_totals(partner_id, first, last))).one()
    accrued, reversed_, held, payable = (total or ZERO for total in sums)
    rows = await session.execute(_line_rows(partner_id, first, last, after, per_page + 1))
    lines = [StatementLine(*row) for row in rows.all()]
    more = len(lines) > per_page
    lines = lines[:per_page]
    paid_rows = (
        await session.execute(
            select(Statement.id, Payout)
            .outerjoin(Payout, Payout.statement_id == Statement.id)
            .where(Statement.partner_id == partner_id, Statement.first_day == first)
            .order_by(Payout.id)
        )
    ).all()
    payouts = [payout for _, payout in paid_rows if payout is not None]
    return StatementView(
        partner_id=partner_id,
        first_day=first,
        last_day=last,
        statement_id=paid_rows[0][0] if paid_rows else None,
        accrued=accrued,
        reversed=reversed_,
        held=held,
        payable=payable,
        paid=sum((p.amount for p in payouts), ZERO),
        line_count=count,
        lines=lines,
        payouts=payouts,
        after=after,
        next_after=LineKey(lines[-1].booked_on, lines[-1].id) if more and lines else None,
    )


async def statement_lines(
    session: AsyncSession,
    partner_id: int,
    first: date,
    last: date,
    *,
    batch: int = EXPORT_BATCH,
    limit: int | None = None,
) -> AsyncIterator[list[StatementLine]]:
    """Every line of the statement (the first ``limit`` of them), ``batch`` at a time, by
    the page's keyset: an export never holds them all."""
    after, left = None, limit
    while left is None or left > 0:
        size = batch if left is None else min(batch, left)
        rows = await session.execute(_line_rows(partner_id, first, last, after, size))
        lines = [StatementLine(*row) for row in rows.all()]
        if lines:
            yield lines
        if len(lines) < size:
            return
        left = None if left is None else left - len(lines)
        after = LineKey(lines[-1].booked_on, lines[-1].id)


@dataclass(frozen=True)
class StatementFigures:
    """One partner's statement of a month without its lines: the figures of ``statement``."""

    partner_id: int
    statement_id: int | None
    accrued: Decimal
    reversed: Decimal
    held: Decimal
    payable: Decimal
    paid: Decimal


async def month_statements(
    session: AsyncSession, *, first: date, last: date
) -> list[StatementFigures]:
    """Every partner's statement of [first, last] (zeros for one with nothing), by partner id:
    one statement of SQL, the lines summed per partner with ``GROUP BY`` (a month of a
    100,000-partner tree is one pass over the lines, not five queries a partner)."""
    line = CommissionLine
    in_month = line.booked_on >= first
    figures = (
        select(
            line.partner_id,
            func.sum(line.amount).filter(in_month, line.reverses_id.is_(None)).label("accrued"),
            func.sum(line.amount).filter(in_month, line.reverses_id.isnot(None)).label("reversed"),
            func.sum(line.amount).filter(line.state == "held").label("held"),
            func.sum(line.amount).filter(line.state == "payable").label("payable"),
        )
        .where(line.booked_on <= last, or_(in_month, line.state.in_(("held", "payable"))))
        .group_by(line.partner_id)
        .subquery()
    )
    paid = (
        select(Statement.partner_id, Statement.id, func.sum(Payout.amount).label("paid"))
        .outerjoin(Payout, Payout.statement_id == Statement.id)
        .where(Statement.first_day == first)
        .group_by(Statement.id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Partner.id,
            paid.c.id,
            *(func.coalesce(column, ZERO) for column in (*list(figures.c)[1:], paid.c.paid)),
        )
        .outerjoin(figures, figures.c.partner_id == Partner.id)
        .outerjoin(paid, paid.c.partner_id == Partner.id)
        .order_by(Partner.id)
    )
    return [StatementFigures(*row) for row in rows.all()]


async def _statement_row(session: AsyncSession, partner_id: int, first: date, last: date) -> int:
    await session.execute(
        insert(Statement)
        .values(partner_id=partner_id, first_day=first, last_day=last)
        .on_conflict_do_nothing(constraint="uq_partner_statements_period")
    )
    found = await session.scalar(
        select(Statement.id).where(Statement.partner_id == partner_id, Statement.first_day == first)
    )
    assert found is not None  # inserted now, or there already
    return int(found)


def _paid_on(value: object) -> date:
    try:
        day = date.fromisoformat(str(value or "").strip())
    except ValueError:
        day = None
    if day is None or not sane_day(day):
        raise PartnerInvalid(
            N_("Please correct the marked fields"), fields={"paid_on": N_("Not a date")}
        ) from None
    return day


async def record_payout(
    session: AsyncSession,
    *,
    partner_id: int,
    first: date,
    last: date,
    paid_on: object,
    by: User,
    note: str = "",
    request_key: object = None,
) -> Payout:
    """Pay every payable line booked by ``last`` (reversals of paid lines net against it).

    The partner's row is locked, so two payouts take turns and a line is paid once; the
    lines themselves are locked too, against a reversal at the same moment."""
    if not by.can(Permission.PARTNER_PAYOUTS):
        raise Forbidden(N_("Only an admin records payouts"))
    day = _paid_on(paid_on)
    await session.execute(select(Partner.id).where(Partner.id == partner_id).with_for_update())
    statement_id = await _statement_row(session, partner_id, first, last)
    key = clean_request_key(request_key)
    if key is not None:
        done = await session.scalar(
            select(Payout).where(Payout.statement_id == statement_id, Payout.request_key == key)
        )
        if done is not None:
            return done
    rows = (
        await session.execute(
            select(CommissionLine.id, CommissionLine.amount)
            .where(
                CommissionLine.partner_id == partner_id,
                CommissionLine.state == "payable",
                CommissionLine.booked_on <= last,
            )
            .with_for_update()
        )
    ).all()
    amount = sum((a for _, a in rows), ZERO)
    if amount <= 0:
        raise PayoutConflict(
            N_("Nothing to pay by this statement: the payable balance is %(amount)s"),
            params={"amount": f"{amount:f}"},
        )
    if not fits_column(amount, Payout.amount):  # each line fits; their sum may not
        raise PartnerInvalid(
            N_("Please correct the marked fields"),
            fields={"amount": N_("The payable balance is more than one payout can hold")},
        )
    payout = Payout(
        statement_id=statement_id,
        partner_id=partner_id,
        amount=amount,
        paid_on=day,
        note=" ".join(note.split())[:300],
        recorded_by_id=by.id,
        request_key=key,
    )
    session.add(payout)
    await session.flush()
    await session.execute(
        update(CommissionLine)
        .where(CommissionLine.id.in_([i for i, _ in rows]))
        .values(state="paid", payout_id=payout.id)
    )
    await record_change(
        session,
        actor=by,
        entity="partner",
        entity_id=partner_id,
        action="payout",
        changes={"amount": [None, f"{amount:f}"], "statement": [None, first.isoformat()]},
    )
    return payout


def statement_rows(lines: list[StatementLine]) -> list[tuple]:
    """Statement lines as an export's rows (the headers are the caller's, translated)."""
    return [
        (
            line.booked_on.isoformat(),
            line.order_number,
            line.level,
            line.group,
            line.kind,
            line.base,
            line.rate,
            line.amount,
            line.state,
            line.arithmetic,
        )
        for line in lines
    ]
