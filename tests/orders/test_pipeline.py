"""Every move along the default pipeline: allowed forward (skipping too), refused backward and
out of closed orders, cancelling only with a reason; each move leaves a history row."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from callcenter.errors import Forbidden
from callcenter.orders.models import OrderStatusChange
from callcenter.orders.moves import change_status, order_history
from callcenter.orders.pipeline import MoveRefused, ReasonRequired, allowed_moves

FORWARD = ["new", "accepted", "in_production", "done", "shipped", "delivered"]


async def _move(
    sessionmaker: Any, settings: Any, actor: Any, order: Any, to: str, reason: str = ""
) -> Any:
    async with sessionmaker.begin() as session:
        return await change_status(
            session, order_id=order.id, status=to, reason=reason, actor=actor, settings=settings
        )


@pytest.fixture
async def setup(make_user: Any, make_client: Any, make_order: Any) -> tuple[Any, Any]:
    manager = await make_user("manager", sees_all_clients=True)
    client = await make_client()
    return manager, await make_order(manager, client)


async def test_a_new_order_starts_in_the_first_open_status_with_one_history_row(
    setup: Any, sessionmaker: Any
) -> None:
    manager, order = setup
    assert order.status.code == "new"
    async with sessionmaker() as session:
        history = await order_history(session, order.id)
    assert [(h.from_status, h.to_status.code, h.user.id) for h in history] == [
        (None, "new", manager.id)
    ]


async def test_each_forward_step_is_allowed_and_recorded(
    setup: Any, sessionmaker: Any, settings: Any
) -> None:
    manager, order = setup
    for target in FORWARD[1:]:
        order = await _move(sessionmaker, settings, manager, order, target)
        assert order.status.code == target
    async with sessionmaker() as session:
        history = await order_history(session, order.id)
    assert [(h.from_status.code if h.from_status else None, h.to_status.code) for h in history] == [
        (None, "new"),
        *zip(FORWARD, FORWARD[1:], strict=False),
    ]
    assert all(h.user and h.user.id == manager.id for h in history)
    assert order.stage_due_at is None  # a final status has no deadline


async def test_skipping_ahead_is_allowed(setup: Any, sessionmaker: Any, settings: Any) -> None:
    manager, order = setup
    order = await _move(sessionmaker, settings, manager, order, "accepted")
    order = await _move(sessionmaker, settings, manager, order, "shipped")
    assert order.status.code == "shipped"


@pytest.mark.parametrize("back_to", ["new", "accepted"])
async def test_moving_back_is_refused(
    setup: Any, sessionmaker: Any, settings: Any, back_to: str
) -> None:
    manager, order = setup
    order = await _move(sessionmaker, settings, manager, order, "in_production")
    with pytest.raises(MoveRefused):
        await _move(sessionmaker, settings, manager, order, back_to)


async def test_moving_to_the_same_status_is_refused(
    setup: Any, sessionmaker: Any, settings: Any
) -> None:
    manager, order = setup
    with pytest.raises(MoveRefused):
        await _move(sessionmaker, settings, manager, order, "new")


@pytest.mark.parametrize("cancel", ["cancelled", "refused"])
@pytest.mark.parametrize("from_status", ["new", "accepted", "in_production", "done", "shipped"])
async def test_cancelling_from_any_open_status_needs_a_reason(
    setup: Any, sessionmaker: Any, settings: Any, from_status: str, cancel: str
) -> None:
    manager, order = setup
    if from_status != "new":
        order = await _move(sessionmaker, settings, manager, order, from_status)
    with pytest.raises(ReasonRequired) as refused:
        await _move(sessionmaker, settings, manager, order, cancel, reason="   ")
    assert "reason" in refused.value.fields
    order = await _move(sessionmaker, settings, manager, order, cancel, reason="Нашли дешевле")
    assert order.status.code == cancel
    async with sessionmaker() as session:
        last = await session.scalar(
            select(OrderStatusChange)
            .where(OrderStatusChange.order_id == order.id)
            .order_by(OrderStatusChange.id.desc())
        )
    assert last.reason == "Нашли дешевле"


@pytest.mark.parametrize("closed,reason", [("delivered", ""), ("cancelled", "Передумали")])
@pytest.mark.parametrize("then", ["shipped", "refused", "new"])
async def test_a_closed_order_never_moves_again(
    setup: Any, sessionmaker: Any, settings: Any, closed: str, reason: str, then: str
) -> None:
    manager, order = setup
    order = await _move(sessionmaker, settings, manager, order, closed, reason)
    with pytest.raises(MoveRefused):
        await _move(sessionmaker, settings, manager, order, then, "причина")


async def test_the_moves_offered_are_the_later_stages_then_the_cancelling_ones(
    pipeline: dict[str, Any],
) -> None:
    statuses = list(pipeline.values())
    moves = allowed_moves(pipeline["done"], statuses)
    assert [(m.to.code, m.needs_reason) for m in moves] == [
        ("shipped", False),
        ("delivered", False),
        ("cancelled", True),
        ("refused", True),
    ]
    assert allowed_moves(pipeline["delivered"], statuses) == []


@pytest.mark.parametrize("role", ["operator", "supervisor"])
async def test_only_managers_and_admins_move_orders(
    setup: Any, sessionmaker: Any, settings: Any, make_user: Any, role: str
) -> None:
    _manager, order = setup
    viewer = await make_user(role)
    with pytest.raises(Forbidden):
        await _move(sessionmaker, settings, viewer, order, "accepted")


async def test_a_manager_moves_only_orders_of_own_clients(
    setup: Any, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    _manager, order = setup
    other = await make_user("manager")  # sees only own clients; this one is nobody's
    with pytest.raises(Forbidden):
        await _move(sessionmaker, settings, other, order, "accepted")
