"""Reading task filters, forms and periods from requests, in the user's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.i18n import N_
from callcenter.limits import DUE_OUT_OF_RANGE, sane_due
from callcenter.orders.search import find_order_id
from callcenter.tasks.input import TaskInput, TaskInvalid
from callcenter.tasks.service import TaskQuery
from callcenter.users.models import User
from callcenter.users.roles import Role
from web.values import day, int_field, page_field, per_page_field

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type=datetime-local> sends and shows


def local_day(text: str, timezone: str, *, name: str) -> datetime | None:
    """The start of a YYYY-MM-DD day in the user's time zone."""
    if not text.strip():
        return None
    parsed = day(text, name)
    return datetime.combine(parsed, time(), ZoneInfo(timezone)) if parsed else None


def local_time(value: str, timezone: str) -> datetime | None:
    """A ``datetime-local`` value read in the user's time zone (an offset, if given, wins)."""
    if not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise TaskInvalid(
            N_("Please correct the marked fields"), fields={"due_at": N_("Not a date and time")}
        ) from None
    if not sane_due(parsed):
        raise TaskInvalid(
            N_("Please correct the marked fields"), fields={"due_at": DUE_OUT_OF_RANGE}
        )
    return parsed.replace(tzinfo=ZoneInfo(timezone)) if parsed.tzinfo is None else parsed


def as_local(value: datetime | None, timezone: str) -> str:
    return value.astimezone(ZoneInfo(timezone)).strftime(LOCAL_FORMAT) if value else ""


def default_due(timezone: str) -> str:
    """Within the hour, on a quarter: what a new task proposes."""
    soon = utcnow() + timedelta(hours=1)
    soon = soon.replace(minute=soon.minute - soon.minute % 15, second=0, microsecond=0)
    return as_local(soon, timezone)


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


@dataclass
class TaskForm:
    """A task form as typed: the input, the due time's and the order number's text to show
    back."""

    data: TaskInput
    due_text: str
    order_text: str = ""


def task_form(form: MultiDictProxy[Any]) -> TaskForm:
    due_text = str(form.get("due_at", ""))
    data = TaskInput(
        kind=str(form.get("kind", "")),
        title=str(form.get("title", "")),
        notes=str(form.get("notes", "")),
        assignee_id=int_field(form, "assignee_id"),
        queue=str(form.get("queue", "")),
        client_id=int_field(form, "client_id"),
        call_id=int_field(form, "call_id"),
        phone=str(form.get("phone", "")),
    )
    return TaskForm(data, due_text, str(form.get("order", "")).strip())


def with_due(form: TaskForm, timezone: str) -> TaskInput:
    """The input with its due time read; TaskInvalid names the field when it is no time."""
    form.data.due_at = local_time(form.due_text, timezone)
    return form.data


async def order_of_form(session: AsyncSession, number: str) -> int | None:
    """The order a form names by its number; TaskInvalid when no order has it."""
    order_id = await find_order_id(session, number)
    if number and order_id is None:
        raise TaskInvalid(
            N_("Please correct the marked fields"),
            fields={"order_id": N_("No order has this number")},
        )
    return order_id
