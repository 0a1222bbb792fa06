"""Leadership of a job family across processes, by a PostgreSQL advisory lock.

One process leads a family (the PBX listener of one PBX, the scheduler...) while it holds the
lock on a dedicated connection; the others stand by and retry every second. When the leader
dies its connection closes, PostgreSQL releases the lock, and a standby takes over within
``retry_s`` plus a grace period. A leader that loses its connection stops leading within
``check_s``; a new leader waits ``2 * check_s`` after taking the lock before it starts, so an old
leader cut off from the database has stopped first and two never lead together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg

log = logging.getLogger(__name__)
NAMESPACE = 7301  # first key of our advisory locks, so other applications' locks never clash


def plain_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


class Leadership:
    def __init__(self, url: str, family: str, *, retry_s: float = 1.0, check_s: float = 1.0):
        self.url = plain_url(url)
        self.family = family
        self.retry_s = retry_s
        self.check_s = check_s
        self.leading = False
        self.terms = 0  # how many times this process became the leader

    async def run(self, lead: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Lead whenever we hold the lock: run ``lead()`` until it ends or the lock is lost."""
        while True:
            try:
                await self._one_term(lead)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("leadership of %s: database link lost: %s", self.family, exc)
            except asyncio.CancelledError:
                raise
            except Exception:  # whatever it was, the family must be led again
                log.exception("leadership of %s: a term failed", self.family)
            self.leading = False
            await asyncio.sleep(self.retry_s)

    async def _one_term(self, lead: Callable[[], Coroutine[Any, Any, None]]) -> None:
        conn = await asyncpg.connect(self.url)
        try:
            # a lock has no event to await: poll it
            while not await self._try_lock(conn):  # noqa: ASYNC110
                await asyncio.sleep(self.retry_s)
            await asyncio.sleep(2 * self.check_s)  # let a cut-off old leader notice and stop
            await self._check(conn)
            self.leading, self.terms = True, self.terms + 1
            log.info("leading %s", self.family)
            task = asyncio.create_task(lead(), name=f"lead-{self.family}")
            try:
                await self._hold(conn, task)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                log.info("no longer leading %s", self.family)
        finally:
            self.leading = False
            conn.terminate()  # synchronous: releases the lock even while being cancelled

    async def _try_lock(self, conn: asyncpg.Connection) -> bool:
        return bool(
            await conn.fetchval(
                "SELECT pg_try_advisory_lock($1, hashtext($2))", NAMESPACE, self.family
            )
        )

    async def _check(self, conn: asyncpg.Connection) -> None:
        """The lock holds while its connection answers; a hung one counts as lost."""
        try:
            await asyncio.wait_for(conn.fetchval("SELECT 1"), self.check_s)
        except TimeoutError:
            raise OSError("the lock's connection stopped answering") from None

    async def _hold(self, conn: asyncpg.Connection, task: asyncio.Task[None]) -> None:
        """Return when the leading task ends; raise when the lock's connection is lost."""
        while not task.done():
            await asyncio.wait({task}, timeout=self.check_s)  # never raises the task's error
            if not task.done():
                await self._check(conn)
        if task.cancelled():
            log.error("leading %s: the leading task was cancelled", self.family)
        elif task.exception() is not None:
            log.error("leading %s failed", self.family, exc_info=task.exception())
