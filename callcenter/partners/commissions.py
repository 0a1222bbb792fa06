"""Commissions follow the order: accrued when it is paid, payable when it is delivered,
reversed when it is cancelled or its payment is taken back.

Hooks, called inside the transaction of what triggers them:
- ``accrue_for_payment`` from ``invoices.service.record_payment``: the payment that pays the
  order in full (all its live invoices) makes one run of lines up the chain;
- ``reverse_unless_paid`` from ``invoices.service.remove_payment`` (a refund, a mistake);
- ``order_status_entered`` from ``orders.service.enter_status``: a final stage releases the
  held lines, a cancel stage reverses the run.

Each locks the order's row first, so payments of one order (on one or several invoices) and
its moves take turns; the database holds the rest: one run per payment, one live run per
order, one line per (run, partner, level, group), one reversal per line.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, case, exists, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.invoices.models import Invoice
from callcenter.orders.models import Order, OrderLine, OrderStatus
from callcenter.partners.arithmetic import Earner, SoldLine, sales_without_vat, shares
from callcenter.partners.models import (
    ClientAttribution,
    CommissionLine,
    CommissionPlan,
    CommissionRun,
    Partner,
    PartnerPath,
    PlanRate,
    ProductGroupMember,
)
from callcenter.partners.periods import month_bounds
from callcenter.products.models import Product

log = logging.getLogger(__name__)
MAX_LEVELS = 20  # a plan's deepest level (``ck_commission_plan_rates_level``)


async def _lock_order(session: AsyncSession, order_id: int) -> tuple[str, int | None] | None:
    """Lock the order's row: its status kind (open, final, cancel) and the partner its client
    came through; None if it is gone.

    Both are read off the row as locked (scalar subqueries, no join): a status move that
    held the row while this waited is seen as it left it. A join to the statuses would be
    rechecked against the old status row, and the order would seem gone."""
    kind = select(OrderStatus.kind).where(OrderStatus.id == Order.status_id)
    partner = select(ClientAttribution.partner_id).where(
        ClientAttribution.client_id == Order.client_id
    )
    row = (
        await session.execute(
            select(kind.scalar_subquery(), partner.scalar_subquery())
            .where(Order.id == order_id)
            .with_for_update(of=Order)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def _paid_in_full(order_id: int) -> ColumnElement[bool]:
    paid, total = (
        func.coalesce(func.sum(Invoice.paid), 0),
        func.coalesce(func.sum(Invoice.total), 0),
    )
    return (
        select((paid > 0) & (paid >= total))
        .where(Invoice.order_id == order_id, Invoice.cancelled.is_(False))
        .scalar_subquery()
    )


def _accrued(order_id: int) -> ColumnElement[bool]:
    return exists().where(CommissionRun.order_id == order_id, CommissionRun.reversed_at.is_(None))


async def _is_paid(session: AsyncSession, order_id: int) -> bool:
    return bool(await session.scalar(select(_paid_in_full(order_id))))


async def _live_run(session: AsyncSession, order_id: int) -> CommissionRun | None:
    return await session.scalar(
        select(CommissionRun).where(
            CommissionRun.order_id == order_id, CommissionRun.reversed_at.is_(None)
        )
    )


async def _sold_lines(session: AsyncSession, order_id: int) -> list[SoldLine]:
    rows = await session.execute(
        select(
            OrderLine.amount,
            OrderLine.vat_rate,
            OrderLine.quantity,
            Product.cost,
            ProductGroupMember.group_id,
        )
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .outerjoin(ProductGroupMember, ProductGroupMember.product_id == OrderLine.product_id)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.position, OrderLine.id)
    )
    return [SoldLine(*row) for row in rows.all()]


def qualifies(
    from_level: int | None, min_sales: Decimal | None, level: int, personal_sales: Decimal
) -> bool:
    """Whether a partner with these personal sales in the month earns at ``level`` under a
    plan that asks for ``min_sales`` from ``from_level`` on."""
    if from_level is None or level < from_level:
        return True
    return personal_sales >= (min_sales or 0)


def _chain_with_plans(partner_id: int, first: date, last: date) -> Select:
    """One row per partner up the chain who is active and whose plan pays at their level:
    the level, the plan, the level's rates (group ids and per cents, side by side) and, when
    the plan asks for it at that level, the partner's personal sales of the month."""
    path, level = PartnerPath, PartnerPath.depth + 1
    plan = CommissionPlan
    sales = (
        select(func.coalesce(func.sum(CommissionRun.sales), 0))
        .where(
            CommissionRun.partner_id == path.ancestor_id,
            CommissionRun.reversed_at.is_(None),
            CommissionRun.paid_on.between(first, last),
        )
        .scalar_subquery()
    )
    wants_sales = plan.qualify_from_level.isnot(None) & (level >= plan.qualify_from_level)
    return (
        select(
            path.ancestor_id,
            level,
            plan.base,
            plan.qualify_from_level,
            plan.qualify_min_sales,
            func.array_agg(PlanRate.group_id),
            func.array_agg(PlanRate.rate),
            case((wants_sales, sales)),
        )
        .join(Partner, Partner.id == path.ancestor_id)
        .join(plan, plan.id == Partner.plan_id)
        .join(PlanRate, (PlanRate.plan_id == plan.id) & (PlanRate.level == level))
        .where(
            path.descendant_id == partner_id,
            path.depth < MAX_LEVELS,
            Partner.status == "active",
        )
        .group_by(path.ancestor_id, path.depth, plan.id)
        .order_by(path.depth)
    )


