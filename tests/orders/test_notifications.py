"""Status e-mails: queued in the same transaction only for the statuses the admin selected,
rendered from the status's template, and visible when the client has no address."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from callcenter.mail.models import OutboxMessage
from callcenter.orders.letters import render, unknown_placeholders
from callcenter.orders.models import OrderStatus
from callcenter.orders.moves import change_status
from callcenter.orders.pipeline import ReasonRequired


async def _outbox(sessionmaker: Any) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def _move(
    sessionmaker: Any, settings: Any, actor: Any, order: Any, to: str, reason: str = ""
) -> Any:
    async with sessionmaker.begin() as session:
        return await change_status(
            session, order_id=order.id, status=to, reason=reason, actor=actor, settings=settings
        )


async def test_only_the_selected_statuses_queue_an_email(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    manager = await make_user("manager", sees_all_clients=True, full_name="Ольга Волкова")
    order = await make_order(
        manager, await make_client("Петров Пётр"), lines=[("Стол", "2", "1500")]
    )
    assert await _outbox(sessionmaker) == []  # «new» does not notify
    for target in ("accepted", "in_production", "done", "shipped", "delivered"):
        order = await _move(sessionmaker, settings, manager, order, target)
    subjects = [m.subject for m in await _outbox(sessionmaker)]
    assert subjects == [f"Заказ {order.number} принят", f"Заказ {order.number} отгружен"]


async def test_the_email_is_rendered_from_the_status_template(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    manager = await make_user("manager", sees_all_clients=True, full_name="Ольга Волкова")
    client = await make_client("Петров Пётр", email="petrov@example.ru")
    order = await make_order(manager, client, lines=[("Стол", "2", "1500.50")])
    await _move(sessionmaker, settings, manager, order, "accepted")
    (message,) = await _outbox(sessionmaker)
    assert message.to_address == "petrov@example.ru"
    assert message.state == "queued" and message.entity == "order"
    assert message.entity_id == order.id
    assert message.body == (
        "Здравствуйте, Петров Пётр!\n\n"
        f"Ваш заказ {order.number} на сумму 3\u00a0001,00\u00a0₽ принят в работу.\n\n"
        "Ваш менеджер: Ольга Волкова"
    )


async def test_cancelling_puts_the_reason_in_the_email(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    manager = await make_user("manager", sees_all_clients=True)
    order = await make_order(manager, await make_client())
    await _move(sessionmaker, settings, manager, order, "cancelled", "Нет на складе")
    (message,) = await _outbox(sessionmaker)
    assert "Причина: Нет на складе" in message.body


async def test_a_status_the_admin_turns_on_notifies_too(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    async with sessionmaker.begin() as session:
        await session.execute(
            update(OrderStatus)
            .where(OrderStatus.code == "in_production")
            .values(
                notify_client=True,
                email_subject="{number}: {previous_status} → {status}",
                email_body="{{без подстановки}} {unknown}",
            )
        )
    manager = await make_user("manager", sees_all_clients=True)
    order = await make_order(manager, await make_client())
    await _move(sessionmaker, settings, manager, order, "in_production")
    (message,) = await _outbox(sessionmaker)
    assert message.subject == f"{order.number}: Новый → В производстве"
    assert message.body == "{без подстановки} {unknown}"


async def test_a_client_without_email_gets_a_failed_message_not_silence(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    manager = await make_user("manager", sees_all_clients=True)
    order = await make_order(manager, await make_client(email=None))
    await _move(sessionmaker, settings, manager, order, "accepted")
    (message,) = await _outbox(sessionmaker)
    assert message.state == "failed"
    assert message.last_error == "The client has no e-mail address"


async def test_a_refused_move_queues_nothing(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    manager = await make_user("manager", sees_all_clients=True)
    order = await make_order(manager, await make_client())
    with pytest.raises(ReasonRequired):  # the move and its e-mail roll back together
        await _move(sessionmaker, settings, manager, order, "cancelled", "")
    assert await _outbox(sessionmaker) == []


def test_templates_fill_only_known_names_and_never_evaluate() -> None:
    values = {"number": "2026-00001", "client": "{reason}"}
    assert render("{number} {client} {number.__class__} {0} {}", values) == (
        "2026-00001 {reason} {number.__class__} {0} {}"
    )
    assert unknown_placeholders("{number} {nomber} {{x}} {a.b}") == ["nomber", "a.b"]


def test_a_subject_cannot_carry_extra_headers() -> None:
    from callcenter.mail.service import one_line

    assert one_line("Заказ\r\nBcc: spy@example.com") == "Заказ Bcc: spy@example.com"
