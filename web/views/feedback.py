"""Feedback pages: the list with filters, recording new feedback, one item handled in place."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.names import audit_names
from callcenter.audit.service import list_history
from callcenter.calls.models import CallRow
from callcenter.clients.models import Client
from callcenter.feedback.input import FeedbackInput, FeedbackInvalid
from callcenter.feedback.models import FEEDBACK_KINDS, FEEDBACK_STATUSES, Feedback
from callcenter.feedback.service import (
    create_feedback,
    get_feedback,
    list_feedback,
    owners,
    to_input,
    update_feedback,
)
from callcenter.i18n import N_
from callcenter.orders.links import linkable_order
from callcenter.orders.models import Order
from callcenter.orders.search import find_order_id
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.keys import SESSIONMAKER
from web.queries import feedback_query
from web.values import int_field


def feedback_form(form: MultiDictProxy[Any]) -> FeedbackInput:
    return FeedbackInput(
        kind=str(form.get("kind", "")),
        client_id=int_field(form, "client_id"),
        call_id=int_field(form, "call_id"),
        owner_id=int_field(form, "owner_id"),
        text=str(form.get("text", "")),
        status=str(form.get("status", "new")),
        resolution=str(form.get("resolution", "")),
        score_scale=str(form.get("score_scale", "")),
        score=str(form.get("score", "")),
    )


async def order_of_form(session: AsyncSession, number: str) -> int | None:
    """The order a form names by its number; FeedbackInvalid when no order has it."""
    order_id = await find_order_id(session, number)
    if number and order_id is None:
        raise FeedbackInvalid(
            N_("Please correct the marked fields"),
            fields={"order_id": N_("No order has this number")},
        )
    return order_id


@requires(Permission.FEEDBACK_VIEW)
@aiohttp_jinja2.template("feedback/list.html")
async def feedback_list(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    query = feedback_query(request)
    async with request.app[SESSIONMAKER]() as session:
        page = await list_feedback(session, query, actor=actor)
        people = await owners(session)
        client = await session.get(Client, query.client_id) if query.client_id else None
        order = await session.get(Order, query.order_id) if query.order_id else None
    return {
        "page": page,
        "query": query,
        "args": {k: v for k, v in request.query.items() if k != "page"},
        "people": people,
        "kinds": FEEDBACK_KINDS,
        "statuses": FEEDBACK_STATUSES,
        "filter_client": client,
        "filter_order": order,
    }


async def _context(
    request: web.Request,
    form: FeedbackInput,
    *,
    item: Feedback | None,
    errors: dict[str, str] | None = None,
    message: str = "",
    order_text: str | None = None,
) -> dict[str, Any]:
    """``order_text``: the order number as typed (None: the linked order's)."""
    async with request.app[SESSIONMAKER]() as session:
        client = await session.get(Client, form.client_id) if form.client_id else None
        call = await session.get(CallRow, form.call_id) if form.call_id else None
        if order_text is None:
            order = await session.get(Order, form.order_id) if form.order_id else None
            order_text = order.number if order else ""
        history = (
            await list_history(session, entity="feedback", entity_ids=[item.id]) if item else []
        )
        people = await owners(session)
        history_names = await audit_names(session, history)
    return {
        "form": form,
        "item": item,
        "errors": errors or {},
        "message": message,
        "form_client": client,
        "form_call": call,
        "order_text": order_text,
        "history": history,
        "audit_names": history_names,
        "people": people,
        "kinds": FEEDBACK_KINDS,
        "statuses": FEEDBACK_STATUSES,
        "may_edit": current_user(request).can(Permission.FEEDBACK_EDIT),
    }


def _render(request: web.Request, context: dict[str, Any], status: int = 200) -> web.Response:
    return aiohttp_jinja2.render_template("feedback/form.html", request, context, status=status)


@requires(Permission.FEEDBACK_EDIT)
async def new_page(request: web.Request) -> web.StreamResponse:
    q = request.query
    async with request.app[SESSIONMAKER]() as session:
        order = await linkable_order(session, int_field(q, "order"), current_user(request))
    form = FeedbackInput(
        kind=q.get("kind", "complaint"),
        client_id=int_field(q, "client") or (order.client_id if order else None),
        call_id=int_field(q, "call"),
        order_id=order.id if order else None,
    )
    return _render(request, await _context(request, form, item=None))


@requires(Permission.FEEDBACK_EDIT)
async def create(request: web.Request) -> web.StreamResponse:
    post = await request.post()
    form, order_text = feedback_form(post), str(post.get("order", "")).strip()
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            form.order_id = await order_of_form(session, order_text)
            item = await create_feedback(session, data=form, actor=current_user(request))
    except FeedbackInvalid as exc:
        context = await _context(
            request, form, item=None, errors=exc.fields, message=exc.message, order_text=order_text
        )
        return _render(request, context, status=422)
    raise web.HTTPFound(f"/feedback/{item.id}")


@requires(Permission.FEEDBACK_VIEW)
async def detail(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        item = await get_feedback(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
    context = await _context(request, to_input(item), item=item)
    context["saved"] = request.query.get("saved") == "1"
    return _render(request, context)


@requires(Permission.FEEDBACK_EDIT)
async def update(request: web.Request) -> web.StreamResponse:
    actor = current_user(request)
    feedback_id = int(request.match_info["id"])
    post = await request.post()
    form, order_text = feedback_form(post), str(post.get("order", "")).strip()
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            form.order_id = await order_of_form(session, order_text)
            await update_feedback(session, feedback_id=feedback_id, data=form, actor=actor)
    except FeedbackInvalid as exc:
        async with request.app[SESSIONMAKER]() as session:
            item = await get_feedback(session, feedback_id, actor=actor)
        context = await _context(
            request, form, item=item, errors=exc.fields, message=exc.message, order_text=order_text
        )
        return _render(request, context, status=422)
    raise web.HTTPFound(f"/feedback/{feedback_id}?saved=1")
