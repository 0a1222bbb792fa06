"""What tasks do once, under concurrency: a task closed by many clicks at once closes once;
missed calls ending at once make one callback task that counts each call once; reminders
run by several processes at the same moment fire each task once."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from callcenter.audit.models import AuditEntry
from callcenter.calls.models import CallRow
from callcenter.db import make_engine, make_sessionmaker
from callcenter.tasks.callbacks import callback_for_missed_call
from callcenter.tasks.models import Task
from callcenter.tasks.reminders import fire_due_reminders
from tests.calls.test_callbacks import missed
from tests.tasks.support import add_task, listening

AT_ONCE = 12


async def test_complete_clicked_many_times_at_once_closes_the_task_once(
    api_as: Any, db_session: Any
) -> None:
    client, me = await api_as("manager")
    task = await add_task(db_session, assignee_id=me.id)
    url = f"/api/v1/tasks/{task.id}"
    clicks = [client.post(f"{url}/complete", json={"note": "Сделано"}) for _ in range(AT_ONCE)]
    answers = await asyncio.gather(*clicks, client.post(f"{url}/cancel"))
    assert sorted(r.status for r in answers) == [200] + [409] * AT_ONCE
    closes = await db_session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.entity == "task", AuditEntry.entity_id == task.id
        )
    )
    assert len(list(closes)) == 1
    notes = await db_session.scalar(
        select(Task.notes).where(Task.id == task.id).execution_options(populate_existing=True)
    )
    assert notes.count("Сделано") <= 1


async def _missed_calls(database_url: str, count: int) -> list[int]:
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        ids = [(await missed(session, f"race.{n}")).id for n in range(count)]
    await engine.dispose()
    return ids


async def test_missed_calls_ending_at_once_make_one_task_counting_each_call(
    database_url: str, db_session: Any
) -> None:
    call_ids = await _missed_calls(database_url, AT_ONCE)
    engine = make_engine(database_url, pool_size=AT_ONCE)
    sessionmaker = make_sessionmaker(engine)

    async def store(call_id: int) -> int | None:
        async with sessionmaker.begin() as session:
            call = await session.get_one(CallRow, call_id)
            return await callback_for_missed_call(session, call)

    task_ids = await asyncio.gather(*(store(call_id) for call_id in call_ids))
    [task] = list(await db_session.scalars(select(Task)))
    assert set(task_ids) == {task.id} and task.repeats == AT_ONCE and task.status == "open"
    assert await store(task.call_id) == task.id  # the last call stored again: a replay
    await engine.dispose()
    await db_session.refresh(task)
    assert task.repeats == AT_ONCE


async def test_reminders_run_by_several_processes_at_once_fire_each_task_once(
    database_url: str, db_session: Any, make_user: Any
) -> None:
    operator = await make_user("operator")
    due = 450  # more than two batches of 200
    db_session.add_all(
        Task(kind="call", title=f"Перезвонить {n}", due_at=func.now(), assignee_id=operator.id)
        for n in range(due)
    )
    await db_session.commit()
    processes = [make_engine(database_url) for _ in range(4)]
    async with listening(database_url) as heard:
        runs = await asyncio.gather(
            *(fire_due_reminders(make_sessionmaker(e)) for e in processes for _ in range(2))
        )
        await heard.wait_for("task_due", due)
        await asyncio.sleep(0.3)  # nothing more arrives
    for engine in processes:
        await engine.dispose()
    fired = [r.task_id for run in runs for r in run]
    assert len(fired) == due and len(set(fired)) == due
    assert sorted(m["task_id"] for m in heard.of("task_due")) == sorted(fired)
    unreminded = await db_session.scalar(
        select(func.count()).select_from(Task).where(Task.reminded_at.is_(None))
    )
    assert unreminded == 0
