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

from sqlalchemy import func, select, update
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
    ProductGroupMember,
)
from callcenter.partners.periods import month_bounds
from callcenter.partners.tree import upline
from callcenter.products.models import Product

log = logging.getLogger(__name__)
MAX_LEVELS = 20  # a plan's deepest level (``ck_commission_plan_rates_level``)


async def _lock_order(session: AsyncSession, order_id: int) -> str | None:
    """Lock the order's row; its status kind (open, final, cancel), None if it is gone."""
    row = await session.execute(
        select(OrderStatus.kind)
        .join(Order, Order.status_id == OrderStatus.id)
        .where(Order.id == order_id)
        .with_for_update(of=Order)
    )
    return row.scalar_one_or_none()


async def _is_paid(session: AsyncSession, order_id: int) -> bool:
    paid, total = (
        await session.execute(
            select(
                func.coalesce(func.sum(Invoice.paid), 0), func.coalesce(func.sum(Invoice.total), 0)
            ).where(Invoice.order_id == order_id, Invoice.cancelled.is_(False))
        )
    ).one()
    return paid > 0 and paid >= total


async def _live_run(session: AsyncSession, order_id: int) -> CommissionRun | None:
    return await session.scalar(
        select(CommissionRun).where(
            CommissionRun.order_id == order_id, CommissionRun.reversed_at.is_(None)
        )
    )


async def _sold_lines(session: AsyncSession, order_id: int) -> list[SoldLine]:
    rows = await session.execute(
        select(OrderLine, Product.cost, ProductGroupMember.group_id)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .outerjoin(ProductGroupMember, ProductGroupMember.product_id == OrderLine.product_id)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.position, OrderLine.id)
    )
    return [
        SoldLine(line.amount, line.vat_rate, line.quantity, cost, group)
        for line, cost, group in rows.all()
    ]


async def personal_sales(
    session: AsyncSession, partner_ids: list[int], first: date, last: date
) -> dict[int, Decimal]:
    """Sales without VAT of the partners' own clients' orders paid in [first, last], live."""
    rows = await session.execute(
        select(CommissionRun.partner_id, func.sum(CommissionRun.sales))
        .where(
            CommissionRun.partner_id.in_(partner_ids),
            CommissionRun.reversed_at.is_(None),
            CommissionRun.paid_on.between(first, last),
        )
        .group_by(CommissionRun.partner_id)
    )
    return {int(p): Decimal(total) for p, total in rows.all()}


def qualifies(plan: CommissionPlan, level: int, personal_sales: Decimal) -> bool:
    """Whether a partner with these personal sales in the month earns at ``level``."""
    if plan.qualify_from_level is None or level < plan.qualify_from_level:
        return True
    return personal_sales >= (plan.qualify_min_sales or 0)


async def _earners(session: AsyncSession, partner_id: int, paid_on: date) -> list[Earner]:
    """Who earns on a sale of ``partner_id``'s client: active partners up the chain, at a level
    their plan pays, qualified at that level."""
    chain = await upline(session, partner_id, MAX_LEVELS)
    rows = await session.execute(
        select(Partner, CommissionPlan)
        .join(CommissionPlan, CommissionPlan.id == Partner.plan_id)
        .where(Partner.id.in_([p for p, _ in chain]))
    )
    found = {partner.id: (partner, plan) for partner, plan in rows.all()}
    sales = await personal_sales(session, list(found), *month_bounds(paid_on))
    earners = []
    for pid, level in chain:
        partner, plan = found[pid]
        if partner.status != "active" or level > plan.depth:
            continue
        if not qualifies(plan, level, sales.get(pid, Decimal(0))):
            continue
        rates = {r.group_id: r.rate for r in plan.rates if r.level == level}
        earners.append(Earner(pid, level, plan.base, rates))
    return earners


async def accrue_for_payment(
    session: AsyncSession, *, order_id: int, payment_id: int, paid_on: date, vat_mode: str
) -> CommissionRun | None:
    """The order's commissions, if this payment paid it in full and its client came through a
    partner. Nothing when it is not paid yet, already accrued, cancelled or not attributed."""
    kind = await _lock_order(session, order_id)
    if kind is None or kind == "cancel" or not await _is_paid(session, order_id):
        return None
    if await _live_run(session, order_id) is not None:
        return None
    partner_id = await session.scalar(
        select(ClientAttribution.partner_id)
        .join(Order, Order.client_id == ClientAttribution.client_id)
        .where(Order.id == order_id)
    )
    if partner_id is None:
        return None
    lines = await _sold_lines(session, order_id)
    run = CommissionRun(
        order_id=order_id,
        payment_id=payment_id,
        partner_id=partner_id,
        paid_on=paid_on,
        sales=sales_without_vat(lines, vat_mode),
        vat_mode=vat_mode,
    )
    session.add(run)
    await session.flush()  # the run's own sale counts toward its partner's qualification
    state = "payable" if kind == "final" else "held"
    for share in shares(lines, vat_mode, await _earners(session, partner_id, paid_on)):
        session.add(
            CommissionLine(
                run_id=run.id,
                order_id=order_id,
                booked_on=paid_on,
                state=state,
                **vars(share),
            )
        )
    await session.flush()
    log.info("order %s paid: commissions of run %s accrued (%s)", order_id, run.id, state)
    return run


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
