"""The report rollups are refreshed by a back-office process of the app's own, at the back
office's lower CPU priority: never on the event loop that sends the pops. The app starts it,
starts it again when it dies, and stops it when the app stops."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from callcenter.reports.rollups.models import RollupMark
from callcenter.reports.rollups.refresh import all_rollups
from callcenter.settings import Settings
from tests.cli.test_web_processes import back_office_children
from web import scheduler
from web.app import create_app


def children() -> list[int]:
    return back_office_children(os.getpid())


async def marks(db_session: Any) -> int:
    await db_session.rollback()  # a fresh snapshot each time
    return int(await db_session.scalar(select(func.count()).select_from(RollupMark)) or 0)


async def wait_for(check: Any, seconds: float = 60) -> Any:
    async with asyncio.timeout(seconds):
        while not (found := await check()):
            await asyncio.sleep(0.1)
    return found


async def test_rollups_are_refreshed_by_a_niced_process_started_again_if_it_dies(
    aiohttp_server: Any, settings: Settings, db_session: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(scheduler, "ROLLUPS_RESTART_S", 0.1)
    quick = replace(settings, report_refresh_seconds=0.2, back_office_niceness=7)
    server = await aiohttp_server(create_app(quick))
    try:

        async def one_child() -> list[int]:
            return children()

        (first,) = await wait_for(one_child)

        async def niced() -> bool:  # below the floor's processes, once it has read its job
            return os.getpriority(os.PRIO_PROCESS, first) >= 7

        await wait_for(niced, 30)
        # its first run builds every rollup and marks it
        wanted = len(all_rollups())

        async def all_marked() -> bool:
            return await marks(db_session) >= wanted

        await wait_for(all_marked)
        os.kill(first, signal.SIGKILL)  # killed (the OOM killer, say): another takes over

        async def another() -> list[int]:
            return [pid for pid in children() if pid != first]

        (second,) = await wait_for(another)
        refreshed = await db_session.scalar(select(func.max(RollupMark.refreshed_at)))

        async def refreshed_again() -> bool:
            await db_session.rollback()
            latest = await db_session.scalar(select(func.max(RollupMark.refreshed_at)))
            return bool(latest > refreshed)

        await wait_for(refreshed_again)
    finally:
        await server.close()
    assert children() == []  # stopped with the app
