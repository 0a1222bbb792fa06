"""Leadership of a job family across processes, by a PostgreSQL advisory lock, fenced by a term.

One process leads a family (the PBX listener of one PBX, the scheduler...) while it holds the
lock on a dedicated connection; the others stand by and retry every second. When the leader
dies its connection closes, PostgreSQL releases the lock, and a standby takes over within
``retry_s`` plus a grace period; a new leader waits ``2 * check_s`` after taking the lock before
it starts, so an old leader cut off from the database has noticed first.

Each leader claims a *term* (``leader_terms.epoch``, one row per family). A database outage
does not end the leader's work at once when ``outage_grace_s`` is set: during an outage nobody
can take the lock, so the leader keeps going (the PBX listener keeps hearing the PBX and
stores what it heard when the database returns) while it tries to take the lock back. It goes
on as the same term when the lock and the term are still its own, and stands down when
another process holds the lock or has claimed a newer term. Every write of a led job goes
through the term's *gate* (``TERM_GATE``: a ``fenced`` sessionmaker runs it first in every
transaction, the calls' store folds it into its one statement): it takes the lock of its own
term shared and reads the newest term, and the write goes on only when both say it is still
this leader's (``NotLeading`` otherwise). A claim holds the lock of the term it ends
exclusively for as long as it leads, so a write that started before the claim committed (and
so still reads the old term) cannot pass either: a process that has lost the lead to another
never writes, however late its buffered writes arrive. After an outage, a standby leaves the
old leader a head start of a few seconds to take its lock back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
NAMESPACE = 7301  # first key of our advisory locks, so other applications' locks never clash
TERM_LOCKS = 7304  # a family's claims, one at a time
TERM_KEYS = 7305  # seed of the lock key of one term of a family
DATABASE_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)

# True when term :term_epoch still leads :term_family (always, with no family): a shared
# transaction lock on that term's key, which its successor holds exclusively from its claim
# on (a write whose snapshot predates the claim fails here), and the newest term read.
TERM_GATE = f"""CASE WHEN CAST(:term_family AS text) IS NULL THEN true ELSE
    pg_try_advisory_xact_lock_shared(hashtextextended(
        CAST(:term_family AS text) || '/' || CAST(:term_epoch AS bigint), {TERM_KEYS}))
    AND (SELECT epoch FROM leader_terms WHERE family = CAST(:term_family AS text))
        IS NOT DISTINCT FROM CAST(:term_epoch AS bigint) END"""
CHECK_TERM = text(f"SELECT {TERM_GATE}")


class NotLeading(RuntimeError):
    """A led job tried to write while its process is not (or no longer) the leader."""


@dataclass
class Fence:
    """The term this process leads ``family`` as (None: not leading)."""

    family: str
    epoch: int | None = None


def gate_params(fence: Fence | None) -> dict[str, Any]:
    """``TERM_GATE``'s parameters for writes under ``fence`` (none: no gate)."""
    if fence is None:
        return {"term_family": None, "term_epoch": None}
    if fence.epoch is None:
        raise NotLeading(f"not leading {fence.family}")
    return {"term_family": fence.family, "term_epoch": fence.epoch}


def term_over(fence: Fence) -> NotLeading:
    """The gate said no: this process leads no more."""
    epoch, fence.epoch = fence.epoch, None
    return NotLeading(f"{fence.family}: term {epoch} is over")


def fenced(sessionmaker: async_sessionmaker[Any], fence: Fence) -> async_sessionmaker[Any]:
    """A sessionmaker like ``sessionmaker`` whose every transaction passes the gate first
    (its term's lock is then held to the transaction's end)."""

    class FencedSession(Session):
        pass

    @event.listens_for(FencedSession, "after_begin")
    def check_term(session: Session, transaction: Any, connection: Any) -> None:
        if not connection.execute(CHECK_TERM, gate_params(fence)).scalar():
            raise term_over(fence)

    return async_sessionmaker(
        sessionmaker.kw["bind"], expire_on_commit=False, sync_session_class=FencedSession
    )


def plain_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


