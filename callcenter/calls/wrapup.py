"""Wrap-up: after a call the operator records its result, a note, and a follow-up reminder."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallRow, CallWrapup
from callcenter.calls.store import customer_number_of_row
from callcenter.db import utcnow
from callcenter.errors import Invalid, NotFound
from callcenter.i18n import N_
from callcenter.tasks.models import Task
from callcenter.tasks.webhooks import tell_webhooks
from callcenter.users.models import User

RESULTS = ("resolved", "follow_up", "sale", "complaint", "wrong_number", "other")


class WrapupInvalid(Invalid):
    id = "wrapup_invalid"


async def save_wrapup(
    session: AsyncSession,
    *,
    linkedid: str,
    actor: User,
    result: str,
    note: str = "",
    follow_up_at: datetime | None = None,
    request_key: str | None = None,
) -> CallWrapup:
    """Record the operator's wrap-up; a follow-up time makes a call task for them.

    ``request_key`` is the pop's form's own key: the form sent twice (a double click, a
    resent request) records one wrap-up and one task. The second sending waits on the key
    (``uq_call_wrapups_request_key``) for the first to commit and answers with its record."""
    errors: dict[str, str] = {}
    if result not in RESULTS:
        errors["result"] = N_("Choose the call's result")
    if follow_up_at is not None and follow_up_at < utcnow() - timedelta(minutes=1):
        errors["follow_up_at"] = N_("The follow-up must be in the future")
    if len(note) > 5000:
        errors["note"] = N_("The note is too long")
    if errors:
        raise WrapupInvalid(N_("Please correct the marked fields"), fields=errors)
    call = await session.scalar(select(CallRow).where(CallRow.linkedid == linkedid))
    if call is None:
        raise NotFound(N_("No such call"))
    key = (request_key or "").strip()[:120] or None
    values = {"call_id": call.id, "user_id": actor.id, "result": result, "note": note.strip()}
    added = await session.scalar(
        insert(CallWrapup)
        .values(**values, request_key=key)
        .on_conflict_do_nothing(constraint="uq_call_wrapups_request_key")
        .returning(CallWrapup.id)
    )
    if added is None:  # the key's wrap-up, committed by the first sending
        found = await session.scalar(
            select(CallWrapup).where(CallWrapup.call_id == call.id, CallWrapup.request_key == key)
        )
        assert found is not None
        return found
    wrapup = await session.get_one(CallWrapup, added)
    if follow_up_at is not None:
        wrapup.follow_up_task_id = await _follow_up_task(session, call, actor, note, follow_up_at)
        await session.flush()
    return wrapup


async def _follow_up_task(
    session: AsyncSession, call: CallRow, actor: User, note: str, due_at: datetime
) -> int:
    number = customer_number_of_row(call)
    task = Task(
        kind="call",
        title=note.strip()[:300] or f"Follow up {number}",
        notes=note.strip(),
        due_at=due_at,
        assignee_id=actor.id,
        client_id=call.client_id,
        call_id=call.id,
        phone=number,
        created_by_id=actor.id,
    )
    session.add(task)
    await session.flush()
    await tell_webhooks(session, "task.created", [task.id])
    return task.id