async def _earners(
    session: AsyncSession, partner_id: int, paid_on: date, own_sale: Decimal
) -> list[Earner]:
    """Who earns on a sale of ``partner_id``'s client: active partners up the chain, at a level
    their plan pays, qualified at that level (``own_sale``, this very sale, counts toward the
    personal sales of ``partner_id``). One query over the closure table."""
    rows = await session.execute(_chain_with_plans(partner_id, *month_bounds(paid_on)))
    earners = []
    for pid, level, base, from_level, min_sales, groups, rates, sales in rows.all():
        personal = Decimal(sales or 0) + (own_sale if pid == partner_id else 0)
        if qualifies(from_level, min_sales, level, personal):
            earners.append(Earner(pid, level, base, dict(zip(groups, rates, strict=True))))
    return earners


_WRITE_RUN = text(
    """WITH run AS (
        INSERT INTO commission_runs (order_id, payment_id, partner_id, paid_on, sales, vat_mode,
                                     reverse_reason)
        VALUES (:order_id, :payment_id, :partner_id, :paid_on, :sales, :vat_mode, '')
        RETURNING id
    ), lines AS (
        INSERT INTO commission_lines (run_id, order_id, booked_on, state, partner_id, level,
                                      group_id, base, rate, amount)
        SELECT run.id, :order_id, :paid_on, :state, share.*
        FROM run, unnest(CAST(:partners AS integer[]), CAST(:levels AS integer[]),
                         CAST(:groups AS integer[]), CAST(:bases AS numeric[]),
                         CAST(:rates AS numeric[]), CAST(:amounts AS numeric[])) AS share
    )
    SELECT id FROM run"""
)


async def accrue_for_payment(
    session: AsyncSession, *, order_id: int, payment_id: int, paid_on: date, vat_mode: str
) -> int | None:
    """The order's commissions, if this payment paid it in full and its client came through a
    partner: the id of the run made. Nothing when it is not paid yet, already accrued,
    cancelled or not attributed.

    Five round trips whatever the chain's length: the order locked, whether it is paid and
    not yet accrued, its lines, the chain with plans, rates and personal sales, then the run
    with its lines in one statement."""
    kind, partner_id = await _lock_order(session, order_id) or (None, None)
    if kind in (None, "cancel") or partner_id is None:
        return None
    # after the lock, in a statement of its own: it sees what the lock waited for
    paid, accrued = (
        await session.execute(select(_paid_in_full(order_id), _accrued(order_id)))
    ).one()
    if not paid or accrued:
        return None
    lines = await _sold_lines(session, order_id)
    sales = sales_without_vat(lines, vat_mode)
    earned = shares(lines, vat_mode, await _earners(session, partner_id, paid_on, sales))
    run_id = await session.scalar(
        _WRITE_RUN,
        {
            "order_id": order_id,
            "payment_id": payment_id,
            "partner_id": partner_id,
            "paid_on": paid_on,
            "sales": sales,
            "vat_mode": vat_mode,
            "state": "payable" if kind == "final" else "held",
            **{
                name: [getattr(share, field) for share in earned]
                for name, field in _SHARE_ARRAYS.items()
            },
        },
    )
    log.info("order %s paid: commissions of run %s accrued (%s)", order_id, run_id, kind)
    return int(run_id)


_SHARE_ARRAYS = {
    "partners": "partner_id",
    "levels": "level",
    "groups": "group_id",
    "bases": "base",
    "rates": "rate",
    "amounts": "amount",
}


async def reverse_run(session: AsyncSession, run: CommissionRun, *, on: date, reason: str) -> None:
    """A negative line for each of the run's lines. One not yet paid out is void with it
    (both marked reversed); one already paid out leaves its negative line payable, so the
    partner's next payout is that much less."""
    run.reversed_at, run.reverse_reason = utcnow(), reason[:20]
    lines = (
        await session.scalars(
            select(CommissionLine)
            .where(CommissionLine.run_id == run.id, CommissionLine.reverses_id.is_(None))
            .order_by(CommissionLine.id)
            .with_for_update()
        )
    ).all()
    for line in lines:
        paid = line.state == "paid"
        if not paid:
            line.state = "reversed"
        session.add(
            CommissionLine(
                run_id=run.id,
                partner_id=line.partner_id,
                order_id=line.order_id,
                level=line.level,
                group_id=line.group_id,
                base=-line.base,
                rate=line.rate,
                amount=-line.amount,
                state="payable" if paid else "reversed",
                booked_on=on,
                reverses_id=line.id,
            )
        )
    await session.flush()
    log.info("commissions of run %s (order %s) reversed: %s", run.id, run.order_id, reason)


async def reverse_unless_paid(
    session: AsyncSession, *, order_id: int, on: date, reason: str = "refund"
) -> None:
    """After a payment is taken back: reverse the order's run if it is no longer paid."""
    await _lock_order(session, order_id)
    run = await _live_run(session, order_id)
    if run is not None and not await _is_paid(session, order_id):
        await reverse_run(session, run, on=on, reason=reason)


async def order_status_entered(
    session: AsyncSession, *, order_id: int, kind: str, on: date
) -> None:
    """A delivered (final) order's held lines become payable; a cancelled one's run reverses."""
    if kind == "open":
        return
    run = await _live_run(session, order_id)
    if run is None:
        return
    if kind == "cancel":
        await reverse_run(session, run, on=on, reason="cancelled")
        return
    await session.execute(
        update(CommissionLine)
        .where(CommissionLine.run_id == run.id, CommissionLine.state == "held")
        .values(state="payable")
    )
