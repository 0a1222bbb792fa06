"""A stage's deadline is a task for the order's manager: made when the stage is entered, moved
with the deadline, handed to a new manager, finished when the order moves on or closes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from callcenter.orders.deadlines import task_kind
from callcenter.orders.models import OrderStatus
from callcenter.orders.moves import change_status
from callcenter.orders.service import update_order
from callcenter.tasks.models import Task
from web.forms import order_to_input


async def _tasks(sessionmaker: Any, order_id: int) -> list[Task]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Task).where(Task.dedupe_key == f"order:{order_id}:deadline").order_by(Task.id)
        )
        return list(rows)


async def _move(sessionmaker: Any, settings: Any, actor: Any, order: Any, code: str) -> Any:
    async with sessionmaker.begin() as session:
        return await change_status(
            session, order_id=order.id, status=code, reason="Так вышло", actor=actor,
            settings=settings,
        )  # fmt: skip


def test_stages_about_shipping_make_shipment_tasks() -> None:
    kinds = {
        code: task_kind(OrderStatus(code=code))
        for code in (
            "new",
            "accepted",
            "in_production",
            "done",
            "shipped",
            "delivery",
            "pickup_point",
        )
    }
    assert kinds == {
        "new": "other",
        "accepted": "other",
        "in_production": "other",
        "done": "shipment",
        "shipped": "shipment",
        "delivery": "shipment",
        "pickup_point": "shipment",
    }


async def test_entering_a_stage_makes_its_task_and_leaving_it_finishes_it(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    manager = await make_user("manager", language="ru")
    person = await make_client(owner_id=manager.id)
    order = await make_order(manager, person)
    (first,) = await _tasks(sessionmaker, order.id)
    assert (first.kind, first.status, first.assignee_id) == ("other", "open", manager.id)
    assert (first.order_id, first.client_id, first.due_at) == (
        order.id,
        person.id,
        order.stage_due_at,
    )
    assert first.title == f"Заказ {order.number}: срок этапа «Новый»"
    moved = await _move(sessionmaker, settings, manager, order, "done")
    first, second = await _tasks(sessionmaker, order.id)
    assert first.status == "done" and first.done_at is not None
    assert (second.kind, second.status, second.due_at) == ("shipment", "open", moved.stage_due_at)
    await _move(sessionmaker, settings, manager, order, "delivered")
    assert [t.status for t in await _tasks(sessionmaker, order.id)] == ["done", "done"]


async def test_a_cancelled_order_cancels_its_deadline_task(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    manager = await make_user("manager")
    order = await make_order(manager, await make_client(owner_id=manager.id))
    await _move(sessionmaker, settings, manager, order, "cancelled")
    (task,) = await _tasks(sessionmaker, order.id)
    assert task.status == "cancelled" and task.cancelled_at is not None


async def test_a_deadline_set_by_hand_moves_the_task_and_reminds_again(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any
) -> None:
    admin, manager = await make_user("admin"), await make_user("manager")
    order = await make_order(admin, await make_client(owner_id=manager.id))
    async with sessionmaker.begin() as session:
        await session.execute(update(Task).values(reminded_at=order.created_at))
    async with sessionmaker.begin() as session:
        data = order_to_input(order, "Europe/Moscow")
        data.stage_due, data.manager_id = "2099-03-02", manager.id
        await update_order(session, order_id=order.id, data=data, actor=admin)
    (task,) = await _tasks(sessionmaker, order.id)
    end_of_day = datetime(2099, 3, 2, 23, 59, 59, tzinfo=ZoneInfo("Europe/Moscow"))
    assert (task.status, task.due_at, task.assignee_id) == ("open", end_of_day, manager.id)
    assert task.reminded_at is None  # a new time reminds again
    async with sessionmaker.begin() as session:
        data.stage_due = ""
        await update_order(session, order_id=order.id, data=data, actor=admin)
    (task,) = await _tasks(sessionmaker, order.id)
    assert task.status == "cancelled"  # no deadline any more: nothing is due


async def test_editing_anything_else_leaves_a_handled_task_closed(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any
) -> None:
    manager = await make_user("manager")
    order = await make_order(manager, await make_client(owner_id=manager.id))
    async with sessionmaker.begin() as session:
        await session.execute(update(Task).values(status="done"))
    async with sessionmaker.begin() as session:
        data = order_to_input(order, "Europe/Moscow")
        data.stage_due, data.notes = None, "Позвонить заранее"
        await update_order(session, order_id=order.id, data=data, actor=manager)
    assert [t.status for t in await _tasks(sessionmaker, order.id)] == ["done"]
