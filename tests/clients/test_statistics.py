"""The client tables can be analyzed the way autovacuum does it: with an empty search_path."""

from __future__ import annotations

from sqlalchemy import text

from callcenter.db import make_engine


async def test_clients_analyze_with_an_empty_search_path(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SET LOCAL search_path TO ''"))
            await conn.execute(text("ANALYZE public.clients, public.client_phones"))
            found = await conn.scalar(
                text("SELECT public.cc_trigrams('Ёлка') = public.cc_trigrams('елка')")
            )
        assert found is True
    finally:
        await engine.dispose()
