"""Creating and editing orders: lines from the catalog or free text, totals to the kopeck,
defaults from the client, validation by field, closed orders kept as they are."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.audit.models import AuditEntry
from callcenter.errors import Conflict, Forbidden
from callcenter.orders.input import LineInput, OrderInput, OrderInvalid
from callcenter.orders.money import line_amount, parse_decimal
from callcenter.orders.moves import change_status
from callcenter.orders.service import create_order, update_order


async def _create(sessionmaker: Any, settings: Any, actor: Any, data: OrderInput) -> Any:
    async with sessionmaker.begin() as session:
        return await create_order(session, data=data, actor=actor, settings=settings)


def test_amounts_are_decimal_and_rounded_half_up_per_line() -> None:
    assert parse_decimal("1 234,5") == Decimal("1234.5")
    assert parse_decimal(0.1) == Decimal("0.1")
    assert line_amount(Decimal("3"), Decimal("33.33"), Decimal("0")) == Decimal("99.99")
    assert line_amount(Decimal("1"), Decimal("0.05"), Decimal("50")) == Decimal("0.03")
    assert line_amount(Decimal("2.5"), Decimal("199.99"), Decimal("12.5")) == Decimal("437.48")


async def test_a_catalog_line_takes_the_products_name_unit_price_and_vat(
    make_user: Any,
    make_client: Any,
    make_product: Any,
    sessionmaker: Any,
    settings: Any,
    pipeline: Any,
) -> None:
    admin = await make_user("admin")
    client = await make_client()
    product = await make_product(
        "Кондиционер", "45990.00", unit_code="796", vat_rate="22", sku="DK-25"
    )
    data = OrderInput(
        client_id=client.id,
        lines=[
            LineInput(product_id=product.id, quantity="2", discount_percent="5"),
            LineInput(
                description="Монтаж", quantity="1,5", price="3000", unit_code="356", vat_rate="none"
            ),
            LineInput(),  # a blank row is skipped
        ],
    )
    order = await _create(sessionmaker, settings, admin, data)
    assert [
        (ln.description, ln.unit_code, ln.price, ln.vat_rate, ln.amount) for ln in order.lines
    ] == [
        ("Кондиционер", "796", Decimal("45990.00"), "22", Decimal("87381.00")),
        ("Монтаж", "356", Decimal("3000.00"), "none", Decimal("4500.00")),
    ]
    assert order.total == Decimal("91881.00") and order.currency == "RUB"
    assert order.number.startswith(f"{order.created_at:%Y}-")


async def test_the_client_gives_the_default_manager_and_channel(
    make_user: Any, make_client: Any, sessionmaker: Any, settings: Any, pipeline: Any
) -> None:
    from callcenter.clients.models import Channel

    admin, owner = await make_user("admin"), await make_user("manager")
    async with sessionmaker.begin() as session:
        channel = Channel(name="Выставка")
        session.add(channel)
    client = await make_client(owner_id=owner.id, channel_id=channel.id)
    order = await _create(
        sessionmaker,
        settings,
        admin,
        OrderInput(client_id=client.id, lines=[LineInput(description="Услуга", price="10")]),
    )
    assert order.manager_id == owner.id and order.channel_id == channel.id
    assert order.stage_due_at is not None  # «new» is due within a day


async def test_errors_come_by_field(
    make_user: Any,
    make_client: Any,
    make_product: Any,
    sessionmaker: Any,
    settings: Any,
    pipeline: Any,
) -> None:
    admin = await make_user("admin")
    client = await make_client()
    data = OrderInput(
        client_id=client.id,
        stage_due="31.02.2026",
        manager_id=999,
        lines=[
            LineInput(description="", quantity="0", price="10"),
            LineInput(description="Доставка", quantity="1", price="-5", discount_percent="120"),
            LineInput(product_id=12345, quantity="1"),
            LineInput(description="Упаковка", price="10", unit_code="???", vat_rate="18"),
        ],
    )
    with pytest.raises(OrderInvalid) as error:
        await _create(sessionmaker, settings, admin, data)
    assert set(error.value.fields) == {
        "lines.0.description",
        "lines.0.quantity",
        "lines.1.price",
        "lines.1.discount_percent",
        "lines.2.product_id",
        "lines.2.description",
        "lines.2.price",
        "lines.3.unit_code",
        "lines.3.vat_rate",
        "stage_due",
        "manager_id",
    }
    with pytest.raises(OrderInvalid) as error:
        await _create(sessionmaker, settings, admin, OrderInput(client_id=client.id))
    assert set(error.value.fields) == {"lines"}
    with pytest.raises(OrderInvalid) as error:
        await _create(
            sessionmaker,
            settings,
            admin,
            OrderInput(client_id=424242, lines=[LineInput(description="x", price="1")]),
        )
    assert set(error.value.fields) == {"client_id"}


async def test_editing_changes_lines_and_keeps_an_audit_trail(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    admin = await make_user("admin")
    order = await make_order(admin, await make_client(), lines=[("Стол", "1", "100")])
    async with sessionmaker.begin() as session:
        order = await update_order(
            session,
            order_id=order.id,
            actor=admin,
            data=OrderInput(
                client_id=order.client_id,
                notes="Срочно",
                stage_due="2026-12-31",
                lines=[LineInput(description="Стол", quantity="3", price="100")],
            ),
        )
    assert order.total == Decimal("300.00") and order.notes == "Срочно"
    assert order.stage_due_at is not None and order.stage_due_at.year == 2026
    async with sessionmaker() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "order")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["created", "updated"]


async def test_a_closed_order_cannot_be_edited(
    make_user: Any, make_client: Any, make_order: Any, sessionmaker: Any, settings: Any
) -> None:
    admin = await make_user("admin")
    order = await make_order(admin, await make_client())
    async with sessionmaker.begin() as session:
        await change_status(
            session, order_id=order.id, status="delivered", actor=admin, settings=settings
        )
    with pytest.raises(Conflict):
        async with sessionmaker.begin() as session:
            await update_order(
                session,
                order_id=order.id,
                actor=admin,
                data=OrderInput(lines=[LineInput(description="x", price="1")]),
            )


@pytest.mark.parametrize("role", ["operator", "supervisor"])
async def test_operators_and_supervisors_do_not_create_orders(
    make_user: Any, make_client: Any, sessionmaker: Any, settings: Any, role: str, pipeline: Any
) -> None:
    user = await make_user(role)
    client = await make_client()
    with pytest.raises(Forbidden):
        await _create(
            sessionmaker,
            settings,
            user,
            OrderInput(client_id=client.id, lines=[LineInput(description="x", price="1")]),
        )


async def test_a_manager_kept_to_own_clients_manages_the_orders_they_take(
    make_user: Any, make_client: Any, sessionmaker: Any, settings: Any, pipeline: Any
) -> None:
    manager, other = await make_user("manager"), await make_user("manager")
    client = await make_client(owner_id=manager.id)
    order = await _create(
        sessionmaker,
        settings,
        manager,
        OrderInput(
            client_id=client.id, manager_id=other.id, lines=[LineInput(description="x", price="1")]
        ),
    )
    assert order.manager_id == manager.id
    foreign = await make_client(owner_id=other.id)
    with pytest.raises(Forbidden):
        await _create(
            sessionmaker,
            settings,
            manager,
            OrderInput(client_id=foreign.id, lines=[LineInput(description="x", price="1")]),
        )
