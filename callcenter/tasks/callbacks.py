"""A missed inbound call (abandoned in a queue, or not answered) becomes one callback task."""

from __future__ import annotations

import re

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallRow
from callcenter.calls.records import Direction, Outcome
from callcenter.clients.models import Client
from callcenter.i18n import N_
from callcenter.tasks.models import Task
from callcenter.tasks.webhooks import tell_webhooks

OPEN_DEDUPE = text("status = 'open' AND dedupe_key IS NOT NULL")  # uq_tasks_open_dedupe
MISSED = (Outcome.ABANDONED.value, Outcome.NO_ANSWER.value)
# a callback's title is stored in one form (searchable, the same for every reader) and shown
# in each reader's language with the number as people read it (``callback_number``)
CALLBACK_TITLE = N_("Call back %(number)s")
STORED_TITLE = re.compile(r"Call back (\+\d{5,16})")


def callback_number(title: str) -> str | None:
    """The number of a missed call's callback task title as stored, else None."""
    match = STORED_TITLE.fullmatch(title)
    return match.group(1) if match else None


def calls_back(direction: str, outcome: str | None, caller: str) -> bool:
    """Whether a call that ended so is one to call back: inbound, missed, from a number."""
    return direction == Direction.INBOUND.value and outcome in MISSED and caller.startswith("+")


async def callback_for_missed_call(session: AsyncSession, call: CallRow) -> int | None:
    """Create (or bump) the callback task for a missed inbound call; returns the task's id.

    One open callback per number (``uq_tasks_open_dedupe``, however many calls end at once):
    a caller who tries three times gets one task whose ``repeats`` says 3; the same call
    stored again (a replay) is not counted again. It goes to the client's owner, else to the
    queue's pool.
    """
    if not calls_back(call.direction, call.outcome, call.caller):
        return None  # answered, outbound, or a hidden number that cannot be called back
    owner_id = None
    if call.client_id is not None:
        owner_id = await session.scalar(select(Client.owner_id).where(Client.id == call.client_id))
    values = {
        "kind": "call",
        "title": CALLBACK_TITLE % {"number": call.caller},
        "due_at": call.ended_at or func.now(),
        "assignee_id": owner_id,
        "queue": "" if owner_id else call.queue,
        "client_id": call.client_id,
        "call_id": call.id,
        "phone": call.caller,
        "dedupe_key": f"callback:{call.caller}",
        "repeats": 1,
    }
    stmt = (
        insert(Task)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[Task.dedupe_key],
            index_where=OPEN_DEDUPE,  # literal SQL: PostgreSQL matches the partial index by text
        )
        .returning(Task.id)
    )
    task_id = (await session.execute(stmt)).scalar_one_or_none()
    if task_id is not None:
        await tell_webhooks(session, "task.created", [task_id])
        return task_id
    open_task = (Task.dedupe_key == values["dedupe_key"], Task.status == "open")
    bumped = await session.scalar(  # the row lock makes concurrent bumps take turns
        update(Task)
        .where(*open_task, Task.call_id.is_distinct_from(call.id))  # a call counts once
        .values(repeats=Task.repeats + 1, call_id=call.id)
        .returning(Task.id)
    )
    return bumped or await session.scalar(select(Task.id).where(*open_task))
