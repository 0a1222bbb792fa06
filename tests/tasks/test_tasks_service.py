"""Tasks by hand: validation, who sees and handles which, closing, claiming, system sources."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from callcenter.calls.models import CallRow
from callcenter.calls.service import save_call
from callcenter.errors import Conflict, Forbidden
from callcenter.tasks.changes import claim_task, close_task, create_task, update_task
from callcenter.tasks.input import TaskInput, TaskInvalid
from callcenter.tasks.models import Task
from callcenter.tasks.service import TaskQuery, get_task, list_tasks
from callcenter.tasks.sources import finish_task, keep_task
from callcenter.tasks.supervision import task_counts
from callcenter.users.models import User
from tests.calls.test_calls_store import inbound_answered
from tests.tasks.support import add_client, add_task, ago, ahead, rang_in_queue


async def _user(session: Any, user: User) -> User:
    return await session.get(User, user.id)


async def test_a_task_needs_a_title_a_due_time_and_someone_to_do_it(
    db_session: Any, make_user: Any
) -> None:
    actor = await _user(db_session, await make_user("operator"))
    with pytest.raises(TaskInvalid) as caught:
        await create_task(
            db_session, data=TaskInput(kind="visit", phone="12"), actor=actor, region="RU"
        )
    assert set(caught.value.fields) == {"kind", "title", "due_at", "assignee_id", "phone"}


async def test_created_task_keeps_the_phone_in_e164_and_links_the_calls_client(
    db_session: Any, make_user: Any
) -> None:
    actor = await _user(db_session, await make_user("operator"))
    client = await add_client(db_session)
    call_id = await save_call(db_session, inbound_answered("c.1", caller="+79161234567"))
    (await db_session.get(CallRow, call_id)).client_id = client.id
    await db_session.flush()
    data = TaskInput(
        title="Выслать счёт", kind="email", due_at=ahead(hours=2), assignee_id=actor.id,
        call_id=call_id,
    )  # fmt: skip
    task = await create_task(db_session, data=data, actor=actor, region="RU")
    assert (task.client_id, task.phone, task.created_by_id) == (client.id, "+79161234567", actor.id)
    data.phone = "8 (916) 765-43-21"
    task = await create_task(db_session, data=data, actor=actor, region="RU")
    assert task.phone == "+79167654321"


async def test_operators_see_their_own_and_their_queues_pool(
    db_session: Any, make_user: Any
) -> None:
    me = await _user(db_session, await make_user("operator"))
    other = await make_user("operator")
    await rang_in_queue(db_session, me.id, "sales")
    mine = await add_task(db_session, assignee_id=me.id, title="мой")
    pool = await add_task(db_session, queue="sales", title="общий")
    await add_task(db_session, queue="support", title="чужая очередь")
    theirs = await add_task(db_session, assignee_id=other.id, title="чужой")
    page = await list_tasks(db_session, TaskQuery(assignee=""), actor=me)
    assert {t.title for t in page.items} == {"мой", "общий"}
    assert (await get_task(db_session, pool.id, actor=me)).id == pool.id
    assert (await get_task(db_session, mine.id, actor=me)).id == mine.id
    with pytest.raises(Forbidden):
        await get_task(db_session, theirs.id, actor=me)


async def test_managers_see_their_own_and_their_clients_tasks(
    db_session: Any, make_user: Any
) -> None:
    manager = await _user(db_session, await make_user("manager"))
    operator = await make_user("operator")
    own_client = await add_client(db_session, "Свой", owner_id=manager.id)
    other_client = await add_client(db_session, "Чужой")
    await add_task(db_session, assignee_id=operator.id, client_id=own_client.id, title="по клиенту")
    await add_task(db_session, assignee_id=operator.id, client_id=other_client.id, title="нет")
    await add_task(db_session, assignee_id=manager.id, title="свой")
    page = await list_tasks(db_session, TaskQuery(assignee=""), actor=manager)
    assert {t.title for t in page.items} == {"по клиенту", "свой"}


async def test_supervisors_see_every_task_and_change_none(db_session: Any, make_user: Any) -> None:
    supervisor = await _user(db_session, await make_user("supervisor"))
    operator = await make_user("operator")
    task = await add_task(db_session, assignee_id=operator.id)
    assert (await list_tasks(db_session, TaskQuery(assignee=""), actor=supervisor)).total == 1
    with pytest.raises(Forbidden):
        await close_task(db_session, task_id=task.id, actor=supervisor, done=True)


async def test_completing_records_when_and_who_and_closes_for_good(
    db_session: Any, make_user: Any
) -> None:
    me = await _user(db_session, await make_user("operator"))
    task = await add_task(db_session, assignee_id=me.id, notes="Позвонить после обеда")
    done = await close_task(db_session, task_id=task.id, actor=me, done=True, note="Договорились")
    assert done.status == "done" and done.done_at is not None and done.closed_by_id == me.id
    assert done.notes == "Позвонить после обеда\n\nДоговорились"
    with pytest.raises(Conflict):
        await close_task(db_session, task_id=task.id, actor=me, done=False)


async def test_rescheduling_or_reassigning_lets_it_remind_again(
    db_session: Any, make_user: Any
) -> None:
    me = await _user(db_session, await make_user("operator"))
    colleague = await make_user("manager")
    task = await add_task(db_session, assignee_id=me.id, reminded_at=ago(minutes=1))
    data = TaskInput(kind="call", title="Перезвонить", due_at=task.due_at, assignee_id=colleague.id)
    moved = await update_task(db_session, task_id=task.id, data=data, actor=me, region="RU")
    assert moved.assignee_id == colleague.id and moved.reminded_at is None
    assert moved.created_by_id is None  # handed out of my sight: still saved


async def test_one_operator_takes_a_pool_task_and_the_next_is_told(
    db_session: Any, make_user: Any
) -> None:
    first = await _user(db_session, await make_user("operator"))
    second = await _user(db_session, await make_user("operator"))
    outsider = await _user(db_session, await make_user("operator"))
    for op in (first, second):
        await rang_in_queue(db_session, op.id, "sales")
    task = await add_task(db_session, queue="sales")
    with pytest.raises(Forbidden):
        await get_task(db_session, task.id, actor=outsider)
    claimed = await claim_task(db_session, task_id=task.id, actor=first)
    assert claimed.assignee_id == first.id
    with pytest.raises(Forbidden):  # no longer in the pool: the second no longer sees it
        await claim_task(db_session, task_id=task.id, actor=second)


async def test_filters_overdue_kind_period_client_and_paging(
    db_session: Any, make_user: Any
) -> None:
    me = await _user(db_session, await make_user("operator"))
    client = await add_client(db_session)
    await add_task(db_session, assignee_id=me.id, title="просрочена", due_at=ago(hours=3))
    await add_task(
        db_session, assignee_id=me.id, title="письмо", kind="email", due_at=ahead(hours=3)
    )
    await add_task(
        db_session, assignee_id=me.id, title="клиент", client_id=client.id, due_at=ahead(days=3)
    )
    await add_task(db_session, assignee_id=me.id, title="готово", status="done", due_at=ago(days=1))

    async def titles(**query: Any) -> list[str]:
        return [t.title for t in (await list_tasks(db_session, TaskQuery(**query), actor=me)).items]

    assert await titles() == ["просрочена", "письмо", "клиент"]
    assert await titles(overdue=True) == ["просрочена"]
    assert await titles(kind="email") == ["письмо"]
    assert await titles(client_id=client.id) == ["клиент"]
    assert await titles(due_from=ago(hours=1), due_until=ahead(days=1)) == ["письмо"]
    assert await titles(status="done") == ["готово"]
    page = await list_tasks(db_session, TaskQuery(per_page=2, page=2), actor=me)
    assert (page.total, page.pages, [t.title for t in page.items]) == (3, 2, ["клиент"])


async def test_an_order_deadline_keeps_one_task_that_follows_it(
    db_session: Any, make_user: Any
) -> None:
    manager = await make_user("manager")

    async def deadline(days: int) -> int:
        return await keep_task(
            db_session,
            key="order-deadline:42",
            kind="shipment",
            title="Отгрузить заказ 42",
            due_at=ahead(days=days),
            assignee_id=manager.id,
        )

    first = await deadline(2)
    await db_session.execute(Task.__table__.update().values(reminded_at=ago(minutes=1)))
    moved = await deadline(3)
    assert moved == first
    task = await db_session.scalar(
        select(Task).where(Task.id == first).execution_options(populate_existing=True)
    )
    assert task.reminded_at is None and task.due_at > ahead(days=2, hours=23)
    assert await finish_task(db_session, key="order-deadline:42") == first
    assert await finish_task(db_session, key="order-deadline:42") is None


async def test_supervision_counts_done_on_time_late_and_open_per_person(
    db_session: Any, make_user: Any
) -> None:
    operator = await make_user("operator", full_name="Оля")
    supervisor = await _user(db_session, await make_user("supervisor"))
    due = ago(hours=5)
    await add_task(
        db_session, assignee_id=operator.id, due_at=due, status="done", done_at=ago(hours=6)
    )
    await add_task(
        db_session, assignee_id=operator.id, due_at=due, status="done", done_at=ago(hours=1)
    )
    await add_task(db_session, assignee_id=operator.id, due_at=due)
    await add_task(db_session, assignee_id=operator.id, due_at=ahead(hours=5))
    await add_task(db_session, assignee_id=operator.id, due_at=due, status="cancelled")
    await add_task(db_session, queue="sales", due_at=due)
    await add_task(db_session, assignee_id=operator.id, due_at=ago(days=40))  # out of period
    rows = await task_counts(db_session, since=ago(days=1), until=ahead(days=1), actor=supervisor)
    by_name = {r.name: r for r in rows}
    olya = by_name["Оля"]
    assert (olya.done_on_time, olya.done_late, olya.open_overdue, olya.open_on_time) == (1, 1, 1, 1)
    assert olya.on_time_share == pytest.approx(1 / 3)
    assert by_name[""].user_id is None and by_name[""].open_overdue == 1
    with pytest.raises(Forbidden):
        await task_counts(db_session, since=ago(days=1), until=ahead(days=1),
                          actor=await _user(db_session, operator))  # fmt: skip


async def test_a_manager_handles_a_task_given_to_them_for_someone_elses_client(
    db_session: Any, make_user: Any
) -> None:
    manager = await _user(db_session, await make_user("manager"))
    foreign = await add_client(db_session, "Клиент коллеги")
    task = await add_task(db_session, assignee_id=manager.id, client_id=foreign.id)
    data = TaskInput(
        kind="call", title="Перенести", due_at=ahead(days=1), assignee_id=manager.id,
        client_id=foreign.id,
    )  # fmt: skip
    moved = await update_task(db_session, task_id=task.id, data=data, actor=manager, region="RU")
    assert moved.title == "Перенести" and moved.client_id == foreign.id
    with pytest.raises(Forbidden):  # but linking another foreign client is refused
        other = await add_client(db_session, "Ещё один чужой")
        data.client_id = other.id
        await update_task(db_session, task_id=task.id, data=data, actor=manager, region="RU")
