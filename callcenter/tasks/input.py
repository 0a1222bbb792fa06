"""What a user submits for a task, and its validation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from callcenter.errors import Invalid
from callcenter.i18n import N_
from callcenter.limits import DUE_OUT_OF_RANGE, sane_due
from callcenter.phones import PhoneError, parse_phone
from callcenter.tasks.models import TASK_KINDS

MAX_NOTES = 5000


class TaskInvalid(Invalid):
    id = "task_invalid"


@dataclass
class TaskInput:
    kind: str = "call"
    title: str = ""
    notes: str = ""
    due_at: datetime | None = None
    assignee_id: int | None = None
    queue: str = ""  # a queue's pool, when nobody is assigned
    client_id: int | None = None
    call_id: int | None = None
    order_id: int | None = None
    phone: str = ""


def validate_task(data: TaskInput, *, region: str) -> TaskInput:
    """Clean values (trimmed, phone in E.164), or TaskInvalid with a message per field."""
    errors: dict[str, str] = {}
    clean = replace(
        data,
        title=" ".join(data.title.split()),
        notes=data.notes.strip(),
        queue=data.queue.strip(),
        phone=data.phone.strip(),
    )
    if clean.kind not in TASK_KINDS:
        errors["kind"] = N_("Choose what kind of task it is")
    if not clean.title:
        errors["title"] = N_("Say what is to be done")
    elif len(clean.title) > 300:
        errors["title"] = N_("The title is too long (300 characters at most)")
    if len(clean.notes) > MAX_NOTES:
        errors["notes"] = N_("The note is too long")
    if clean.due_at is None:
        errors["due_at"] = N_("Give the due date and time")
    elif clean.due_at.tzinfo is None:
        raise ValueError("due_at must carry its time zone")
    elif not sane_due(clean.due_at):
        errors["due_at"] = DUE_OUT_OF_RANGE
    if clean.assignee_id is None and not clean.queue:
        errors["assignee_id"] = N_("Choose who does it, or a queue whose operators share it")
    if len(clean.queue) > 80:
        errors["queue"] = N_("The queue name is too long")
    if clean.phone:
        try:
            clean.phone = parse_phone(clean.phone, region).e164
        except PhoneError as exc:
            errors["phone"] = str(exc)
    if errors:
        raise TaskInvalid(N_("Please correct the marked fields"), fields=errors)
    if clean.assignee_id is not None:
        clean.queue = ""  # an assigned task leaves the pool
    return clean
