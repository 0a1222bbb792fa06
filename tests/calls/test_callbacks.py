"""Missed inbound calls become one callback task per number, for the owner or the queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from callcenter.calls.models import CallRow
from callcenter.calls.records import Direction, Outcome
from callcenter.calls.service import save_call
from callcenter.tasks.callbacks import callback_for_missed_call
from callcenter.tasks.models import Task
from tests.calls.test_calls_store import T0, inbound_answered


async def missed(
    session: Any,
    linkedid: str,
    caller: str = "+79161234567",
    outcome: Outcome = Outcome.ABANDONED,
    direction: Direction = Direction.INBOUND,
) -> CallRow:
    call = inbound_answered(linkedid, caller=caller)
    call.direction, call.outcome = direction, outcome
    call.ended_at = T0 + timedelta(seconds=30)
    call_id = await save_call(session, call)
    return await session.get(CallRow, call_id)


async def test_three_missed_calls_from_one_number_make_one_task(db_session: Any) -> None:
    for i in range(3):
        await callback_for_missed_call(db_session, await missed(db_session, f"m.{i}"))
    await db_session.commit()
    [task] = list(await db_session.scalars(select(Task)))
    assert (task.kind, task.phone, task.repeats, task.queue) == ("call", "+79161234567", 3, "sales")
    assert task.assignee_id is None and task.status == "open"


async def test_known_clients_callback_goes_to_their_owner(db_session: Any, make_user: Any) -> None:
    from callcenter.clients.models import Client, ClientPhone

    owner = await make_user("manager")
    db_session.add(
        Client(
            kind="person",
            name="Анна",
            owner_id=owner.id,
            phones=[ClientPhone(number="x", e164="+79161234567")],
        )
    )
    await db_session.flush()
    call = await missed(db_session, "o.1", outcome=Outcome.NO_ANSWER)
    task_id = await callback_for_missed_call(db_session, call)
    task = await db_session.get(Task, task_id)
    assert task.assignee_id == owner.id and task.client_id == call.client_id


async def test_done_task_lets_a_new_missed_call_open_another(db_session: Any) -> None:
    first = await callback_for_missed_call(db_session, await missed(db_session, "d.1"))
    (await db_session.get(Task, first)).status = "done"
    await db_session.flush()
    second = await callback_for_missed_call(db_session, await missed(db_session, "d.2"))
    assert second != first


async def test_answered_outbound_and_hidden_calls_make_no_task(db_session: Any) -> None:
    for call in (
        await missed(db_session, "a.1", outcome=Outcome.ANSWERED),
        await missed(db_session, "a.2", direction=Direction.OUTBOUND),
        await missed(db_session, "a.3", caller=""),
    ):
        assert await callback_for_missed_call(db_session, call) is None


async def test_many_missed_calls_on_one_connection_keep_working(db_session: Any) -> None:
    """PostgreSQL plans a prepared statement generically after five runs; the partial-index
    ON CONFLICT must still find its index then (it did not while its WHERE was a parameter)."""
    for i in range(12):
        call = await missed(db_session, f"g.{i}", caller=f"+7916000{i:04d}")
        assert await callback_for_missed_call(db_session, call) is not None
    again = await missed(db_session, "g.again", caller="+79160000003")
    await callback_for_missed_call(db_session, again)
    task = await db_session.scalar(select(Task).where(Task.phone == "+79160000003"))
    assert task.repeats == 2
