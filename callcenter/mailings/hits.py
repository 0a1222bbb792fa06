"""Open and click hits answered from memory and written in batches: what lets a web process
answer thousands of them a second without waiting for PostgreSQL.

What a hit needs to be answered never changes once it exists: that its mailing is there
(a token names it: ``callcenter.mailings.links``), a recipient's mailing (for an older
letter's token, which names only the recipient), and a mailing's link (its number and URL
are stored once, before any letter carrying it leaves). So each web process remembers them
(``KNOWN_MAX`` at most, the oldest forgotten first), asks the database once per mailing,
older token's recipient or link it has not seen (concurrent hits for the same one wait for
the one question), and remembers one that is not there for ``UNKNOWN_SECONDS``: a token we
signed whose mailing is gone gets its 404 without asking again for each hit. A token we did
not sign never gets here. A mailing's recipients go only with it (a cascade), so a hit
on a mailing that is there is on a recipient that is there.

The hits themselves wait in memory and one writer task stores them every ``FLUSH_SECONDS``
or every ``FLUSH_HITS`` hits, in one statement: the events, and each recipient's first open
and first click as the earliest of its hits (a click is an open too), whichever process or
batch stored the hits first. Closing flushes what waits. The loss window, said plainly: a
web process that crashes (killed, out of memory) loses the hits of its last ``FLUSH_SECONDS``
at most (a figure off by a few; never a letter, an order or a redirect); a database that is
away keeps hits waiting (``MAX_WAITING`` at most, then the oldest are dropped, logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db import utcnow
from callcenter.mailings.tracking import NOT_WAITING_FOR_DISK

log = logging.getLogger(__name__)
FLUSH_SECONDS = 0.05
FLUSH_HITS = 500
MAX_WAITING = 200_000
KNOWN_MAX = 500_000  # recipients and links remembered (a few tens of MB at most)
UNKNOWN_SECONDS = 30.0
RETRY_SECONDS = 1.0  # after a failed write, before the next try

MAILING = text("SELECT id FROM mailings WHERE id = :mailing")
RECIPIENTS = text("SELECT id, mailing_id FROM mailing_recipients WHERE id = ANY(:ids)")
LINK = text("SELECT id, url FROM mailing_links WHERE mailing_id = :mailing AND number = :number")
# a batch of hits: the events of recipients still there, and each one's first open and
# click lowered to its earliest hit (LEAST ignores a NULL: a first one is set); the rows are
# locked in id order, so two web processes flushing the same recipients never deadlock
# (NO KEY UPDATE: the events' foreign keys hold KEY SHARE locks, which it lets be)
WRITE_HITS = text(
    """
    WITH stored AS (
        INSERT INTO mailing_events (recipient_id, link_id, kind, at)
        SELECT h.recipient_id, h.link_id, h.kind, h.at
        FROM unnest(CAST(:recipients AS bigint[]), CAST(:links AS int[]),
                    CAST(:kinds AS text[]), CAST(:ats AS timestamptz[]))
             AS h(recipient_id, link_id, kind, at)
        JOIN mailing_recipients r ON r.id = h.recipient_id
        RETURNING recipient_id, kind, at
    ), firsts AS (
        SELECT recipient_id, min(at) AS opened, min(at) FILTER (WHERE kind = 'click') AS clicked
        FROM stored GROUP BY recipient_id
    ), locked AS (
        SELECT r.id FROM mailing_recipients r JOIN firsts f ON f.recipient_id = r.id
        ORDER BY r.id FOR NO KEY UPDATE OF r
    )
    UPDATE mailing_recipients r
    SET first_opened_at = LEAST(r.first_opened_at, f.opened),
        first_clicked_at = LEAST(r.first_clicked_at, f.clicked)
    FROM firsts f
    WHERE r.id = f.recipient_id AND r.id IN (SELECT id FROM locked)
      AND (r.first_opened_at IS NULL OR r.first_opened_at > f.opened
           OR r.first_clicked_at IS NULL AND f.clicked IS NOT NULL
           OR r.first_clicked_at > f.clicked)
    """
)


class Hit(NamedTuple):
    recipient_id: int
    link_id: int | None  # a click's link; None: the pixel
    at: datetime

    @property
    def kind(self) -> str:
        return "open" if self.link_id is None else "click"


async def write_hits(session: AsyncSession, hits: list[Hit]) -> None:
    """Store hits in one statement (those of recipients gone are dropped)."""
    await session.execute(NOT_WAITING_FOR_DISK)
    await session.execute(WRITE_HITS, {
        "recipients": [h.recipient_id for h in hits], "links": [h.link_id for h in hits],
        "kinds": [h.kind for h in hits], "ats": [h.at for h in hits],
    })  # fmt: skip


class HitRecorder:
    """One per web process: ``opened`` and ``clicked`` answer a hit, ``start`` and ``close``
    run the writer."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        flush_seconds: float = FLUSH_SECONDS,
        flush_hits: int = FLUSH_HITS,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.flush_seconds, self.flush_hits = flush_seconds, flush_hits
        self._known: dict[Hashable, Any] = {}
        self._unknown: dict[Hashable, float] = {}  # key -> when it may be asked about again
        self._asking: dict[Hashable, asyncio.Future[Any]] = {}
        self._next_question: dict[int, asyncio.Future[Any]] = {}  # recipients to ask about
        self._questioning = False
        self._waiting: list[Hit] = []
        self._some, self._full = asyncio.Event(), asyncio.Event()
        self._writing = asyncio.Lock()
        self._writer: asyncio.Task[None] | None = None

    async def opened(self, recipient_id: int, mailing_id: int | None = None) -> bool:
        """The pixel: False when there is no such recipient (or mailing). ``mailing_id``:
        the recipient's, as a signed token names it; None: to be looked up."""
        if await self._mailing_of(recipient_id, mailing_id) is None:
            return False
        self._add(Hit(recipient_id, None, utcnow()))
        return True

    async def clicked(
        self, recipient_id: int, number: int, mailing_id: int | None = None
    ) -> str | None:
        """A link: where to send the browser, or None when the recipient or link is not there."""
        mailing_id = await self._mailing_of(recipient_id, mailing_id)
        if mailing_id is None:
            return None
        link: tuple[int, str] | None = await self._cached(
            ("link", mailing_id, number), lambda s: _row(s, LINK, mailing=mailing_id, number=number)
        )
        if link is None:
            return None
        self._add(Hit(recipient_id, link[0], utcnow()))
        return link[1]

    async def _mailing_of(self, recipient_id: int, mailing_id: int | None) -> int | None:
        """The mailing, if it is there: the one a token names, else the recipient's."""
        if mailing_id is None:
            return await self._mailing(recipient_id)
        found = await self._cached(
            ("mailing", mailing_id), lambda s: s.scalar(MAILING, {"mailing": mailing_id})
        )
        return None if found is None else mailing_id

    async def _mailing(self, recipient_id: int) -> int | None:
        """The recipient's mailing. Recipients not known yet are asked about together: those
        missed while a question is under way go in the next one, so a burst of first hits
        costs one query, not one each."""
        key = ("recipient", recipient_id)
        if key in self._known:
            return int(self._known[key])
        if self._unknown.get(key, 0.0) > time.monotonic():
            return None
        asking = self._asking.get(key)
        if asking is None:
            asking = asyncio.get_running_loop().create_future()
            self._asking[key] = self._next_question[recipient_id] = asking
            if not self._questioning:
                self._questioning = True
                asyncio.get_running_loop().create_task(self._ask_about_recipients())
        found = await asyncio.shield(asking)
        return None if found is None else int(found)

    async def _ask_about_recipients(self) -> None:
        try:
            while self._next_question:
                await asyncio.sleep(0)  # the misses of this turn of the loop join in
                question, self._next_question = self._next_question, {}
                try:
                    async with self.sessionmaker() as session:
                        rows = await session.execute(RECIPIENTS, {"ids": list(question)})
                        found = {recipient_id: mailing_id for recipient_id, mailing_id in rows}
                except Exception as exc:
                    for recipient_id, asking in question.items():
                        del self._asking[("recipient", recipient_id)]
                        asking.set_exception(exc)
                        asking.exception()  # the asker gets it; nobody else need
                    continue
                for recipient_id, asking in question.items():
                    self._settle(("recipient", recipient_id), found.get(recipient_id), asking)
        finally:
            self._questioning = False

    async def _cached(self, key: Hashable, ask: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        if key in self._known:
            return self._known[key]
        if self._unknown.get(key, 0.0) > time.monotonic():
            return None
        asking = self._asking.get(key)
        if asking is None:  # the first to miss asks; the others wait for its answer
            asking = asyncio.ensure_future(self._ask(key, ask))
            self._asking[key] = asking
        return await asyncio.shield(asking)

    async def _ask(self, key: Hashable, ask: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        try:
            async with self.sessionmaker() as session:
                found = await ask(session)
        except BaseException:
            del self._asking[key]
            raise
        self._settle(key, found, None)
        return found

    def _settle(self, key: Hashable, found: Any, asking: asyncio.Future[Any] | None) -> None:
        """Remember the answer (or that there is none, for a while) and give it."""
        del self._asking[key]
        _remember(self._unknown, key, time.monotonic() + UNKNOWN_SECONDS, found is None)
        _remember(self._known, key, found, found is not None)
        if asking is not None:
            asking.set_result(found)

    def _add(self, hit: Hit) -> None:
        self._waiting.append(hit)
        if len(self._waiting) > MAX_WAITING:
            dropped = len(self._waiting) - MAX_WAITING
            del self._waiting[:dropped]
            log.warning("tracking hits: %d dropped, the database has not taken them", dropped)
        self._some.set()
        if len(self._waiting) >= self.flush_hits:
            self._full.set()

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_forever(), name="mailing-hits")

    async def close(self) -> None:
        """Stop the writer and store what waits."""
        if self._writer is not None:
            async with self._writing:  # a write under way ends first: nothing is stored twice
                self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        await self.flush()

    async def flush(self) -> int:
        """Store the waiting hits now; how many were taken (kept for the next try if the
        database refuses)."""
        async with self._writing:
            hits, self._waiting = self._waiting, []
            if not hits:
                return 0
            try:
                async with self.sessionmaker.begin() as session:
                    await write_hits(session, hits)
            except BaseException:
                self._waiting[:0] = hits
                raise
            return len(hits)

    async def _write_forever(self) -> None:
        while True:
            await self._some.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self.flush_seconds)
            self._some.clear()
            self._full.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("tracking hits not stored; trying again in %s s", RETRY_SECONDS)
                self._some.set()
                await asyncio.sleep(RETRY_SECONDS)


async def _row(session: AsyncSession, query: Any, **params: Any) -> tuple[Any, ...] | None:
    row = (await session.execute(query, params)).first()
    return None if row is None else tuple(row)


def _remember(store: dict[Hashable, Any], key: Hashable, value: Any, keep: bool) -> None:
    """Keep (or forget) ``key``; past KNOWN_MAX entries the oldest go."""
    if not keep:
        store.pop(key, None)
        return
    store[key] = value
    if len(store) > KNOWN_MAX:
        del store[next(iter(store))]
