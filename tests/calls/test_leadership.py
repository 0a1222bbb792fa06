"""One leader per job family across processes; a standby takes over when the leader dies."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg

from callcenter.leadership import Leadership, plain_url


async def test_one_leads_the_other_takes_over_within_seconds(database_url: str) -> None:
    running: list[str] = []

    def leader(name: str) -> Any:
        async def lead() -> None:
            running.append(name)
            try:
                await asyncio.Event().wait()
            finally:
                running.remove(name)

        return lead

    first = Leadership(database_url, "pbx:test", retry_s=0.2, check_s=0.2)
    second = Leadership(database_url, "pbx:test", retry_s=0.2, check_s=0.2)
    tasks = [asyncio.create_task(first.run(leader("first")))]
    async with asyncio.timeout(5):
        while not first.leading:  # noqa: ASYNC110 - polling a flag
            await asyncio.sleep(0.02)
    tasks.append(asyncio.create_task(second.run(leader("second"))))
    await asyncio.sleep(0.6)
    assert running == ["first"] and not second.leading

    # the leader's database connection dies (as when its process is killed)
    conn = await asyncpg.connect(plain_url(database_url))
    await conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
        "AND granted AND objid = hashtext('pbx:test')::oid"
    )
    await conn.close()
    started = time.monotonic()
    async with asyncio.timeout(5):
        while "second" not in running:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    assert time.monotonic() - started < 5
    assert running.count("first") == 0 or "second" not in running
    await asyncio.sleep(0.5)
    assert running == ["second"], "two leaders at once"
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_families_are_independent(database_url: str) -> None:
    a = Leadership(database_url, "pbx:a", retry_s=0.1, check_s=0.1)
    b = Leadership(database_url, "pbx:b", retry_s=0.1, check_s=0.1)
    forever = asyncio.Event().wait
    tasks = [asyncio.create_task(a.run(forever)), asyncio.create_task(b.run(forever))]
    async with asyncio.timeout(5):
        while not (a.leading and b.leading):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_health_shows_the_leading_listeners_heartbeat_from_another_process(
    client: Any, db_session: Any
) -> None:
    from callcenter.calls.status import write_status

    await write_status(
        db_session,
        pbx="default",
        state="connected",
        leader="pbx-host:42",
        last_event_at=time.time(),
        backlog=3,
        events_handled=1234,
        reconnects=1,
    )
    await db_session.commit()
    body = await (await client.get("/health")).json()
    pbx = body["pbx"]
    assert (pbx["state"], pbx["role"], pbx["leader"]) == ("connected", "elsewhere", "pbx-host:42")
    assert pbx["events_handled"] == 1234 and pbx["backlog"] == 3
