"""Reading uploads in worker processes, so that a parse never holds the web process's GIL.

A worker thread is not enough. A CPU-bound parse in a thread keeps the event loop's thread
waiting for the GIL at every I/O wake-up (up to the 5 ms switch interval each, a dozen of
them per request), and the objects a parse makes set off garbage-collector passes over the
whole process that hold the GIL for 100 ms and more. Measured on a shared 2-core machine
(load 5-8): while a workbook of 300,000-600,000 shared strings was read, /health answered
in up to 0.2-1.7 s with the read in a thread and 1.7-2.6 s with it on the loop; with it
read here, by a process at a lower CPU priority, in 25 ms at the median, 0.1 s at the 99th
percentile, its slowest no slower than with nothing going on plus 0.1 s.

Only the checks and reads an upload needs at once run here (the header, the preview, a
campaign's contact file); what they return is small. An import's run streams every row into
the database and keeps its own reader thread (see pipeline.py).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

from callcenter.backoffice.priority import lower_own_priority
from callcenter.i18n import N_
from callcenter.imports.exceptions import ImportInvalid

log = logging.getLogger(__name__)
T = TypeVar("T")
READER_NICENESS = 10
TASKS_PER_WORKER = 20  # then the worker is replaced, giving back what its parses grew


async def read_apart(executor: Executor | None, read: Callable[..., T], /, *args: Any) -> T:
    """``read(*args)`` in ``executor`` (a ReaderPool; None: the loop's threads, for tests and
    scripts). A reader process that died (its memory, say) is a refusal, not a crash."""
    try:
        return await asyncio.get_running_loop().run_in_executor(executor, partial(read, *args))
    except BrokenProcessPool:
        log.warning("an upload reader process died while reading a file")
        raise ImportInvalid(
            N_("The file could not be read: reading it took more than a reader may use")
        ) from None


def _yield_to_the_web() -> None:
    """A reader runs at a lower CPU priority: on a busy machine the web process (its pops,
    wallboard and PBX listener) goes first, and an upload just takes a little longer."""
    lower_own_priority(READER_NICENESS)


class ReaderPool(Executor):
    """A pool of worker processes started on first use; a worker that dies (killed for its
    memory, say) fails only the read it was doing, and the next read gets a new pool."""

    def __init__(self, workers: int = 2) -> None:
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self._workers,
                    # not fork: this process has threads (the loop's executor, asyncpg's)
                    mp_context=multiprocessing.get_context("spawn"),
                    max_tasks_per_child=TASKS_PER_WORKER,
                    initializer=_yield_to_the_web,
                )
            pool = self._pool
        try:
            return pool.submit(fn, *args, **kwargs)
        except BrokenProcessPool:
            self._replace(pool)
            return self.submit(fn, *args, **kwargs)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                log.warning("an upload reader process died: starting new ones")
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)
