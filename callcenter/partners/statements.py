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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.invoices.service import clean_request_key
from callcenter.limits import sane_day
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
class StatementView:
    partner_id: int
    first_day: date
    last_day: date
    statement_id: int | None
    accrued: Decimal
    reversed: Decimal
    held: Decimal
    payable: Decimal
    paid: Decimal
    lines: list[StatementLine]
    payouts: list[Payout]


def _line_rows(partner_id: int, first: date, last: date) -> Select:
    """The statement's lines as plain rows (no ORM objects: a busy partner has thousands)."""
    in_month = CommissionLine.booked_on.between(first, last)
    carried = (CommissionLine.booked_on < first) & CommissionLine.state.in_(("held", "payable"))
    return (
        select(
            CommissionLine.id,
            CommissionLine.booked_on,
            CommissionLine.order_id,
            Order.number,
            CommissionLine.level,
            func.coalesce(ProductGroup.name, ""),
            CommissionLine.base,
            CommissionLine.rate,
            CommissionLine.amount,
            CommissionLine.state,
            CommissionLine.reverses_id,
            CommissionLine.booked_on < first,
        )
        .join(Order, Order.id == CommissionLine.order_id)
        .outerjoin(ProductGroup, ProductGroup.id == CommissionLine.group_id)
        .where(CommissionLine.partner_id == partner_id, or_(in_month, carried))
        .order_by(CommissionLine.booked_on, CommissionLine.id)
    )


def _sum(lines: list[StatementLine], keep: Callable[[StatementLine], bool]) -> Decimal:
    return sum((line.amount for line in lines if keep(line)), ZERO)


async def statement(
    session: AsyncSession, partner_id: int, first: date, last: date
) -> StatementView:
    """The statement as it stands (a page never writes: its row is made by the first payout).

    Two queries whatever the partner's size: the lines (every figure but ``paid`` is a sum
    over them), then the statement's row with its payouts."""
    rows = await session.execute(_line_rows(partner_id, first, last))
    lines = [StatementLine(*row) for row in rows.all()]
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
        accrued=_sum(lines, lambda x: not x.brought_forward and x.kind == "accrual"),
        reversed=_sum(lines, lambda x: not x.brought_forward and x.kind == "reversal"),
        held=_sum(lines, lambda x: x.state == "held"),
        payable=_sum(lines, lambda x: x.state == "payable"),
        paid=sum((p.amount for p in payouts), ZERO),
        lines=lines,
        payouts=payouts,
    )


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


def statement_rows(view: StatementView) -> list[tuple]:
    """The statement's lines as an export's rows (the headers are the caller's, translated)."""
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
        for line in view.lines
    ]