class Leadership:
    def __init__(
        self,
        url: str,
        family: str,
        *,
        retry_s: float = 1.0,
        check_s: float = 1.0,
        outage_grace_s: float = 0.0,
    ):
        self.url = plain_url(url)
        self.family = family
        self.retry_s = retry_s
        self.check_s = check_s
        self.outage_grace_s = outage_grace_s  # 0: stop leading as soon as the lock is lost
        self.leading = False
        self.terms = 0  # how many times this process became the leader
        self.fence = Fence(family)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.outage_since: float | None = None  # leading on through a database outage
        self._task: asyncio.Task[None] | None = None
        self._lock_pid: int | None = None  # the backend that held our lock
        self._database_was_away = False

    async def run(self, lead: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Lead whenever we hold the lock: run ``lead()`` until it ends or the lead is lost."""
        try:
            while True:
                try:
                    await self._one_term(lead)
                except DATABASE_ERRORS as exc:
                    log.warning("leadership of %s: database link lost: %s", self.family, exc)
                    self._database_was_away = True
                    await self._lost_lock()
                except asyncio.CancelledError:
                    raise
                except Exception:  # whatever it was, the family must be led again
                    log.exception("leadership of %s: a term failed", self.family)
                    await self._stand_down()
                await asyncio.sleep(self.retry_s / 5 if self._task else self.retry_s)
        finally:
            await self._stand_down()

    async def _lost_lock(self) -> None:
        """The lock's connection is gone. Without a grace the work stops now; with one it
        goes on (unable to write until the database is back) for ``outage_grace_s``."""
        if self._task is None:
            return
        now = time.monotonic()
        if self.outage_since is None:
            self.outage_since = now
            log.warning("leading %s on through a database outage", self.family)
        if now - self.outage_since >= self.outage_grace_s:
            if self.outage_grace_s:
                log.error("leadership of %s: no database for too long, stopping", self.family)
            await self._stand_down()

    async def _stand_down(self) -> None:
        task, self._task = self._task, None
        self.leading, self.fence.epoch, self.outage_since = False, None, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            log.info("no longer leading %s", self.family)

    async def _one_term(self, lead: Callable[[], Coroutine[Any, Any, None]]) -> None:
        conn = await asyncio.wait_for(asyncpg.connect(self.url), 5 * self.check_s + 5)
        try:
            if self._database_was_away and self._task is None:
                # the database is back: the leader it lost gets a head start to resume
                await asyncio.sleep(3 * self.retry_s)
            self._database_was_away = False
            if not await self._acquire(conn):
                return
            if self._task is None or not await self._still_ours(conn):
                await self._stand_down()  # a task of an older term stops first
                await asyncio.sleep(2 * self.check_s)  # so does a cut-off old leader
                await self._check(conn)
                await self._claim(conn)
                self._task = asyncio.create_task(lead(), name=f"lead-{self.family}")
                self.terms += 1
                log.info("leading %s (term %s)", self.family, self.fence.epoch)
            else:
                log.info("leading %s on as term %s", self.family, self.fence.epoch)
            self.leading, self.outage_since = True, None
            await self._hold(conn)
        finally:
            conn.terminate()  # synchronous: releases the lock even while being cancelled

    async def _acquire(self, conn: asyncpg.Connection) -> bool:
        """Take the lock; a leader resuming after an outage stands down if another has it."""
        # a lock has no event to await: poll it
        while not await self._try_lock(conn):  # noqa: ASYNC110
            if self._task is not None and not await self._free_own_lock(conn):
                log.warning("leadership of %s: another process leads now", self.family)
                await self._stand_down()
            await asyncio.sleep(self.retry_s)
        self._lock_pid = await conn.fetchval("SELECT pg_backend_pid()")
        return True

    async def _free_own_lock(self, conn: asyncpg.Connection) -> bool:
        """After a network cut the server may still hold our old connection (and the lock):
        end that backend. False when someone else's backend holds it."""
        holder = await conn.fetchval(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = $1 AND objid = hashtext($2)::oid",
            NAMESPACE,
            self.family,
        )
        if holder is None or holder != self._lock_pid:
            return holder is None
        await conn.fetchval("SELECT pg_terminate_backend($1)", holder)
        return True

    async def _still_ours(self, conn: asyncpg.Connection) -> bool:
        """After an outage: is the newest term still the one we lead as?"""
        epoch = await conn.fetchval("SELECT epoch FROM leader_terms WHERE family = $1", self.family)
        return epoch is not None and epoch == self.fence.epoch

    async def _claim(self, conn: asyncpg.Connection) -> None:
        """Claim the next term: from now on only its writes pass the gate. The ended term's
        lock is taken exclusively first (its writes in flight end) and held while we lead."""
        async with conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))", TERM_LOCKS, self.family
            )
            ended = await conn.fetchval(
                "SELECT epoch FROM leader_terms WHERE family = $1", self.family
            )
            if ended is not None:
                await conn.execute(
                    "SELECT pg_advisory_lock(hashtextextended($1::text || '/' || $2::bigint, $3))",
                    self.family,
                    ended,
                    TERM_KEYS,
                )
            self.fence.epoch = await conn.fetchval(
                "INSERT INTO leader_terms (family, epoch, leader, started_at) "
                "VALUES ($1, 1, $2, now()) ON CONFLICT (family) DO UPDATE SET "
                "epoch = leader_terms.epoch + 1, leader = $2, started_at = now() "
                "RETURNING epoch",
                self.family,
                self.name,
            )

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

    async def _hold(self, conn: asyncpg.Connection) -> None:
        """Return when the leading task ends; raise when the lock's connection is lost."""
        task = self._task
        while task is not None and not task.done():
            await asyncio.wait({task}, timeout=self.check_s)  # never raises the task's error
            if not task.done():
                await self._check(conn)
        if task is None:
            return
        if task.cancelled():
            log.error("leading %s: the leading task was cancelled", self.family)
        elif isinstance(task.exception(), NotLeading):
            log.warning("leading %s: %s", self.family, task.exception())
        elif task.exception() is not None:
            log.error("leading %s failed", self.family, exc_info=task.exception())
        else:
            log.warning("leading %s: the leading task ended", self.family)
        await self._stand_down()
