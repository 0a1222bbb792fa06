"""The first web process's side of ``CALLCENTER_WEB_PROCESSES`` (see ``web.worker``): its
workers started with the app, started again when one dies, stopped before its resources."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from callcenter.settings import Settings
from web.keys import SETTINGS

log = logging.getLogger(__name__)
RESTART_PAUSE_S = 1.0  # before starting again a worker that died within its first seconds
SETTLED_S = 10.0  # a worker that lived this long is started again at once
# a worker that dies this many times in a row within its first seconds cannot start (a bad
# install, the port's other users, a broken setting only it reads): said once, not retried
QUICK_DEATHS_MAX = 5
WORKER_COMMAND = (sys.executable, "-m", "web.worker")
STOP_WITHIN_S = 8.0  # for a worker's graceful stop, before it is killed


async def workers_ctx(app: web.Application) -> AsyncIterator[None]:
    """The first process's workers: started with the app, started again if one dies,
    stopped (SIGTERM, then SIGKILL after ``STOP_WITHIN_S``) before the app's resources."""
    settings: Settings = app[SETTINGS]
    count = settings.web_processes - 1
    if count < 1:
        yield
        return
    env = dict(os.environ, CALLCENTER_DATABASE_URL=settings.database_url or "")
    running: dict[int, asyncio.subprocess.Process] = {}
    keepers = [asyncio.create_task(_keep(number, env, running)) for number in range(count)]
    log.info("web: %d worker process(es) beside this one on port %d", count, settings.http_port)
    yield
    for keeper in keepers:
        keeper.cancel()
    await asyncio.gather(*keepers, return_exceptions=True)
    await asyncio.gather(*(_stopped(p) for p in running.values()))


async def _keep(
    number: int,
    env: dict[str, str],
    running: dict[int, Any],
    command: tuple[str, ...] = WORKER_COMMAND,
) -> None:
    """Keep worker ``number`` running: started again when it dies, at once if it had
    settled, after a pause that doubles with each quick death otherwise; given up (one
    line) after ``QUICK_DEATHS_MAX`` quick deaths in a row, the other processes serving on."""
    loop = asyncio.get_running_loop()
    quick_deaths = 0
    while True:
        started = loop.time()
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdin=asyncio.subprocess.PIPE
        )
        running[number] = process
        code = await process.wait()
        quick_deaths = quick_deaths + 1 if loop.time() - started < SETTLED_S else 0
        if quick_deaths >= QUICK_DEATHS_MAX:
            log.error("web: worker %d exited with %s within %.0f s of its start %d times in a "
                      "row; not starting it again (its own error is above); the other web "
                      "processes serve on", number, code, SETTLED_S, quick_deaths)  # fmt: skip
            return
        log.error("web: worker %d (pid %d) exited with %s; starting it again", number,
                  process.pid, code)  # fmt: skip
        if quick_deaths:
            await asyncio.sleep(RESTART_PAUSE_S * 2 ** (quick_deaths - 1))


async def _stopped(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_WITHIN_S)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
