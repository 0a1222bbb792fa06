"""Reading task forms and due times from requests, in the user's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.i18n import N_
from callcenter.limits import DUE_OUT_OF_RANGE, sane_due
from callcenter.orders.search import find_order_id
from callcenter.tasks.input import TaskInput, TaskInvalid
from web.values import int_field

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type=datetime-local> sends and shows


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
