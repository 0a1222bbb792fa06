"""Bonus weights, pools and their approval; contributions read from ``manager_hours``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.bonuses.models import (
    DEFAULT_WEIGHTS,
    MEASURES,
    BonusPool,
    BonusShare,
    BonusWeight,
    ManagerHour,
)
from callcenter.bonuses.split import Contribution, Split, split_pool
from callcenter.db import utcnow
from callcenter.errors import Conflict, Forbidden, Invalid, NotFound
from callcenter.i18n import N_
from callcenter.limits import check_fits
from callcenter.orders.money import MAX_AMOUNT, NotANumber, money, parse_decimal
from callcenter.reports.filters import ReportFilters
from callcenter.users.models import User
from callcenter.users.roles import Permission, Role


async def bonus_weights(session: AsyncSession) -> dict[str, int]:
    stored = dict((await session.execute(select(BonusWeight.measure, BonusWeight.weight))).all())
    return {m: int(stored.get(m, DEFAULT_WEIGHTS[m])) for m in MEASURES}


def parse_weights(form: Mapping[str, str]) -> dict[str, int]:
    weights, errors = {}, {}
    for m in MEASURES:
        raw = str(form.get(m, "")).strip()
        if not (raw.isascii() and raw.isdigit() and int(raw) <= 1000):
            errors[m] = N_("A whole number from 0 to 1000")
        else:
            weights[m] = int(raw)
    if not errors and not any(weights.values()):
        errors[MEASURES[0]] = N_("At least one weight above zero")
    if errors:
        raise Invalid(N_("Check the weights"), fields=errors)
    return weights


async def set_bonus_weights(
    session: AsyncSession, *, form: Mapping[str, str], actor: User
) -> dict[str, int]:
    if not actor.can(Permission.BONUS_WEIGHTS):
        raise Forbidden(N_("Only an admin sets the bonus weights"))
    weights, before = parse_weights(form), await bonus_weights(session)
    for measure, weight in weights.items():
        row = await session.get(BonusWeight, measure)
        if row is None:
            session.add(BonusWeight(measure=measure, weight=weight, updated_by_id=actor.id))
        else:
            row.weight, row.updated_by_id = weight, actor.id
    changes = {m: [before[m], weights[m]] for m in MEASURES if before[m] != weights[m]}
    await record_change(
        session, actor=actor, entity="bonus_weights", entity_id=0, action="changed", changes=changes
    )
    await session.flush()
    return weights


async def contributions(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[Contribution]:
    """Every manager's measures over [since, until), from the hourly rollup: users in the
    manager role, and anyone else who fulfilled orders as an order's manager."""
    h = ManagerHour
    sums = (
        select(
            h.user_id,
            func.sum(h.revenue).label("revenue"),
            func.sum(h.orders).label("orders"),
            func.sum(h.calls).label("calls"),
            func.sum(h.talk_seconds).label("talk"),
            func.sum(h.tasks_on_time).label("on_time"),
        )
        .where(h.hour >= since, h.hour < until)
        .group_by(h.user_id)
        .subquery()
    )
    rows = await session.execute(
        select(User.id, User.full_name, User.login, sums)
        .outerjoin(sums, sums.c.user_id == User.id)
        .where((User.role == Role.MANAGER.value) & (User.active | sums.c.user_id.is_not(None)))
        .order_by(User.full_name, User.login)
    )
    return [
        Contribution(
            r.id,
            r.full_name or r.login,
            Decimal(r.revenue or 0),
            int(r.orders or 0),
            int(r.calls or 0),
            float(r.talk or 0.0),
            int(r.on_time or 0),
        )
        for r in rows
    ]


async def pool_for(session: AsyncSession, first_day: date, last_day: date) -> BonusPool | None:
    return await session.scalar(
        select(BonusPool).where(BonusPool.first_day == first_day, BonusPool.last_day == last_day)
    )


def parse_amount(raw: str) -> Decimal:
    try:
        amount = money(parse_decimal(raw.strip()))
    except NotANumber:
        raise Invalid(N_("Check the pool"), fields={"amount": N_("An amount")}) from None
    if not Decimal("0") < amount <= MAX_AMOUNT:
        raise Invalid(N_("Check the pool"), fields={"amount": N_("An amount above zero")})
    return amount


