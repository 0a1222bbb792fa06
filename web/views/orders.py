"""Order pages: the list with filters and reorder hints, the order card, status moves,
stage analytics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from babel.dates import format_timedelta

from callcenter.clients import lists
from callcenter.errors import DomainError
from callcenter.i18n import babel_locale
from callcenter.invoices.terms import ORDER_PAYMENT_LABELS
from callcenter.mail.service import messages_about
from callcenter.orders.analytics import order_stages, stage_figures
from callcenter.orders.hints import clients_due_for_reorder
from callcenter.orders.models import Order
from callcenter.orders.moves import change_status, moves_for, order_history
from callcenter.orders.pipeline import AlreadyInStatus, MoveRefused, ReasonRequired
from callcenter.orders.search import search_orders
from callcenter.orders.service import get_order
from callcenter.orders.statuses import list_statuses
from callcenter.products.units import UNITS, VAT_LABELS
from callcenter.users.roles import Permission, Role
from callcenter.users.service import list_users
from web import i18n
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.queries import order_query
from web.views.order_links import order_links


def duration(seconds: float | None) -> str:
    """A stay as people say it («3 дня», «5 hours»), in the reader's language."""
    if seconds is None:
        return "—"
    return format_timedelta(
        timedelta(seconds=seconds), threshold=1.5, locale=babel_locale(i18n.LANGUAGE.get())
    )


async def _filter_choices(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        users = await list_users(session)
        return {
            "statuses": await list_statuses(session),
            "managers": [u for u in users if u.role in (Role.MANAGER, Role.ADMIN)],
            "channels": await lists.list_entries(session, "channel"),
        }


@requires(Permission.ORDERS_VIEW)
@aiohttp_jinja2.template("orders/list.html")
async def order_list(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    query = order_query(request)
    async with request.app[SESSIONMAKER]() as session:
        page = await search_orders(session, query, actor=actor)
        due = await clients_due_for_reorder(session, actor=actor, limit=20)
    args = {k: v for k, v in request.query.items() if k != "page" and v}
    return {
        "page": page,
        "query": query,
        "args": args,
        "board_args": {k: v for k, v in args.items() if k != "status"},
        "due_clients": due,
        "duration": duration,
        "payment_labels": ORDER_PAYMENT_LABELS,
        **await _filter_choices(request),
    }


async def _card_context(request: web.Request, order: Order) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        history = await order_history(session, order.id)
        moves = await moves_for(session, order)
        messages = await messages_about(session, "order", order.id)
        stages = await order_stages(session, [order])
        linked = await order_links(session, order, current_user(request))
    return {
        **linked,
        "order": order,
        "history": history,
        "moves": moves,
        "messages": messages,
        "stage_seconds": stages[0].seconds if stages else {},
        "units": UNITS,
        "vat_labels": VAT_LABELS,
        "duration": duration,
        "errors": {},
        "message": "",
        "typed_reason": "",
        "failed_status": None,
    }


@requires(Permission.ORDERS_VIEW)
async def card(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        order = await get_order(session, int(request.match_info["id"]), actor=current_user(request))
    context = await _card_context(request, order)
    return aiohttp_jinja2.render_template("orders/card.html", request, context)


@requires(Permission.ORDERS_EDIT)
async def move(request: web.Request) -> web.StreamResponse:
    """A status button: the new status (its code) and, for cancelling, the reason."""
    actor = current_user(request)
    order_id = int(request.match_info["id"])
    form = await request.post()
    target, reason = str(form.get("status", "")), str(form.get("reason", ""))
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await change_status(
                session,
                order_id=order_id,
                status=target,
                reason=reason,
                actor=actor,
                settings=request.app[SETTINGS],
            )
    except AlreadyInStatus:
        pass  # a double click: the first click moved it (once: the order's row is locked)
    except (ReasonRequired, MoveRefused) as exc:
        return await _refused(request, order_id, exc, target, reason)
    raise web.HTTPFound(f"/orders/{order_id}")


async def _refused(
    request: web.Request, order_id: int, exc: DomainError, target: str, reason: str
) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        order = await get_order(session, order_id, actor=current_user(request))
    context = await _card_context(request, order)
    context.update(
        errors=exc.fields, message=exc.message, typed_reason=reason, failed_status=target
    )
    return aiohttp_jinja2.render_template("orders/card.html", request, context, status=exc.status)


@requires(Permission.ORDERS_VIEW)
@aiohttp_jinja2.template("orders/analytics.html")
async def analytics(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    query = order_query(request)
    query.per_page = 50
    async with request.app[SESSIONMAKER]() as session:
        figures = await stage_figures(session, query, actor=actor)
        recent = await search_orders(session, query, actor=actor)
        per_order = await order_stages(session, recent.items)
    return {
        "figures": figures,
        "per_order": per_order,
        "query": query,
        "duration": duration,
        **await _filter_choices(request),
    }
