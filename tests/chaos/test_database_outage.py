"""A database outage loses no call: the leader hears the PBX on, stores what it heard when
PostgreSQL returns, and a leader that has lost the lead to another never writes."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from ami.simulator import PbxSimulator
from callcenter.leadership import NAMESPACE, Leadership, plain_url
from tests.chaos.support import (
    StoppablePostgres,
    calls_by_linkedid,
    leading,
    led_listener,
    migrated,
    wait_ended,
)
from tests.conftest import ROOT

SPEED = 0.05  # simulated seconds run 20 times faster


@pytest.fixture
def postgres() -> Iterator[StoppablePostgres]:
    # under var/ like the suite's own server: pgserver runs PostgreSQL as its own user when
    # the tests run as root, and pytest's temporary directories are closed to other users
    pg = StoppablePostgres(ROOT / "var" / f"chaos-{uuid.uuid4().hex[:8]}")
    yield pg
    pg.close()


@pytest.fixture
async def pbx() -> AsyncIterator[PbxSimulator]:
    simulator = PbxSimulator(speed=SPEED, auth_failure_delay_s=0.0, timestamp_events=True)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def test_calls_heard_during_a_20_s_outage_are_all_stored_once_it_ends(
    postgres: StoppablePostgres, pbx: PbxSimulator
) -> None:
    url = await migrated(postgres)
    listener, engine, leadership = led_listener(pbx.port, url)
    try:
        async with leading(listener, leadership):
            # answered before the outage, hung up during it (talk 200 simulated s = 10 s)
            spanning = await pbx.inbound_call(
                caller="+79160000001", agent_answers=True, talk_s=200, patience_s=400
            )
            async with asyncio.timeout(10):
                while (await calls_by_linkedid(engine)).get(spanning, {}).get(
                    "answered_at"
                ) is None:
                    await asyncio.sleep(0.1)
            stopped = time.monotonic()
            await asyncio.to_thread(postgres.stop)
            inside = []  # calls that begin and end inside the outage
            for n in range(5):  # one after the other: each finds an agent free
                inside.append(
                    await pbx.inbound_call(
                        caller=f"+7916000010{n}", agent_answers=True, talk_s=20, patience_s=60
                    )
                )
                await asyncio.sleep(2.0)
            inside.append(
                await pbx.inbound_call(caller="+79160000200", agent_answers=False, patience_s=30)
            )
            await pbx.wait_idle(within_s=30)
            # an outage begins when a write fails: on a loaded machine the batch that finds
            # the database gone may still be on its way when the calls are idle
            async with asyncio.timeout(15):
                while not listener.outage.active:  # noqa: ASYNC110 - the listener's flag
                    await asyncio.sleep(0.1)
            assert leadership.leading, "the leader stopped hearing the PBX"
            await asyncio.sleep(max(0.0, 20 - (time.monotonic() - stopped)))
            await asyncio.to_thread(postgres.start)
            calls = await wait_ended(engine, [spanning, *inside], within=40)

            assert listener.link.reconnects == 0, "the PBX link was dropped in the outage"
            assert leadership.terms == 1, "the leader did not go on as its own term"
            for linkedid in inside[:5]:
                call = calls[linkedid]
                assert call["outcome"] == "answered"
                assert 0.5 <= call["talk_seconds"] <= 20 * SPEED + 1.5, call
            assert calls[inside[5]]["outcome"] == "abandoned"
            assert 200 * SPEED - 1 <= calls[spanning]["talk_seconds"] <= 200 * SPEED + 2
            async with engine.connect() as conn:
                callbacks = await conn.scalar(
                    text("SELECT count(*) FROM tasks WHERE phone = '+79160000200'")
                )
            assert callbacks == 1, "the call missed during the outage got no callback task"
            # and the listener stores as usual afterwards
            after = await pbx.inbound_call(caller="+79160000300", agent_answers=True, talk_s=10)
            await wait_ended(engine, [after], within=15)
            assert not listener.outage.active
    finally:
        await engine.dispose()


async def test_a_leader_whose_term_was_taken_never_writes_again(
    postgres: StoppablePostgres, pbx: PbxSimulator
) -> None:
    url = await migrated(postgres)
    listener, engine, leadership = led_listener(pbx.port, url)
    try:
        async with leading(listener, leadership) as task:
            first = await pbx.inbound_call(caller="+79160000001", agent_answers=True, talk_s=10)
            await wait_ended(engine, [first])
            # another process claims the next term and takes the lock as soon as it is free
            other = await asyncpg.connect(plain_url(url))
            try:
                await other.execute("UPDATE leader_terms SET epoch = epoch + 1")
                late = await pbx.inbound_call(caller="+79160000002", agent_answers=True, talk_s=10)
                async with asyncio.timeout(10):
                    while not await other.fetchval(  # noqa: ASYNC110
                        "SELECT pg_try_advisory_lock($1, hashtext('pbx:default'))", NAMESPACE
                    ):
                        await asyncio.sleep(0.01)
                await pbx.wait_idle(within_s=10)
                await asyncio.sleep(1.0)
                assert not leadership.leading and leadership.fence.epoch is None
                assert late not in await calls_by_linkedid(engine), "a fenced leader wrote"
                assert not task.done()
            finally:
                await other.close()
    finally:
        await engine.dispose()


async def test_after_an_outage_the_old_leader_resumes_before_a_standby_takes_over(
    postgres: StoppablePostgres, pbx: PbxSimulator
) -> None:
    url = await migrated(postgres)
    listener, engine, leadership = led_listener(pbx.port, url)
    standby_ran: list[int] = []

    async def standby_lead() -> None:
        standby_ran.append(1)
        await asyncio.Event().wait()

    standby = Leadership(url, "pbx:default", retry_s=0.2, check_s=0.2, outage_grace_s=120)
    try:
        async with leading(listener, leadership):
            other = asyncio.create_task(standby.run(standby_lead))
            try:
                await asyncio.sleep(1)
                await asyncio.to_thread(postgres.stop)
                call = await pbx.inbound_call(caller="+79160000001", agent_answers=True, talk_s=10)
                await pbx.wait_idle(within_s=10)
                await asyncio.sleep(3)
                await asyncio.to_thread(postgres.start)
                await wait_ended(engine, [call], within=30)
                await asyncio.sleep(2)
                assert leadership.leading and leadership.terms == 1
                assert not standby_ran, "the standby took over though the leader came back"
            finally:
                other.cancel()
                await asyncio.gather(other, return_exceptions=True)
    finally:
        await engine.dispose()


async def test_health_says_the_database_is_away_promptly_and_recovers(
    postgres: StoppablePostgres, aiohttp_client: Any, tmp_path: Any
) -> None:
    from callcenter.settings import Settings
    from web.app import create_app

    url = await migrated(postgres)
    settings = Settings(database_url=url, data_dir=tmp_path, secret_key="k", pbx="off")
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/health")).status == 200
    await asyncio.to_thread(postgres.stop)
    try:
        for _ in range(3):  # every probe answers, none hangs or fails with a 500
            started = time.monotonic()
            response = await client.get("/health")
            body = await response.json()
            assert time.monotonic() - started < 8  # each check is given 5 s at most
            assert response.status == 503 and body["problems"][0].startswith("database")
            assert body["database"]["reachable"] is False
    finally:
        await asyncio.to_thread(postgres.start)
    async with asyncio.timeout(20):
        while (await client.get("/health")).status != 200:
            await asyncio.sleep(0.2)
