"""The order board: columns in the pipeline's order with the database's counts and sums under
the list's filters, keyset paging of a column, and moves that are the order's ordinary status
change — refused ones refused, repeated drops harmless, concurrent drops decided by the row
lock with no lost update."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from callcenter.orders.board import PER_COLUMN, column_cards, order_board
from callcenter.orders.models import Order, OrderStatusChange
from callcenter.orders.moves import change_status
from callcenter.orders.search import OrderQuery

MOVE = "/api/v1/orders/board/move"


async def _board(sessionmaker: Any, actor: Any, **filters: Any) -> dict[str, Any]:
    async with sessionmaker() as session:
        columns = await order_board(session, OrderQuery(**filters), actor=actor, per_column=3)
    return {c.status.code: c for c in columns}


async def test_every_status_is_a_column_in_pipeline_order_with_count_and_sum(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    admin = await make_user("admin")
    client = await make_client()
    for price in ("100.10", "200.20", "300.30", "400.40"):
        await make_order(admin, client, lines=[("Стол", "1", price)])
    shipped = await make_order(admin, client, lines=[("Шкаф", "2", "0.05")])
    async with sessionmaker.begin() as session:
        await change_status(
            session, order_id=shipped.id, status="shipped", actor=admin, settings=settings
        )
    async with sessionmaker() as session:
        columns = await order_board(session, OrderQuery(), actor=admin, per_column=3)
    assert [c.status.code for c in columns] == [
        "new", "accepted", "in_production", "done", "shipped", "delivered", "cancelled",
        "refused",
    ]  # fmt: skip
    new = columns[0]
    assert new.count == 4 and new.sums == {"RUB": Decimal("1001.00")}
    assert len(new.cards) == 3 and new.next_after is not None  # three shown, «more» for one
    assert [c.count for c in columns[1:]] == [0, 0, 0, 1, 0, 0, 0]
    assert columns[4].sums == {"RUB": Decimal("0.10")} and columns[4].next_after is None
    assert columns[1].cards == [] and columns[1].sums == {}


async def test_the_lists_filters_apply_and_its_status_filter_does_not_hide_columns(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, pipeline: Any
) -> None:
    admin, seller = await make_user("admin"), await make_user("manager", sees_all_clients=True)
    mine = await make_order(admin, await make_client("Алексеев"), manager_id=seller.id)
    old = await make_order(admin, await make_client("Борисов"))
    await make_order(admin, await make_client("Васильев"))
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Order)
            .where(Order.id == old.id)
            .values(created_at=datetime(2026, 1, 15, 21, 30, tzinfo=UTC))  # 16 Jan, Moscow
        )

    def names(board: dict[str, Any]) -> set[str]:
        return {o.client.name for c in board.values() for o in c.cards}

    assert names(await _board(sessionmaker, admin, manager_id=seller.id)) == {"Алексеев"}
    assert names(await _board(sessionmaker, admin, q="васил")) == {"Васильев"}
    assert names(await _board(sessionmaker, admin, q=mine.number)) == {"Алексеев"}
    day = datetime(2026, 1, 16).date()
    by_period = await _board(sessionmaker, admin, created_from=day, created_to=day)
    assert names(by_period) == {"Борисов"} and by_period["new"].count == 1
    by_status = await _board(sessionmaker, admin, status_id=pipeline["shipped"].id)
    assert len(by_status) == 8 and by_status["new"].count == 3
    kept = await make_user("manager")  # sees only their own clients: none
    assert sum(c.count for c in (await _board(sessionmaker, kept)).values()) == 0


async def test_more_pages_a_column_by_keyset_without_repeats_or_gaps_while_cards_move(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    admin = await make_user("admin")
    client = await make_client()
    orders = [await make_order(admin, client) for _ in range(7)]
    async with sessionmaker.begin() as session:  # all moved at the same instant: ties by id
        await session.execute(
            update(Order).values(status_changed_at=datetime(2026, 2, 1, tzinfo=UTC))
        )
    async with sessionmaker() as session:
        first = await column_cards(
            session, OrderQuery(), actor=admin, status_id=orders[0].status_id, limit=3
        )
    async with sessionmaker.begin() as session:  # one already shown leaves the column
        await change_status(
            session, order_id=first[0].id, status="accepted", actor=admin, settings=settings
        )
    seen = [o.id for o in first]
    after = None
    while True:
        async with sessionmaker() as session:
            cards = await column_cards(
                session,
                OrderQuery(),
                actor=admin,
                status_id=orders[0].status_id,
                after=after or _keyset(first[-1]),
                limit=3,
            )
        if not cards:
            break
        seen += [o.id for o in cards]
        after = _keyset(cards[-1])
    assert sorted(seen) == sorted(o.id for o in orders) and len(set(seen)) == len(seen)
    assert seen == sorted(seen, reverse=True)


def _keyset(order: Order) -> Any:
    from callcenter.orders.board import Keyset

    return Keyset(order.status_changed_at, order.id)


async def _history(sessionmaker: Any, order_id: int) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(OrderStatusChange.to_status_id)
            .where(OrderStatusChange.order_id == order_id)
            .order_by(OrderStatusChange.id)
        )
        return [str(r) for r in rows]


async def test_a_drop_moves_through_the_same_rules_and_answers_the_new_figures(
    signed_in: Any, make_client: Any, make_order: Any, sessionmaker: Any, pipeline: Any
) -> None:
    client, manager, csrf = await signed_in("manager", sees_all_clients=True)
    order = await make_order(manager, await make_client(), lines=[("Стол", "3", "1000")])
    headers = {"X-CSRF-Token": csrf}
    answer = await client.post(MOVE, json={"order": order.id, "status": "done"}, headers=headers)
    assert answer.status == 200, await answer.text()
    body = await answer.json()
    assert body["moved"] is True
    figures = {c["status"]: c for c in body["columns"]}
    assert figures["done"]["count"] == 1 and figures["done"]["sum_text"] == "RUB3,000.00"
    assert figures["new"]["count"] == 0
    back = await client.post(MOVE, json={"order": order.id, "status": "new"}, headers=headers)
    assert back.status == 409
    assert (await back.json())["message"] == "An order moves only forward along the pipeline"
    bare = await client.post(
        MOVE, json={"order": order.id, "status": "refused", "reason": "  "}, headers=headers
    )
    assert bare.status == 422 and (await bare.json())["fields"] == {
        "reason": "A reason is required"
    }
    again = await client.post(MOVE, json={"order": order.id, "status": "done"}, headers=headers)
    assert (await again.json())["moved"] is False  # a second drop of the same card
    refused = await client.post(
        MOVE, json={"order": order.id, "status": "refused", "reason": "Дорого"}, headers=headers
    )
    assert refused.status == 200
    assert len(await _history(sessionmaker, order.id)) == 3  # new, done, refused
    async with sessionmaker() as session:
        change = await session.scalar(
            select(OrderStatusChange).order_by(OrderStatusChange.id.desc()).limit(1)
        )
    assert change is not None and change.reason == "Дорого"


async def test_concurrent_drops_of_one_card_leave_one_consistent_outcome(
    signed_in: Any, make_client: Any, make_order: Any, sessionmaker: Any, pipeline: Any
) -> None:
    client, manager, csrf = await signed_in("manager", sees_all_clients=True)
    for _ in range(3):
        order = await make_order(manager, await make_client())
        drops = [{"order": order.id, "status": "delivered"}] * 4 + [
            {"order": order.id, "status": "cancelled", "reason": "Передумал"}
        ] * 4
        answers = await asyncio.gather(
            *(client.post(MOVE, json=d, headers={"X-CSRF-Token": csrf}) for d in drops)
        )
        moved = [(d["status"], await a.json()) for d, a in zip(drops, answers, strict=True)]
        winners = {s for s, body in moved if body.get("moved") is True}
        assert len(winners) == 1, moved  # delivered or cancelled, never both
        winner = winners.pop()
        assert sum(1 for _, body in moved if body.get("moved") is True) == 1
        assert all(a.status in (200, 409) for a in answers)
        async with sessionmaker() as session:
            status_id = await session.scalar(select(Order.status_id).where(Order.id == order.id))
            count = await session.scalar(
                select(func.count())
                .select_from(OrderStatusChange)
                .where(OrderStatusChange.order_id == order.id)
            )
        assert status_id == pipeline[winner].id and count == 2


async def test_garbage_drops_are_refused_with_a_clear_error(
    signed_in: Any, make_client: Any, make_order: Any, pipeline: Any
) -> None:
    client, manager, csrf = await signed_in("manager", sees_all_clients=True)
    order = await make_order(manager, await make_client())
    headers = {"X-CSRF-Token": csrf}
    for body in (
        {},
        {"order": order.id},
        {"order": order.id, "status": ""},
        {"order": order.id, "status": 5},
        {"order": True, "status": "done"},
        {"order": "x", "status": "done"},
        {"order": order.id, "status": "done", "reason": ["a"]},
        [1, 2],
    ):
        answer = await client.post(MOVE, json=body, headers=headers)
        assert answer.status == 400, (body, await answer.text())
    huge = await client.post(MOVE, json={"order": 10**30, "status": "done"}, headers=headers)
    assert huge.status in (400, 422)
    missing = await client.post(MOVE, json={"order": 2**31 - 1, "status": "done"}, headers=headers)
    assert missing.status == 404
    unknown = await client.post(MOVE, json={"order": order.id, "status": "nope"}, headers=headers)
    assert unknown.status == 422
    no_csrf = await client.post(MOVE, json={"order": order.id, "status": "done"})
    assert no_csrf.status == 403
    for query in ("status=x&after_at=2026-01-01&after_id=1", "status=1&after_at=junk&after_id=1"):
        assert (await client.get(f"/orders/board/more?{query}")).status == 400
    for query in ("manager=abc&from=junk&q=x", "q=%00", "manager=99999999999", "overdue=yes"):
        as_list = await client.get(f"/orders?{query}")
        assert (await client.get(f"/orders/board?{query}")).status == as_list.status < 500


async def test_the_board_page_shows_cards_and_more_continues_the_column(
    signed_in: Any, make_client: Any, make_order: Any, sessionmaker: Any, pipeline: Any
) -> None:
    client, manager, _ = await signed_in("manager", sees_all_clients=True)
    buyer = await make_client("Григорьев")
    orders = [await make_order(manager, buyer) for _ in range(PER_COLUMN + 2)]
    async with sessionmaker.begin() as session:
        for index, order in enumerate(orders):
            await session.execute(
                update(Order)
                .where(Order.id == order.id)
                .values(status_changed_at=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(index))
            )
    page = await (await client.get("/orders/board")).text()
    assert page.count('<article class="board-card') == PER_COLUMN
    assert orders[-1].number in page and orders[0].number not in page
    start = page.index('data-more="') + len('data-more="')
    more = page[start : page.index('"', start)].replace("&amp;", "&")
    rest = await (await client.get(more)).text()
    assert rest.count('<article class="board-card') == 2 and orders[0].number in rest
    assert "data-more" not in rest
