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

The arithmetic, as the statements show it (computed by the accrual's one statement, in
PostgreSQL's ``numeric``, whose ``round`` takes halves away from zero: half up):

- A line's amount without VAT: with the invoice's VAT ``included``, amount − amount × r /
  (100 + r), the VAT rounded half up to the kopeck per line; VAT ``on_top`` or ``none``: the
  amount as it is (the order's prices carry no VAT then).
- A line's margin: its amount without VAT − quantity × the catalog's unit cost (rounded half up
  to the kopeck); a line whose product has no cost in the catalog counts its amount without
  VAT (the margin is not known, so nothing is taken off).
- The base of a share: the sum over the order's lines of one product group (lines of no group
  together), never below zero.
- A share: base × rate / 100, rounded half up to the kopeck, once per (partner, level, product
  group). The rate is the plan's rate for that group at that level, else the plan's rate for
  the level; a zero rate or a zero share makes no line.
- Who earns: every active partner up the chain, at the level the plan pays (suspended ones
  keep their level, earning nothing); at ``qualify_from_level`` or deeper only with at least
  ``qualify_min_sales`` of personal sales (the partner's live runs paid in the calendar month
  of the payment, without VAT; for the partner whose client bought, this sale counts too).
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.invoices.models import Invoice
from callcenter.orders.models import Order, OrderStatus
from callcenter.partners.models import (
    ClientAttribution,
    CommissionLine,
    CommissionRun,
)
from callcenter.partners.periods import month_bounds

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


async def _is_paid(session: AsyncSession, order_id: int) -> bool:
    return bool(await session.scalar(select(_paid_in_full(order_id))))


async def _live_run(session: AsyncSession, order_id: int) -> CommissionRun | None:
    return await session.scalar(
        select(CommissionRun).where(
            CommissionRun.order_id == order_id, CommissionRun.reversed_at.is_(None)
        )
    )


# The arithmetic of the module's docstring, all of it in the one statement that writes the
# run: nothing comes back to Python between the check and the write.
_ACCRUE = text(
    """WITH due AS (  -- paid in full by the order's live invoices, and not accrued yet
        SELECT 1 WHERE (SELECT coalesce(sum(paid), 0) > 0
                               AND coalesce(sum(paid), 0) >= coalesce(sum(total), 0)
                        FROM invoices WHERE order_id = :order_id AND NOT cancelled)
          AND NOT EXISTS (SELECT 1 FROM commission_runs
                          WHERE order_id = :order_id AND reversed_at IS NULL)
    ), sold AS (  -- each line without VAT (VAT rounded half up per line), and its cost
        SELECT m.group_id,
               l.amount - CASE WHEN :vat_mode = 'included' AND l.vat_rate ~ '^[0-9]+$'
                   THEN round(l.amount * CAST(l.vat_rate AS integer)
                              / (100 + CAST(l.vat_rate AS integer)), 2)
                   ELSE 0 END AS net,
               coalesce(round(l.quantity * p.cost, 2), 0) AS cost
        FROM order_lines l
        LEFT JOIN products p ON p.id = l.product_id
        LEFT JOIN commission_group_products m ON m.product_id = l.product_id
        WHERE l.order_id = :order_id
    ), bases AS (  -- per product group, never below zero
        SELECT group_id, greatest(sum(net), 0) AS net, greatest(sum(net - cost), 0) AS margin
        FROM sold GROUP BY group_id
    ), sale AS (
        SELECT coalesce(sum(net), 0) AS sales FROM sold
    ), chain AS (  -- active partners up the chain, qualified at their level
        SELECT up.ancestor_id AS partner_id, up.depth + 1 AS level, plan.id AS plan_id,
               plan.base
        FROM partner_paths up
        JOIN partners partner ON partner.id = up.ancestor_id AND partner.status = 'active'
        JOIN commission_plans plan ON plan.id = partner.plan_id
        WHERE up.descendant_id = :partner_id AND up.depth < :max_levels
          AND (plan.qualify_from_level IS NULL OR up.depth + 1 < plan.qualify_from_level
               OR coalesce(plan.qualify_min_sales, 0) <=
                  (SELECT coalesce(sum(r.sales), 0) FROM commission_runs r
                   WHERE r.partner_id = up.ancestor_id AND r.reversed_at IS NULL
                     AND r.paid_on BETWEEN :first AND :last)
                  + CASE WHEN up.depth = 0 THEN (SELECT sales FROM sale) ELSE 0 END)
    ), shares AS (  -- the group's own rate at the level, else the level's
        SELECT chain.partner_id, chain.level, bases.group_id,
               CASE chain.base WHEN 'margin' THEN bases.margin ELSE bases.net END AS base,
               coalesce(own.rate, general.rate) AS rate
        FROM chain CROSS JOIN bases
        LEFT JOIN commission_plan_rates own ON own.plan_id = chain.plan_id
             AND own.level = chain.level AND own.group_id = bases.group_id
        LEFT JOIN commission_plan_rates general ON general.plan_id = chain.plan_id
             AND general.level = chain.level AND general.group_id IS NULL
    ), run AS (
        INSERT INTO commission_runs (order_id, payment_id, partner_id, paid_on, sales, vat_mode,
                                     reverse_reason)
        SELECT :order_id, :payment_id, :partner_id, :paid_on, sale.sales, :vat_mode, ''
        FROM sale WHERE EXISTS (SELECT 1 FROM due)
        RETURNING id
    ), lines AS (
        INSERT INTO commission_lines (run_id, order_id, booked_on, state, partner_id, level,
                                      group_id, base, rate, amount)
        SELECT run.id, :order_id, :paid_on, :state, share.partner_id, share.level,
               share.group_id, share.base, share.rate, share.amount
        FROM run, (SELECT *, round(base * rate / 100, 2) AS amount FROM shares) share
        WHERE share.amount <> 0
        ORDER BY share.level, coalesce(share.group_id, 0)
    )
    SELECT id FROM run"""
)


async def accrue_for_payment(
    session: AsyncSession, *, order_id: int, payment_id: int, paid_on: date, vat_mode: str
) -> int | None:
    """The order's commissions, if this payment paid it in full and its client came through a
    partner: the id of the run made. Nothing when it is not paid yet, already accrued,
    cancelled or not attributed.

    Two round trips whatever the chain's length: the order locked, then one statement that
    checks it is paid and not accrued, computes the bases, reads the chain with its plans,
    rates and personal sales, and writes the run with its lines. The check must not share
    the lock's statement: only a statement begun after the lock sees what the lock waited for
    (a payment on another invoice of the order, a status move)."""
    kind, partner_id = await _lock_order(session, order_id) or (None, None)
    if kind in (None, "cancel") or partner_id is None:
        return None
    first, last = month_bounds(paid_on)
    run_id = await session.scalar(
        _ACCRUE,
        {
            "order_id": order_id,
            "payment_id": payment_id,
            "partner_id": partner_id,
            "paid_on": paid_on,
            "vat_mode": vat_mode,
            "state": "payable" if kind == "final" else "held",
            "first": first,
            "last": last,
            "max_levels": MAX_LEVELS,
        },
    )
    if run_id is None:
        return None
    log.info("order %s paid: commissions of run %s accrued (%s)", order_id, run_id, kind)
    return int(run_id)


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
