"""Hearing the PBX through a database outage: what was heard is kept, and stored on return.

When a store finds the database unreachable the listener does not stop taking events (a PBX
whose events are not read drops them, and a whole call could begin and end unheard). It
hands every later change to ``OutageStore`` instead, which keeps the newest state of each
call changed (a call's snapshot holds its whole timeline, so the newest is all the database
needs), which calls ended (for their missed-call callbacks), the resyncs, and the recent
notifications. One task retries with back-off; when the database answers, all of it is stored
in one transaction, and the listener goes back to storing batch by batch.

The buffer is bounded by calls, not events: ``MAX_CALLS`` calls changed in one outage
(a long one at a busy call center) make the listener wait for the store, and the usual
backpressure (a full queue pauses reading from the PBX) takes over. Notifications older than
``NOTE_MAX_AGE_S`` when stored are dropped: a pop for a call long gone helps nobody, and the
pages ask for the calls ringing now when their live link comes back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from ami.call_writer import CallWriter, Resync, Timed, database_unreachable, notes_of
from ami.tracker.updates import CallEnded, CallMerged, OriginateResult
from callcenter.calls.records import Call
from callcenter.leadership import NotLeading
from callcenter.live import Note

log = logging.getLogger(__name__)

MAX_CALLS = 200_000
# how long the listener leads on through an outage (the leadership's grace); longer, and it
# stops, and the next leader resyncs from Asterisk's channels
OUTAGE_GRACE_S = 15 * 60.0
NOTE_MAX_AGE_S = 5.0


@dataclass
class Heard:
    """What was heard while the database was away, newest state per call."""

    calls: dict[str, Call] = field(default_factory=dict)
    ended: set[str] = field(default_factory=set)
    merged: set[str] = field(default_factory=set)  # calls that joined another: no row
    notes: list[Note] = field(default_factory=list)
    resyncs: list[Resync] = field(default_factory=list)

    def add(self, updates: Timed, resyncs: list[Resync], notes: list[Note] | None = None) -> None:
        """``notes``: the updates' notifications still to send (all of them by default)."""
        for update, _at in updates:
            if isinstance(update, OriginateResult):
                continue
            call = update.call
            self.calls.pop(call.linkedid, None)  # keep the order of the last change
            if isinstance(update, CallMerged):
                self.merged.add(call.linkedid)
                continue
            self.calls[call.linkedid] = call
            if isinstance(update, CallEnded):
                self.ended.add(call.linkedid)
        self.notes += notes_of(updates) if notes is None else notes
        self.resyncs += resyncs

    def absorb(self, newer: Heard) -> None:
        """Put ``newer`` (heard after this) on top of this."""
        for linkedid, call in newer.calls.items():
            self.calls.pop(linkedid, None)
            self.calls[linkedid] = call
        self.ended |= newer.ended
        self.merged |= newer.merged
        self.notes += newer.notes
        self.resyncs += newer.resyncs

    def fresh_notes(self, now: float) -> list[Note]:
        return [n for n in self.notes if now - n[1].get("event_at", now) <= NOTE_MAX_AGE_S]

    def __bool__(self) -> bool:
        return bool(self.calls or self.resyncs)


class OutageStore:
    def __init__(self, writer: CallWriter, pbx: str) -> None:
        self.writer = writer
        self.pbx = pbx
        self.heard: Heard | None = None  # None: the database is there
        self.since: float | None = None  # unix time the outage began
        self.outages = 0
        self.stored_calls = 0  # calls stored after outages
        self._task: asyncio.Task[None] | None = None
        self._over = asyncio.Event()
        self._over.set()

    @property
    def active(self) -> bool:
        return self.heard is not None

    @property
    def waiting(self) -> int:
        return len(self.heard.calls) if self.heard is not None else 0

    def begin(self, exc: BaseException) -> None:
        if self.heard is not None:
            return
        log.warning(
            "PBX %s: database unreachable (%s); hearing on, storing when it returns",
            self.pbx,
            exc,
        )
        self.heard, self.since = Heard(), time.time()
        self.outages += 1
        self._over.clear()
        self._task = asyncio.create_task(self._store_when_back(), name=f"outage-{self.pbx}")

    async def add(self, updates: Timed, resyncs: list[Resync]) -> None:
        """Keep a batch's changes (the listener checked ``active``); waits while full."""
        task = self._task
        if task is not None and task.done() and not task.cancelled() and task.exception():
            raise task.exception()  # type: ignore[misc]  # NotLeading: the term is over
        assert self.heard is not None
        for update, _ in updates:
            if isinstance(update, OriginateResult):
                self.writer.originate_results[update.action_id] = update
        self.heard.add(updates, resyncs, self.writer.notes(updates))  # less pops sent ahead
        if len(self.heard.calls) >= MAX_CALLS:
            log.error("PBX %s: %d calls wait for the database", self.pbx, MAX_CALLS)
            await self._over.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _store_when_back(self) -> None:
        delay = 0.25
        while self.heard is not None:
            await asyncio.sleep(delay)
            heard, self.heard = self.heard, Heard()  # what comes meanwhile waits in a new one
            try:
                await self._store(heard)
            except NotLeading:
                raise
            except Exception as exc:
                heard.absorb(self.heard)
                self.heard = heard
                if database_unreachable(exc):
                    delay = min(delay * 2, 2.0)
                    continue
                log.exception("PBX %s: calls heard in the outage: storing one by one", self.pbx)
                await self._store_each(heard)
                self.heard = Heard()
            self.stored_calls += len(heard.calls)
            if not self.heard:
                log.info(
                    "PBX %s: database back after %.1f s, %d calls stored",
                    self.pbx,
                    time.time() - (self.since or time.time()),
                    len(heard.calls),
                )
                self.heard, self.since = None, None
                self._over.set()
                return
            delay = 0.0  # store what came in meanwhile at once

    async def _store(self, heard: Heard) -> None:
        calls = list(heard.calls.values())
        notes = heard.fresh_notes(time.time())
        merged = sorted(heard.merged)
        await self.writer.commit(calls, notes, sorted(heard.ended), heard.resyncs, merged)

    async def _store_each(self, heard: Heard) -> None:
        for linkedid, call in heard.calls.items():
            ended = [linkedid] if linkedid in heard.ended else []
            try:
                await self.writer.commit([call], [], ended, [])
            except NotLeading:
                raise
            except Exception:
                log.exception("call %s: cannot be stored, skipped", linkedid)
        if heard.merged:  # after the calls they joined took their legs over
            try:
                await self.writer.commit([], [], [], [], sorted(heard.merged))
            except NotLeading:
                raise
            except Exception:
                log.exception("PBX %s: calls joined to others cannot be removed", self.writer.pbx)
        if heard.resyncs:  # after the calls: their ghosts, those no call of ours holds
            await self.writer.sweep_or_give_up(heard.resyncs)
