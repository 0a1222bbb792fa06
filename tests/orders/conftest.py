"""Order fixtures: the default pipeline (the tests empty every table, so it is seeded again),
clients, products and orders made through the services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client, ClientEmail
from callcenter.db import make_engine, make_sessionmaker
from callcenter.orders.input import LineInput, OrderInput
from callcenter.orders.models import Order, OrderStatus, OrderStatusChange
from callcenter.orders.service import create_order
from callcenter.orders.statuses import seed_default_pipeline
from callcenter.products.models import Product
from callcenter.settings import Settings


@pytest.fixture
async def sessionmaker(database_url: str, clean_db: None) -> AsyncIterator[Any]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def pipeline(sessionmaker: Any) -> dict[str, OrderStatus]:
    async with sessionmaker.begin() as session:
        statuses = await seed_default_pipeline(session)
    return {s.code: s for s in statuses}


@pytest.fixture
def make_client(sessionmaker: Any) -> Any:
    async def make(
        name: str = "Иванов Иван",
        *,
        email: str | None = "ivanov@example.ru",
        owner_id: int | None = None,
        channel_id: int | None = None,
    ) -> Client:
        async with sessionmaker.begin() as session:
            client = Client(
                kind="person",
                name=name,
                owner_id=owner_id,
                channel_id=channel_id,
                emails=[ClientEmail(email=email)] if email else [],
            )
            session.add(client)
        return client

    return make


@pytest.fixture
def make_product(sessionmaker: Any) -> Any:
    async def make(name: str, price: str = "100.00", **fields: Any) -> Product:
        async with sessionmaker.begin() as session:
            product = Product(name=name, price=Decimal(price), **fields)
            session.add(product)
        return product

    return make


@pytest.fixture
def make_order(sessionmaker: Any, settings: Settings, pipeline: Any) -> Any:
    """``await make_order(actor, client, lines=[("Стол", "2", "1500")])``."""

    async def make(
        actor: Any, client: Client, *, lines: list[tuple[Any, ...]] | None = None, **fields: Any
    ) -> Order:
        rows = [
            LineInput(product_id=line[0], quantity=line[1])
            if isinstance(line[0], int)
            else LineInput(description=line[0], quantity=line[1], price=line[2])
            for line in (lines or [("Услуга", "1", "1000")])
        ]
        async with sessionmaker.begin() as session:
            return await create_order(
                session,
                data=OrderInput(client_id=client.id, lines=rows, **fields),
                actor=actor,
                settings=settings,
            )

    return make


async def backdate(
    session: AsyncSession,
    order_id: int,
    times: list[datetime],
    dues: list[datetime | None] | None = None,
    stage_due_at: datetime | None = None,
) -> None:
    """Rewrite an order's history (times and stage deadlines, oldest first), its date and its
    current deadline, for figures computed by hand."""
    changes = list(
        await session.scalars(
            select(OrderStatusChange)
            .where(OrderStatusChange.order_id == order_id)
            .order_by(OrderStatusChange.at, OrderStatusChange.id)
        )
    )
    assert len(changes) == len(times)
    for index, (change, at) in enumerate(zip(changes, times, strict=True)):
        change.at = at
        change.due_at = dues[index] if dues else None
    await session.execute(
        update(Order)
        .where(Order.id == order_id)
        .values(created_at=times[0], status_changed_at=times[-1], stage_due_at=stage_due_at)
    )
    await session.flush()
