"""The app's scheduler: reminders once across app restarts and a killed OS process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp

from callcenter.settings import Settings
from tests.calls.test_two_processes import ROOT, free_port
from tests.tasks.support import add_task, ahead, listening
from web.app import create_app
from web.scheduler import Scheduler


async def test_the_app_reminds_once_across_a_restart(
    aiohttp_server: Any, settings: Settings, db_session: Any, make_user: Any, database_url: str
) -> None:
    operator = await make_user("operator")
    first_task = await add_task(db_session, assignee_id=operator.id)
    quick = replace(settings, reminder_check_seconds=0.1)
    async with listening(database_url) as heard:
        server = await aiohttp_server(create_app(quick))
        await heard.wait_for("task_due")
        await server.close()  # the app stops...
        server = await aiohttp_server(create_app(quick))  # ...and starts again
        second_task = await add_task(db_session, assignee_id=operator.id, due_at=ahead(seconds=1))
        await heard.wait_for("task_due", 2)
        await asyncio.sleep(0.6)  # six more runs: nothing repeats
        await server.close()
    assert [m["task_id"] for m in heard.of("task_due")] == [first_task.id, second_task.id]


async def test_other_jobs_run_and_stopping_cancels_a_run_in_progress() -> None:
    scheduler = Scheduler()
    ticks: list[int] = []
    stuck = asyncio.Event()
    cancelled = asyncio.Event()

    async def tick() -> None:
        ticks.append(1)

    async def slow() -> None:
        stuck.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    scheduler.add_job("tick", tick, every_seconds=0.05)
    scheduler.add_job("slow", slow, every_seconds=0.05)
    scheduler.start()
    async with asyncio.timeout(5):
        await stuck.wait()
        while len(ticks) < 3:  # noqa: ASYNC110 - the job appends
            await asyncio.sleep(0.02)
    await scheduler.stop()
    assert cancelled.is_set() and not scheduler.running


async def test_a_run_outlasting_its_interval_is_not_doubled_nor_warned_of(caplog: Any) -> None:
    """Skipping a due run while one is going is the design: no second run, and no warning
    line for each skip (the webhooks' sender made two a second, for ever)."""
    scheduler = Scheduler()
    going, most = 0, 0
    runs: list[int] = []

    async def long() -> None:
        nonlocal going, most
        going += 1
        most = max(most, going)
        await asyncio.sleep(0.3)
        going -= 1
        runs.append(1)

    with caplog.at_level("INFO"):
        scheduler.add_job("long", long, every_seconds=0.02)
        scheduler.start()
        async with asyncio.timeout(5):
            while len(runs) < 2:  # noqa: ASYNC110 - the job appends
                await asyncio.sleep(0.02)
        await scheduler.stop()
    assert most == 1
    assert not [r for r in caplog.records if r.levelname == "WARNING"], caplog.text


async def test_a_failing_job_keeps_its_schedule() -> None:
    scheduler = Scheduler()
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(1)
        raise RuntimeError("database away")

    scheduler.add_job("flaky", flaky, every_seconds=0.05)
    scheduler.start()
    async with asyncio.timeout(5):
        while len(runs) < 3:  # noqa: ASYNC110 - the job appends
            await asyncio.sleep(0.02)
    await scheduler.stop()


@asynccontextmanager
async def serving(database_url: str, data_dir: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m callcenter serve`` as its own OS process, checking reminders often."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(
        CALLCENTER_DATABASE_URL=database_url,
        CALLCENTER_HTTP_PORT=str(port),
        CALLCENTER_PBX="off",
        CALLCENTER_DATA_DIR=str(data_dir),
        CALLCENTER_REMINDER_CHECK_SECONDS="0.2",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "callcenter", "serve", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with asyncio.timeout(20), aiohttp.ClientSession() as probe:
            while True:
                try:
                    async with probe.get(f"http://127.0.0.1:{port}/health") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def test_a_killed_process_never_repeats_a_reminder_it_sent(
    db_session: Any, make_user: Any, database_url: str, tmp_path: Path
) -> None:
    operator = await make_user("operator")
    sent = await add_task(db_session, assignee_id=operator.id)
    async with listening(database_url) as heard:
        async with serving(database_url, tmp_path) as first:
            await heard.wait_for("task_due")
            first.send_signal(signal.SIGKILL)  # no shutdown at all
        while_down = await add_task(db_session, assignee_id=operator.id)
        async with serving(database_url, tmp_path):
            await heard.wait_for("task_due", 2)
            await asyncio.sleep(1.0)  # five more runs
    assert [m["task_id"] for m in heard.of("task_due")] == [sent.id, while_down.id]
