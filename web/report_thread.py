"""The reports' own thread: an admin's report is read, built and rendered off the pops' loop.

A report is Python work over many rows (the driver's and SQLAlchemy's result rows, the
figures, the template), and on the web process's loop it ran in stretches of up to 0.4 s in
which no pop, wallboard frame or PBX notification moved (py-spy on ``bench/mixed.py``: the
report pages were a third of that loop's work). Here it runs on a thread with an event loop
of its own and connections of its own, whose PostgreSQL backends run at the back office's
priority (``callcenter.backoffice.priority``). Python's GIL gives the pops' thread its turn
within the switch interval whenever it has work, so a report delays the floor by at most
that per step of the loop instead of by its whole length; the interval is cut from Python's
5 ms to ``SWITCH_S`` (a waiting thread asks only while another holds the GIL, so this costs
nothing while no report is being made). The work keeps the request's context
variables (language, time zone), as ``asyncio`` copies them into the task it starts.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker

from callcenter.backoffice.priority import lower_backend_priority
from callcenter.db import make_engine, make_sessionmaker
from web.keys import REPORTS, SETTINGS

T = TypeVar("T")
REPORTS_APPLICATION = "callcenter reports"  # the report backends' name in pg_stat_activity
POOL_SIZE = 4
SWITCH_S = 0.0005


class ReportThread:
    """One thread, its loop and its connection pool; ``read`` and ``call`` run work there."""

    def __init__(self, database_url: str, niceness: int) -> None:
        # its connections are opened on first use, so on this thread's loop, the only one
        # that ever uses them
        self.engine = make_engine(
            database_url,
            pool_size=POOL_SIZE,
            connect_args={"server_settings": {"application_name": REPORTS_APPLICATION}},
        )
        lower_backend_priority(self.engine, niceness)
        self.sessionmaker = make_sessionmaker(self.engine)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="reports", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self.engine.dispose())
            self.loop.close()

    async def read(self, work: Callable[[async_sessionmaker[Any]], Awaitable[T]]) -> T:
        """``await work(sessionmaker)`` on this thread; cancelled with the caller."""
        return await self._there(_awaited(work(self.sessionmaker)))

    async def call(self, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)`` (plain Python, such as rendering) on this thread."""
        return await self._there(_plain(work, *args))

    async def _there(self, work: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return await asyncio.wrap_future(future)  # cancelling this cancels the work there

    def stop(self) -> None:
        """Stop the loop (the pool is disposed there) and wait for the thread."""
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()


async def _awaited(work: Awaitable[T]) -> T:
    return await work


async def _plain(work: Callable[..., T], *args: Any) -> T:
    return work(*args)


async def report_thread_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert settings.database_url, "the command line resolves the database URL before the app"
    thread = ReportThread(settings.database_url, settings.back_office_niceness)
    thread.start()
    app[REPORTS] = thread
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(SWITCH_S, switch))
    yield
    sys.setswitchinterval(switch)
    await asyncio.to_thread(thread.stop)
