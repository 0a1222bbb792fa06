"""The term's gate: a write under a term that no longer leads writes nothing and says so,
whether it is the calls' one statement or a fenced transaction, and a claim waits for the
writes of the term it ends."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from callcenter.calls.store import ANNOUNCE, announce, save_calls
from callcenter.db import make_engine
from callcenter.leadership import (
    TERM_KEYS,
    Fence,
    Leadership,
    NotLeading,
    fenced,
    gate_params,
    plain_url,
)
from callcenter.live import CHANNEL
from tests.calls.test_calls_store import inbound_answered

FAMILY = "pbx:gate"


@pytest.fixture
async def engine(database_url: str, clean_db: None) -> Any:
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM leader_terms WHERE family = :f"), {"f": FAMILY})
        await conn.execute(
            text("INSERT INTO leader_terms VALUES (:f, 3, 'test', now())"), {"f": FAMILY}
        )
    yield engine
    await engine.dispose()


async def store(engine: AsyncEngine, fence: Fence | None, linkedid: str) -> dict[str, int]:
    async with async_sessionmaker(engine).begin() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        note = ("ringing", {"linkedid": linkedid, "extension": "101"})
        return await save_calls(session, [inbound_answered(linkedid)], notes=[note], fence=fence)


async def stored(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.scalars(text("SELECT linkedid FROM calls ORDER BY 1"))).all())


async def heard(database_url: str, during: Any) -> list[str]:
    """The notifications sent on the calls' channel while ``during`` runs."""
    conn = await asyncpg.connect(plain_url(database_url))
    got: list[str] = []
    try:
        await conn.add_listener(CHANNEL, lambda *args: got.append(args[3]))
        with contextlib.suppress(NotLeading):
            await during
        await asyncio.sleep(0.2)
    finally:
        await conn.close()
    return got


async def test_the_leading_term_and_an_unfenced_writer_store_their_calls(
    engine: AsyncEngine, database_url: str
) -> None:
    notes = await heard(database_url, store(engine, Fence(FAMILY, 3), "1.1"))
    await store(engine, None, "1.2")
    assert await stored(engine) == ["1.1", "1.2"]
    assert len(notes) == 1 and '"1.1"' in notes[0]


@pytest.mark.parametrize("epoch", [None, 1, 2, 4, 2**62])
async def test_a_term_that_does_not_lead_writes_and_sends_nothing(
    engine: AsyncEngine, database_url: str, epoch: int | None
) -> None:
    fence = Fence(FAMILY, epoch)
    with pytest.raises(NotLeading):
        await store(engine, fence, "2.1")
    assert await heard(database_url, store(engine, Fence(FAMILY, epoch), "2.2")) == []
    assert await stored(engine) == [] and fence.epoch is None


async def test_once_the_next_term_holds_this_terms_key_its_writes_fail_before_the_table_says_so(
    engine: AsyncEngine, database_url: str
) -> None:
    """A write whose snapshot predates the claim still reads the old term as newest: the
    claimant's lock on the old term's key is what stops it."""
    successor = await asyncpg.connect(plain_url(database_url))
    try:
        await successor.execute(
            "SELECT pg_advisory_lock(hashtextextended($1::text || '/' || $2::bigint, $3))",
            FAMILY,
            3,
            TERM_KEYS,
        )
        fence = Fence(FAMILY, 3)
        with pytest.raises(NotLeading):
            await store(engine, fence, "3.1")
        with pytest.raises(NotLeading):
            async with fenced(async_sessionmaker(engine), Fence(FAMILY, 3)).begin() as session:
                await session.execute(text("SELECT 1"))
    finally:
        await successor.close()
    assert await stored(engine) == []


async def test_a_claim_waits_for_the_ending_terms_transaction_and_then_fences_it(
    engine: AsyncEngine, database_url: str
) -> None:
    old = Fence(FAMILY, 3)
    claimant = Leadership(database_url, FAMILY)
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        async with fenced(async_sessionmaker(engine), old).begin() as session:
            await session.execute(text("SELECT 1"))  # the old term's write is in flight
            claim = asyncio.create_task(claimant._claim(conn))
            await asyncio.sleep(0.5)
            assert not claim.done(), "the claim did not wait for the old term's write"
        await asyncio.wait_for(claim, 5)
        assert claimant.fence.epoch == 4
        with pytest.raises(NotLeading):
            await store(engine, Fence(FAMILY, 3), "4.1")
        await store(engine, claimant.fence, "4.2")
    finally:
        await conn.close()
    assert await stored(engine) == ["4.2"]


async def announce_ringing(engine: AsyncEngine, fence: Fence | None, linkedid: str) -> None:
    async with async_sessionmaker(engine).begin() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        note = ("ringing", {"linkedid": linkedid, "extension": "101"})
        await announce(session, [note], fence=fence)


@pytest.mark.parametrize("epoch", [None, 2, 4])
async def test_pops_sent_ahead_pass_the_gate_too(
    engine: AsyncEngine, database_url: str, epoch: int | None
) -> None:
    assert await heard(database_url, announce_ringing(engine, Fence(FAMILY, epoch), "3.1")) == []
    notes = await heard(database_url, announce_ringing(engine, Fence(FAMILY, 3), "3.2"))
    assert len(notes) == 1 and '"3.2"' in notes[0]


async def test_a_pop_sent_ahead_leaves_the_connections_next_commit_durable(
    database_url: str,
) -> None:
    """The pop's statement commits without waiting for the disk, and only it: the next
    statement on the same pooled connection (the calls' rows) waits for the flush again."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        sessions = async_sessionmaker(engine)
        async with sessions.begin() as session:  # (the tests' database is set to off)
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            await session.execute(text("SET synchronous_commit = on"))
        async with sessions.begin() as session:
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            row = (
                await session.execute(
                    ANNOUNCE, {"notify_channel": CHANNEL, "payloads": []} | gate_params(None)
                )
            ).one()
            assert row.commit_mode == "off"
        async with sessions() as session:
            assert await session.scalar(text("SHOW synchronous_commit")) == "on"
    finally:
        await engine.dispose()
