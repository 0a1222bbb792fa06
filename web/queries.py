"""What a request's query string asks for, read the same way for the pages and the JSON API.

Each list's filters (clients, calls, orders, tasks, feedback, invoices) and a report's name
and filters become the domain's query objects here, once; a bad value is the domain's
``BadRequest``/``Invalid`` naming the parameter.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from callcenter.calls.service import CallQuery
from callcenter.clients.search import ClientQuery
from callcenter.feedback.service import FeedbackQuery
from callcenter.invoices.lists import STATUS_FILTERS, InvoiceQuery
from callcenter.limits import sane_day
from callcenter.orders.search import ORDER_PAYMENTS, OrderQuery
from callcenter.tasks.service import TaskQuery
from callcenter.users.models import User
from callcenter.users.roles import Role
from web.values import day, int_field, moment, page_field, per_page_field


def client_query(request: web.Request) -> ClientQuery:
    q = request.query
    page = page_field(q)
    return ClientQuery(
        q=q.get("q", ""),
        phone=q.get("phone", ""),
        inn=q.get("inn", ""),
        email=q.get("email", ""),
        owner_id=int_field(q, "owner"),
        channel_id=int_field(q, "channel"),
        segment_id=int_field(q, "segment"),
        tag_id=int_field(q, "tag"),
        kind=q.get("kind", ""),
        sort=q.get("sort", "name"),
        page=page,
        per_page=per_page_field(q, default=50, most=200),
    )


def call_query(request: web.Request, *, live: bool) -> CallQuery:
    q = request.query
    return CallQuery(
        since=moment(q.get("since"), "since"),
        until=moment(q.get("until"), "until"),
        phone=q.get("phone", ""),
        client_id=int_field(q, "client_id"),
        queue=q.get("queue", ""),
        agent=q.get("agent", ""),
        direction=q.get("direction", ""),
        outcome=q.get("outcome", ""),
        live=live,
        limit=int_field(q, "limit") or 100,
        offset=int_field(q, "offset") or 0,
    )


CALLS_PER_PAGE = 50


def call_list_query(request: web.Request, actor: User) -> CallQuery:
    """The calls page's filters: days in the user's time zone, a page of ``CALLS_PER_PAGE``
    (one more is asked for, to know whether a next page exists)."""
    q = request.query
    until = local_day(q.get("to", ""), actor.timezone, name="to")
    return CallQuery(
        since=local_day(q.get("from", ""), actor.timezone, name="from"),
        until=until + timedelta(days=1) if until else None,
        phone=q.get("phone", ""),
        client_id=int_field(q, "client"),
        queue=q.get("queue", "").strip(),
        agent=q.get("agent", ""),
        direction=q.get("direction", ""),
        outcome=q.get("outcome", ""),
        limit=CALLS_PER_PAGE + 1,
        offset=(page_field(q) - 1) * CALLS_PER_PAGE,
    )


def _date(text: str | None) -> date | None:
    """A day, or none when it is not one (the list then ignores it), within 1900..2200."""
    try:
        parsed = date.fromisoformat(text or "")
    except ValueError:
        return None
    return parsed if sane_day(parsed) else None


def order_query(request: web.Request) -> OrderQuery:
    q = request.query
    return OrderQuery(
        q=q.get("q", ""),
        status_id=int_field(q, "status"),
        manager_id=int_field(q, "manager"),
        channel_id=int_field(q, "channel"),
        client_id=int_field(q, "client"),
        created_from=_date(q.get("from")),
        created_to=_date(q.get("to")),
        overdue=q.get("overdue", "").lower() in ("1", "on", "true", "yes"),
        payment=q.get("payment", "") if q.get("payment") in ORDER_PAYMENTS else "",
        page=page_field(q),
        per_page=per_page_field(q, default=50, most=200),
    )


def local_day(text: str, timezone: str, *, name: str) -> datetime | None:
    """The start of a YYYY-MM-DD day in the user's time zone."""
    if not text.strip():
        return None
    parsed = day(text, name)
    return datetime.combine(parsed, time(), ZoneInfo(timezone)) if parsed else None


def task_query(request: web.Request, actor: User) -> TaskQuery:
    q = request.query
    mine_first = actor.role in (Role.OPERATOR, Role.MANAGER)
    until = local_day(q.get("to", ""), actor.timezone, name="to")
    return TaskQuery(
        assignee=q.get("assignee", "me" if mine_first else ""),
        kind=q.get("kind", ""),
        status=q.get("status", "open"),
        overdue=q.get("overdue", "") in ("1", "on", "true", "yes"),
        due_from=local_day(q.get("from", ""), actor.timezone, name="from"),
        due_until=until + timedelta(days=1) if until else None,
        client_id=int_field(q, "client"),
        order_id=int_field(q, "order"),
        page=page_field(q),
        per_page=per_page_field(q, default=50, most=200),
    )


def task_api_query(request: web.Request) -> TaskQuery:
    q = request.query
    return TaskQuery(
        assignee=q.get("assignee", ""),
        kind=q.get("kind", ""),
        status=q.get("status", ""),
        overdue=q.get("overdue", "") in ("1", "on", "true", "yes"),
        due_from=moment(q.get("due_from"), "due_from"),
        due_until=moment(q.get("due_until"), "due_until"),
        client_id=int_field(q, "client_id"),
        order_id=int_field(q, "order_id"),
        page=page_field(q),
        per_page=per_page_field(q, default=50, most=200),
    )


def feedback_query(request: web.Request) -> FeedbackQuery:
    q = request.query
    return FeedbackQuery(
        kind=q.get("kind", ""),
        status=q.get("status", ""),
        client_id=int_field(q, "client") or int_field(q, "client_id"),
        order_id=int_field(q, "order") or int_field(q, "order_id"),
        owner=q.get("owner", ""),
        page=page_field(q),
        per_page=per_page_field(q, default=50, most=200),
    )


def invoice_query(request: web.Request) -> InvoiceQuery:
    q = request.query
    status = q.get("status", "")
    return InvoiceQuery(
        status=status if status in STATUS_FILTERS else "",
        client_id=int_field(q, "client"),
        order_id=int_field(q, "order"),
        year=int_field(q, "year"),
        number=int_field(q, "number"),
        page=page_field(q),
        per_page=per_page_field(q, default=50, most=200),
    )
