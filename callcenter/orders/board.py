"""The order board: one column per pipeline status, in the pipeline's order.

Each column carries its whole count and sum under the list's filters (manager, channel,
client, period, search, overdue, payment; the status filter is the board's columns
themselves) and its first cards, the most recently moved first. «More» pages a column on by
keyset — the last card's (status_changed_at, id) — never by OFFSET, so a card moved away
meanwhile neither repeats nor hides another.

Moving a card is the order's ordinary status change (``moves.change_status``): the same
rules, the same row lock, the same history and letters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.orders.models import Order, OrderStatus
from callcenter.orders.search import OrderQuery, order_conditions
from callcenter.orders.service import order_loading
from callcenter.orders.statuses import list_statuses
from callcenter.users.models import User
from callcenter.users.roles import Permission

PER_COLUMN = 20
MOST_PER_COLUMN = 100


@dataclass(frozen=True)
class Keyset:
    """Where a column's next page starts: after this card."""

    changed_at: datetime
    order_id: int


@dataclass
class BoardColumn:
    status: OrderStatus
    count: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)  # currency: sum of totals
    cards: list[Order] = field(default_factory=list)

    @property
    def next_after(self) -> Keyset | None:
        """The keyset of the next page, when the column has more cards than it shows."""
        if not self.cards or len(self.cards) >= self.count:
            return None
        last = self.cards[-1]
        return Keyset(last.status_changed_at, last.id)


def _board_conditions(query: OrderQuery, actor: User) -> list[ColumnElement[bool]]:
    if not actor.can(Permission.ORDERS_VIEW):
        raise Forbidden(N_("You may not see orders"))
    if query.payment and not actor.can(Permission.INVOICES_VIEW):
        raise Forbidden(N_("You may not see invoices"))
    return order_conditions(replace(query, status_id=None), actor)


async def column_figures(
    session: AsyncSession, query: OrderQuery, *, actor: User
) -> dict[int, tuple[int, dict[str, Decimal]]]:
    """Per status id: how many orders the filters keep and their sum per currency."""
    rows = await session.execute(
        select(Order.status_id, Order.currency, func.count(), func.sum(Order.total))
        .where(*_board_conditions(query, actor))
        .group_by(Order.status_id, Order.currency)
    )
    figures: dict[int, tuple[int, dict[str, Decimal]]] = {}
    for status_id, currency, count, total in rows:
        before, sums = figures.get(status_id, (0, {}))
        sums[currency] = total
        figures[status_id] = (before + count, sums)
    return figures


def _newest_moved_first() -> tuple[ColumnElement[datetime], ColumnElement[int]]:
    return (Order.status_changed_at.desc(), Order.id.desc())


async def column_cards(
    session: AsyncSession,
    query: OrderQuery,
    *,
    actor: User,
    status_id: int,
    after: Keyset | None = None,
    limit: int = PER_COLUMN,
) -> list[Order]:
    """One column's next cards after ``after`` (its first ones without)."""
    conds = [*_board_conditions(query, actor), Order.status_id == status_id]
    if after is not None:
        conds.append(
            tuple_(Order.status_changed_at, Order.id) < tuple_(after.changed_at, after.order_id)
        )
    rows = await session.scalars(
        select(Order)
        .where(*conds)
        .order_by(*_newest_moved_first())
        .limit(min(max(limit, 1), MOST_PER_COLUMN))
        .options(*order_loading())
    )
    return list(rows)


async def first_cards(
    session: AsyncSession, query: OrderQuery, *, actor: User, limit: int
) -> dict[int, list[Order]]:
    """Every column's first ``limit`` cards in one query (a rank within each status)."""
    rank = (
        func.row_number()
        .over(partition_by=Order.status_id, order_by=_newest_moved_first())
        .label("rank")
    )
    ranked = select(Order.id, rank).where(*_board_conditions(query, actor)).subquery("ranked")
    rows = await session.scalars(
        select(Order)
        .join(ranked, and_(ranked.c.id == Order.id, ranked.c.rank <= limit))
        .order_by(Order.status_id, *_newest_moved_first())
        .options(*order_loading())
    )
    cards: dict[int, list[Order]] = {}
    for order in rows:
        cards.setdefault(order.status_id, []).append(order)
    return cards


async def order_board(
    session: AsyncSession, query: OrderQuery, *, actor: User, per_column: int = PER_COLUMN
) -> list[BoardColumn]:
    """The whole board: every status of the pipeline, empty ones too, in its order."""
    per_column = min(max(per_column, 1), MOST_PER_COLUMN)
    figures = await column_figures(session, query, actor=actor)
    cards = await first_cards(session, query, actor=actor, limit=per_column)
    columns = []
    for status in await list_statuses(session):
        count, sums = figures.get(status.id, (0, {}))
        columns.append(BoardColumn(status, count, sums, cards.get(status.id, [])))
    return columns
