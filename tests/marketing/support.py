"""Shared setup for the marketing tests: channels, maps, form keys, straight in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Channel
from callcenter.db import make_engine, make_sessionmaker
from callcenter.marketing.keys import FormKeyInput, create_form_key
from callcenter.marketing.models import TrackedNumber, UtmChannel


async def in_db(database_url: str, work: Any) -> Any:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine).begin() as session:
            return await work(session)
    finally:
        await engine.dispose()


async def channel(session: AsyncSession, name: str) -> int:
    row = Channel(name=name, active=True)
    session.add(row)
    await session.flush()
    return row.id


async def utm(session: AsyncSession, source: str, channel_id: int) -> None:
    session.add(UtmChannel(utm_source=source, channel_id=channel_id))
    await session.flush()


async def tracked(session: AsyncSession, number: str, channel_id: int) -> None:
    session.add(TrackedNumber(number=number, channel_id=channel_id))
    await session.flush()


async def form_key(
    session: AsyncSession, origin: str = "https://shop.example", queue: str = "sales"
) -> tuple[int, str]:
    row, key = await create_form_key(
        session,
        data=FormKeyInput(name="Shop", queue=queue, due_minutes="30", allowed_origin=origin),
    )
    return row.id, key
