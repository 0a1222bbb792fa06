"""Reminders fire exactly once: across runs, restarts, a crash before commit, two processes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from callcenter.db import make_engine, make_sessionmaker
from callcenter.tasks.models import Task
from callcenter.tasks.reminders import claim_reminders, fire_due_reminders
from tests.tasks.support import add_client, add_task, ago, ahead, listening, rang_in_queue


class Crash(Exception):
    """The process dies between claiming reminders and committing."""


async def _reminded_at(session: Any, task_id: int) -> Any:
    return await session.scalar(
        select(Task.reminded_at).where(Task.id == task_id).execution_options(populate_existing=True)
    )


async def test_due_task_reminds_its_assignee_once_across_restarts(
    db_session: Any, make_user: Any, database_url: str
) -> None:
    operator = await make_user("operator")
    client = await add_client(db_session, "Пётр Иванов")
    task = await add_task(db_session, assignee_id=operator.id, client_id=client.id)
    async with listening(database_url) as heard:
        first = make_engine(database_url)  # the first process
        fired = await fire_due_reminders(make_sessionmaker(first))
        assert [r.task_id for r in fired] == [task.id]
        assert await fire_due_reminders(make_sessionmaker(first)) == []
        await first.dispose()  # ... which stops; a second process starts
        second = make_engine(database_url)
        assert await fire_due_reminders(make_sessionmaker(second)) == []
        await second.dispose()
        await heard.wait_for("task_due")
        await asyncio.sleep(0.2)  # nothing else arrives
    [note] = heard.of("task_due")
    assert note["task_id"] == task.id and note["user_ids"] == [operator.id]
    assert note["client_name"] == "Пётр Иванов" and note["due_counts"] == {str(operator.id): 1}
    assert await _reminded_at(db_session, task.id) is not None


async def test_crash_before_commit_fires_again_and_was_never_heard(
    db_session: Any, make_user: Any, database_url: str
) -> None:
    operator = await make_user("operator")
    task = await add_task(db_session, assignee_id=operator.id)
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with listening(database_url) as heard:
        try:
            async with sessionmaker.begin() as session:
                assert [r.task_id for r in await claim_reminders(session)] == [task.id]
                raise Crash
        except Crash:
            pass
        await asyncio.sleep(0.2)
        assert heard.of("task_due") == []  # NOTIFY dies with the transaction
        assert await _reminded_at(db_session, task.id) is None
        assert [r.task_id for r in await fire_due_reminders(sessionmaker)] == [task.id]
        await heard.wait_for("task_due")
    await engine.dispose()
    assert len(heard.of("task_due")) == 1


async def test_two_processes_at_once_never_remind_twice(
    db_session: Any, make_user: Any, database_url: str
) -> None:
    operator = await make_user("operator")
    tasks = [await add_task(db_session, assignee_id=operator.id) for _ in range(3)]
    one, two = make_engine(database_url), make_engine(database_url)
    async with listening(database_url) as heard:
        async with make_sessionmaker(one).begin() as session:
            claimed = await claim_reminders(session)  # holds the rows, not yet committed
            assert await fire_due_reminders(make_sessionmaker(two)) == []  # skips them
        assert await fire_due_reminders(make_sessionmaker(two)) == []  # committed: done
        await heard.wait_for("task_due", 3)
        await asyncio.sleep(0.2)
    await one.dispose()
    await two.dispose()
    assert sorted(r.task_id for r in claimed) == [t.id for t in tasks]
    assert sorted(m["task_id"] for m in heard.of("task_due")) == [t.id for t in tasks]


async def test_a_task_reminds_at_its_due_time_or_the_lead_time_before(
    db_session: Any, make_user: Any, database_url: str
) -> None:
    operator = await make_user("operator")
    soon = await add_task(db_session, assignee_id=operator.id, due_at=ahead(minutes=4))
    later = await add_task(db_session, assignee_id=operator.id, due_at=ahead(minutes=30))
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    assert await fire_due_reminders(sessionmaker) == []
    fired = await fire_due_reminders(sessionmaker, ahead=timedelta(minutes=5))
    await engine.dispose()
    assert [r.task_id for r in fired] == [soon.id]
    assert await _reminded_at(db_session, later.id) is None


async def test_closed_tasks_never_remind(
    db_session: Any, make_user: Any, database_url: str
) -> None:
    operator = await make_user("operator")
    await add_task(db_session, assignee_id=operator.id, status="done", done_at=ago(minutes=2))
    await add_task(db_session, assignee_id=operator.id, status="cancelled")
    engine = make_engine(database_url)
    assert await fire_due_reminders(make_sessionmaker(engine)) == []
    await engine.dispose()


async def test_a_queue_pool_task_reminds_the_queues_operators(
    db_session: Any, make_user: Any, database_url: str
) -> None:
    in_queue, elsewhere = await make_user("operator"), await make_user("operator")
    await rang_in_queue(db_session, in_queue.id, "sales")
    await rang_in_queue(db_session, elsewhere.id, "support")
    task = await add_task(db_session, queue="sales")
    engine = make_engine(database_url)
    [reminder] = await fire_due_reminders(make_sessionmaker(engine))
    await engine.dispose()
    assert reminder.task_id == task.id and reminder.user_ids == (in_queue.id,)


async def test_a_burst_of_pool_tasks_is_one_toast_per_operator_and_a_few_stay_apart(
    db_session: Any, make_user: Any, database_url: str
) -> None:
    in_queue, mine = await make_user("operator"), await make_user("operator")
    await rang_in_queue(db_session, in_queue.id, "sales")
    await rang_in_queue(db_session, in_queue.id, "support")
    missed = [await add_task(db_session, queue="sales", title=f"Перезвонить {n}") for n in range(5)]
    few = [await add_task(db_session, queue="support") for _ in range(2)]
    own = await add_task(db_session, assignee_id=mine.id)
    async with listening(database_url) as heard:
        engine = make_engine(database_url)
        fired = await fire_due_reminders(make_sessionmaker(engine))
        await engine.dispose()
        await heard.wait_for("task_due", 3)
        await heard.wait_for("task_pool_due")
        await asyncio.sleep(0.2)  # nothing else arrives
    assert len(fired) == 8  # every task is marked reminded, once
    [pool] = heard.of("task_pool_due")
    assert (pool["queue"], pool["count"], pool["user_ids"]) == ("sales", 5, [in_queue.id])
    assert pool["titles"] == ["Перезвонить 0", "Перезвонить 1", "Перезвонить 2"]
    assert pool["due_counts"] == {str(in_queue.id): 0}  # the badge counts their own tasks
    singles = sorted(note["task_id"] for note in heard.of("task_due"))
    assert singles == sorted([*(t.id for t in few), own.id])
    assert not {t.id for t in missed} & set(singles)
