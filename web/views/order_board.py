"""The order board: columns by status beside the list, cards moved by drag and drop.

The page works from the server alone (each card links to its order, whose buttons move it);
``board.js`` adds the drag and drop. A drop posts to ``/api/v1/orders/board/move``, which is
the order's ordinary status change (same rules, same row lock) and answers with every
column's fresh figures under the same filters, so the counts and sums on screen are the
database's, formatted the user's way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.errors import BadRequest
from callcenter.i18n import N_, format_money, format_number
from callcenter.invoices.terms import ORDER_PAYMENT_LABELS
from callcenter.orders.board import (
    PER_COLUMN,
    BoardColumn,
    Keyset,
    column_cards,
    column_figures,
    order_board,
)
from callcenter.orders.moves import change_status
from callcenter.orders.pipeline import AlreadyInStatus
from callcenter.orders.statuses import list_statuses
from callcenter.users.roles import Permission
from web import i18n
from web.apidoc.describe import BOOL, COUNT, ID, TEXT, array, described, obj
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.queries import order_query
from web.values import int_field, moment, read_json_object, ref
from web.views.orders import _filter_choices, duration


def filter_args(request: web.Request) -> dict[str, str]:
    """The list's filters as the request gave them (the status filter is the board's own)."""
    skip = {"page", "status", "after_at", "after_id", "view"}
    return {k: v for k, v in request.query.items() if k not in skip and v}


def sums_text(sums: dict[str, Decimal], currency: str) -> str:
    """A column's sum in the user's money format; each currency apart if orders mix them
    (``currency``: the installation's, for an empty column)."""
    if not sums:
        return format_money(Decimal(0), currency, i18n.LANGUAGE.get())
    return " + ".join(
        format_money(total, code, i18n.LANGUAGE.get()) for code, total in sorted(sums.items())
    )


def column_json(column: BoardColumn, currency: str) -> dict[str, Any]:
    return {
        "status": column.status.code,
        "count": column.count,
        "count_text": format_number(column.count, i18n.LANGUAGE.get()),
        "sum_text": sums_text(column.sums, currency),
    }


@requires(Permission.ORDERS_VIEW)
@aiohttp_jinja2.template("orders/board.html")
async def board(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    query = order_query(request)
    async with request.app[SESSIONMAKER]() as session:
        columns = await order_board(session, query, actor=actor)
    return {
        "columns": columns,
        "query": query,
        "args": filter_args(request),
        "duration": duration,
        "sums_text": lambda sums: sums_text(sums, request.app[SETTINGS].currency),
        "payment_labels": ORDER_PAYMENT_LABELS,
        **await _filter_choices(request),
    }


@requires(Permission.ORDERS_VIEW)
async def more(request: web.Request) -> web.StreamResponse:
    """A column's next cards after the keyset given (``after_at``, ``after_id``), as HTML."""
    actor = current_user(request)
    status_id = int_field(request.query, "status")
    after_at = moment(request.query.get("after_at"), "after_at")
    after_id = int_field(request.query, "after_id")
    if status_id is None or after_at is None or after_id is None:
        raise BadRequest(N_("Give the column and the card to continue after"))
    async with request.app[SESSIONMAKER]() as session:
        cards = await column_cards(
            session,
            order_query(request),
            actor=actor,
            status_id=status_id,
            after=Keyset(after_at, after_id),
            limit=PER_COLUMN + 1,
        )
    shown = cards[:PER_COLUMN]
    context = {
        "cards": shown,
        "status_id": status_id,
        "next_after": Keyset(shown[-1].status_changed_at, shown[-1].id)
        if len(cards) > PER_COLUMN
        else None,
        "args": filter_args(request),
        "duration": duration,
        "can_move": actor.can(Permission.ORDERS_EDIT),
    }
    return aiohttp_jinja2.render_template("orders/_board_cards.html", request, context)


MOVE_BODY = obj(("order", "status"), order=ID, status={**TEXT, "minLength": 1}, reason=TEXT)
MOVED = obj(
    ("moved", "columns"),
    moved=BOOL,
    columns=array(
        obj(("status", "count"), status=TEXT, count=COUNT, count_text=TEXT, sum_text=TEXT)
    ),
)


@requires(Permission.ORDERS_EDIT)
@described(body=MOVE_BODY, response=MOVED, tag="orders")
async def move(request: web.Request) -> web.Response:
    """``{"order": id, "status": code, "reason": "..."}``, the filters in the query string.

    A repeated drop (the order already there) is no error: the first one moved it, once.
    """
    body = await read_json_object(request)
    order_id, status, reason = (
        ref(body.get("order"), "order"),
        body.get("status"),
        body.get("reason") or "",
    )
    if order_id is None or not isinstance(status, str) or not status:
        raise BadRequest(N_('Give the order and its new status as {"order": id, "status": code}'))
    if not isinstance(reason, str):
        raise BadRequest(N_("The reason is a string"))
    actor = current_user(request)
    moved = True
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await change_status(
                session,
                order_id=order_id,
                status=status,
                reason=reason,
                actor=actor,
                settings=request.app[SETTINGS],
            )
    except AlreadyInStatus:
        moved = False
    async with request.app[SESSIONMAKER]() as session:
        figures = await column_figures(session, order_query(request), actor=actor)
        statuses = await list_statuses(session)
    columns = [BoardColumn(s, *figures.get(s.id, (0, {}))) for s in statuses]
    currency = request.app[SETTINGS].currency
    return web.json_response(
        {"moved": moved, "columns": [column_json(c, currency) for c in columns]}
    )