REVENUE_TOO_LARGE = N_("A manager's revenue in this period is too large to be stored")


def _may_approve(actor: User) -> None:
    if not actor.can(Permission.BONUSES_APPROVE):
        raise Forbidden(N_("Only a supervisor or an admin sets and approves bonus pools"))


async def set_pool(
    session: AsyncSession,
    *,
    filters: ReportFilters,
    amount: str,
    note: str,
    currency: str,
    actor: User,
) -> BonusPool:
    """Enter (or change, until approved) the pool of the filters' period."""
    _may_approve(actor)
    value = parse_amount(amount)
    pool = await pool_for(session, filters.first_day, filters.last_day)
    if pool is not None and pool.approved:
        raise Conflict(N_("This period's bonus split is approved and can no longer change"))
    if pool is None:
        pool = BonusPool(
            first_day=filters.first_day,
            last_day=filters.last_day,
            since=filters.since,
            until=filters.until,
            currency=currency,
            created_by_id=actor.id,
        )
        session.add(pool)
    before = pool.amount
    pool.amount, pool.note = value, note.strip()[:2000]
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="bonus_pool",
        entity_id=pool.id,
        action="changed" if before is not None else "created",
        changes={"amount": [str(before) if before is not None else None, str(value)]},
    )
    return pool


async def approve_pool(session: AsyncSession, *, pool_id: int, actor: User) -> BonusPool:
    """Freeze the pool's split as computed now: its shares, weights and measures."""
    _may_approve(actor)
    pool = await session.get(BonusPool, pool_id, with_for_update=True)
    if pool is None:
        raise NotFound(N_("No such bonus pool"))
    if pool.approved:
        raise Conflict(N_("This period's bonus split is approved and can no longer change"))
    split = await live_split(session, pool)
    if not split.shares or split.shares[0].amount is None:
        raise Conflict(N_("Nobody contributed in this period: there is nothing to split"))
    for s in split.shares:
        c = s.contribution
        # a share is at most the pool; the revenue is a sum of many orders, past any order's
        check_fits(c.revenue, BonusShare.revenue, "revenue", REVENUE_TOO_LARGE)
        session.add(
            BonusShare(
                pool_id=pool.id,
                user_id=c.user_id,
                manager_name=c.name,
                revenue=c.revenue,
                orders=c.orders,
                calls=c.calls,
                talk_seconds=c.talk_seconds,
                tasks_on_time=c.tasks_on_time,
                share=float(s.share * 100),
                amount=s.amount,
            )
        )
    pool.weights, pool.approved_at = dict(split.weights), utcnow()
    pool.approved_by_id, pool.approved_by_name = actor.id, actor.display_name
    await session.flush()
    await record_change(
        session, actor=actor, entity="bonus_pool", entity_id=pool.id, action="approved"
    )
    return pool


async def live_split(session: AsyncSession, pool: BonusPool | None, **period: Any) -> Split:
    """The split as the rollup gives it now (for a pool not yet approved, or no pool)."""
    since, until = (pool.since, pool.until) if pool else (period["since"], period["until"])
    found = await contributions(session, since=since, until=until)
    return split_pool(found, await bonus_weights(session), pool.amount if pool else None)


async def frozen_split(session: AsyncSession, pool: BonusPool) -> Split:
    """An approved pool's split exactly as it was approved."""
    stored = list(
        await session.scalars(
            select(BonusShare).where(BonusShare.pool_id == pool.id).order_by(BonusShare.id)
        )
    )
    found = [
        Contribution(
            s.user_id, s.manager_name, s.revenue, s.orders, s.calls, s.talk_seconds, s.tasks_on_time
        )
        for s in stored
    ]
    split = split_pool(found, {m: int(w) for m, w in (pool.weights or {}).items()}, pool.amount)
    shares = [  # the stored share and amount, never recomputed
        replace(s, share=Decimal(str(row.share)) / 100, amount=row.amount)
        for s, row in zip(split.shares, stored, strict=True)
    ]
    return replace(split, shares=shares)


async def recent_pools(session: AsyncSession, limit: int = 12) -> list[BonusPool]:
    rows = await session.scalars(
        select(BonusPool).order_by(BonusPool.first_day.desc(), BonusPool.id.desc()).limit(limit)
    )
    return list(rows)
