"""The PBX listener: link -> bounded queue -> one consumer -> tracker -> database + NOTIFY.

Events are handled strictly in arrival order by one supervised consumer; a bad event is logged
and skipped. The consumer drains the queue in batches and tracks each at once; the pops of
calls starting to ring are sent then, ahead of their rows (with no wait for the disk), and the
batch goes to the storing task, which stores the batches tracked meanwhile together: each
changed call once, in one statement with its notifications (delivered at commit), in order.
A pop waits for no store unless its call has a frame still being stored (then it waits for
that, so a page's frames stay in order); the consumer waits for the store only when it has
fallen a whole batch behind. When the database is unreachable the batches are kept and
retried, while a full queue pauses reading from the PBX: nothing is dropped. After every
login the live state is resynced in the same order.
The calls are stored by ``CallWriter`` (``call_writer.py``), the floor by ``FloorWriter``
(``floor_writer.py``), the unread events dropped on arrival by ``EventFilter``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from ami.call_writer import (
    CallWriter,
    Resync,
    Timed,
    call_key,
    database_unreachable,
    dial_updates,
    note_kind,
)
from ami.commands import CommandRunner
from ami.dialer import DialerPlan, DialerRunner
from ami.event_filter import EventFilter
from ami.events import AmiEvent, CoreShowChannel, to_event
from ami.floor_sync import FloorBatch, FloorResync, FloorSync
from ami.floor_writer import FloorWriter
from ami.link import PbxConfig, PbxLink
from ami.outage import OutageStore
from ami.protocol import Message
from ami.tracker import CallTracker
from ami.tracker.updates import CallRinging, OriginateResult
from callcenter.calls.status import write_status
from callcenter.leadership import Fence, NotLeading, fenced

log = logging.getLogger(__name__)

QUEUE_SIZE = 100_000
PAUSE_AT, RESUME_AT = 80_000, 20_000
BATCH = 5_000
STALL_S = 30.0  # events waiting this long with no batch taken, or a store this long: stuck


@dataclass
class Pending:
    """Batches tracked and not yet stored, merged in order: stored as one."""

    updates: Timed = field(default_factory=list)
    resyncs: list[Resync] = field(default_factory=list)
    floor: FloorBatch = field(default_factory=FloorBatch)
    events: int = 0

    def add(self, updates: Timed, resyncs: list[Resync], floor: FloorBatch, events: int) -> None:
        self.updates += updates
        self.resyncs += resyncs
        self.floor.extend(floor)
        self.events += events

    def __bool__(self) -> bool:
        return bool(self.updates or self.resyncs or self.floor)


@dataclass(frozen=True)
class Tick:
    """A second passed: wrap-ups end with no event of their own."""

    at: datetime


Item = tuple[AmiEvent, float] | Resync | FloorResync | Tick


class PbxListener:
    def __init__(
        self,
        config: PbxConfig,
        sessionmaker: async_sessionmaker[Any],
        *,
        tracker: CallTracker,
        timezone: str = "Europe/Moscow",
        dialer: DialerPlan | None = None,
        fence: Fence | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """With a ``fence`` (the leadership's term) every write checks the term first."""
        self.pbx = config.name
        # the calls' writer passes the term's gate itself; every other write is fenced
        self.writer = CallWriter(sessionmaker, config.name, tracker, fence=fence)
        if fence is not None:
            sessionmaker = fenced(sessionmaker, fence)
        self.sessionmaker = sessionmaker
        self.tracker = tracker
        self.queue: asyncio.Queue[Item] = asyncio.Queue(QUEUE_SIZE)
        self.floor = FloorSync(self.pbx, timezone=timezone)
        self.floor.call_is_live = tracker.is_live  # a queue visit ends with its call
        self.link = PbxLink(
            config,
            intake=self.intake,
            on_login=self.resync,
            wants=EventFilter(tracker.event_types | self.floor.board.event_types),
            clock=clock,
        )
        self.clock = clock  # unix time of receipts, ticks and the dialer's decisions
        self.commands = CommandRunner(self.link, sessionmaker, self.pbx)
        self.paused = False
        self.dialer_every_s = 1.0
        self.consumed = 0
        self.restarts: dict[str, int] = {}  # supervised tasks started again after failing
        self.progress_at = time.monotonic()  # when the consumer last took a batch
        self.bad_items = 0  # events (or resyncs) that could not be applied, logged and skipped
        self.stored_batches = 0
        self.outage = OutageStore(self.writer, self.pbx)  # hearing on while the database is away
        # the batches tracked and not yet stored, and the task storing them (together, while
        # the next are tracked and their pops sent): ``_storing`` is what it stores now
        self._pending = Pending()
        self._storing: Pending | None = None
        self._rest: asyncio.Task[None] | None = None
        self.storing_since: float | None = None  # when the store under way began
        # resyncs applied whose ghosts are not ended yet: each keeps the calls changed since
        self._unswept: list[Resync] = []
        # the floor is stored by its own writer, so a pop never waits behind it
        self.floor_writer = FloorWriter(self.floor, sessionmaker, self.pbx)
        self.dialer = (
            DialerRunner(
                pbx=self.pbx,
                link=self.link,
                sessionmaker=sessionmaker,
                agents=lambda: list(self.floor.board.agents.values()),
                live_calls=tracker.snapshot_live,
                where=dialer,
                clock=lambda: datetime.fromtimestamp(clock(), UTC),
            )
            if dialer is not None
            else None
        )

    @property
    def backlog(self) -> int:
        return self.queue.qsize()

    @property
    def handled(self) -> int:
        """Events done with: consumed in order, or dropped on arrival as nobody reads them."""
        return self.consumed + self.link.skipped

    def intake(self, event: AmiEvent, received: float) -> None:
        self.queue.put_nowait((event, received))  # never full: reading pauses well before
        if not self.paused and self.queue.qsize() >= PAUSE_AT:
            self.paused = True
            self.link.pause_reading(True)
            log.warning("PBX %s: %d events waiting, pausing reads", self.pbx, self.backlog)

    async def resync(self, link: PbxLink) -> None:
        """After a login: the PBX's channels, then its queues, each put among the events
        exactly where the PBX answered (``in_order``): an event read after the list
        happened after it, and must be applied after it (a Hangup applied before a list
        that still holds its channel would bring the call back, never to end)."""
        lost = link.lost_at
        lost_at = datetime.fromtimestamp(lost, UTC) if lost is not None else None
        placed: list[Resync] = []

        def listed(answer: Any, received: float) -> None:
            channels = [
                e
                for e in (to_event(Message(dict(m))) for m in answer)
                if isinstance(e, CoreShowChannel)
            ]
            placed.append(Resync(channels, datetime.fromtimestamp(received, UTC), lost_at))
            self.queue.put_nowait(placed[-1])  # never full: reading pauses well before

        await link.send({"Action": "CoreShowChannels"}, as_list=True, wait_s=30, in_order=listed)
        if not placed:  # answered, yet not put in its place: log in again and retry
            raise ConnectionError("the channel list could not be applied")
        log.info("PBX %s: resync with %d live channels", self.pbx, len(placed[0].channels))
        await self.floor.fetch(link, self.sessionmaker, self.queue.put_nowait)

    async def run(self) -> None:
        """Lead this PBX: connect and consume until cancelled, beating a heartbeat. Every
        task is supervised: one that fails is logged and started again, so nothing a PBX
        sends (nor a bug it finds) leaves the CRM deaf while /health says ok."""
        tasks = {
            "consume": self._consume,
            "heartbeat": self.beat_forever,
            "commands": self.commands.run_forever,
            "tick": self.tick_forever,
            "floor": self.floor_writer.forever,
        }
        if self.dialer is not None:
            tasks["dialer"] = partial(self.dialer.run_forever, self.dialer_every_s)
        self._unswept = []  # a previous term's resyncs are no one's to sweep now
        running = [
            asyncio.create_task(self._supervised(name, work), name=f"{name}-{self.pbx}")
            for name, work in tasks.items()
        ]
        await self.link.start()
        try:
            await asyncio.gather(*running)
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            self._stop_storing()  # the batches being stored stop too
            await self.outage.stop()
            await self.link.stop()

    async def _supervised(
        self, name: str, work: Callable[[], Awaitable[None]], restart_s: float = 1.0
    ) -> None:
        while True:
            try:
                await work()
                log.error("PBX %s: %s ended by itself, restarting it", self.pbx, name)
            except (asyncio.CancelledError, NotLeading):
                raise  # stopped, or another process leads now: this term is over
            except Exception:
                log.exception("PBX %s: %s failed, restarting it", self.pbx, name)
            self.restarts[name] = self.restarts.get(name, 0) + 1
            await asyncio.sleep(restart_s)

    @property
    def alive(self) -> bool:
        """The consumer is hearing: it took an event (or found none waiting) lately, and
        what it heard is being stored (no store has hung)."""
        now = time.monotonic()
        if self.storing_since is not None and now - self.storing_since >= STALL_S:
            return False
        return self.queue.empty() or now - self.progress_at < STALL_S

    async def beat_forever(self, every_s: float = 1.0) -> None:
        """Write the link's state for every process's /health (a missed beat is only
        logged), every ``every_s`` and at once when the link's state changes (a web process
        going by the beat lets operators dial as soon as the link is up). No beat while the
        consumer is stalled: the heartbeat goes stale, and /health says no listener is
        hearing the PBX."""
        leader = f"{socket.gethostname()}:{os.getpid()}"
        while True:
            self.link.state_changed.clear()
            if not self.alive:
                log.error("PBX %s: the consumer is stalled, %d events wait", self.pbx, self.backlog)
            else:
                try:
                    async with self.sessionmaker.begin() as session:
                        await write_status(
                            session,
                            pbx=self.pbx,
                            state=self.link.state.value,
                            leader=leader,
                            last_event_at=self.link.last_event_at,
                            backlog=self.backlog,
                            events_handled=self.handled,
                            reconnects=self.link.reconnects,
                        )
                except Exception as exc:
                    log.warning("PBX %s: heartbeat not written: %s", self.pbx, exc)
            with contextlib.suppress(TimeoutError):  # a link come up is said at once
                await asyncio.wait_for(self.link.state_changed.wait(), every_s)

    async def tick_forever(self, every_s: float = 1.0, settings_every: int = 10) -> None:
        """A tick a second (wrap-ups end with no event); the queues' wrap-up settings are
        read again every few seconds, so an admin's change applies to the next call."""
        count = 0
        while True:
            await asyncio.sleep(every_s)
            if self.queue.qsize() < PAUSE_AT:
                await self.queue.put(Tick(datetime.fromtimestamp(self.clock(), UTC)))
            count += 1
            if count % settings_every == 0:
                try:
                    await self.floor.reload_settings(self.sessionmaker)
                except Exception as exc:
                    log.warning("PBX %s: queue settings not read: %s", self.pbx, exc)

    async def consume_forever(self) -> None:
        try:
            await self._consume()
        finally:  # stopped (leadership lost, shutdown): the batches being stored stop too
            self._stop_storing()

    def _stop_storing(self) -> None:
        if self._rest is not None:
            self._rest.cancel()
            self._rest = None
        self._pending, self._storing, self.storing_since = Pending(), None, None

    async def _consume(self) -> None:
        while True:
            self.progress_at = time.monotonic()
            batch = [await self.queue.get()]
            self.progress_at = time.monotonic()
            while len(batch) < BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            if self.paused and self.queue.qsize() <= RESUME_AT:
                self.paused = False
                self.link.pause_reading(False)
            floor = FloorBatch()
            updates, resyncs = self._track(batch, floor)
            events = sum(1 for item in batch if isinstance(item, tuple))
            if not (updates or resyncs or floor):
                self.consumed += events
                continue
            if not self.outage.active:  # the database is away: the pops go with the rows
                await self._announce_ringing(updates)
            self._pending.add(updates, resyncs, floor, events)
            self._reap()
            if self._rest is None:
                self._rest = asyncio.create_task(self._store_pending())
            elif self._pending.events >= BATCH:  # the database is behind: wait for it
                await self._settle()

    async def _announce_ringing(self, updates: Timed) -> None:
        """Send the pops of the calls starting to ring now, ahead of their rows: a pop waits
        for neither the batches still being stored nor the disk. A call with a frame still
        to go with its row (it was answered or left an agent) keeps its frames in order: in
        an earlier batch, the pop waits for that batch's store; earlier in this one, the pop
        goes with its row."""
        ahead: Timed = []
        framed: set[str] = set()  # calls with a frame earlier in this batch
        for update, at in updates:
            if isinstance(update, CallRinging) and update.call.linkedid not in framed:
                ahead.append((update, at))
            elif note_kind(update) is not None:
                framed.add(call_key(update))
        if not ahead:
            return
        if self._frames_waiting({call_key(update) for update, _ in ahead}):
            await self._settle()
            if self.outage.active:
                return
        await self.writer.announce(ahead)

    def _frames_waiting(self, linkedids: set[str]) -> bool:
        """Whether any of these calls has a frame in the batches not stored yet."""
        storing = self._storing.updates if self._storing else []
        return any(
            call_key(update) in linkedids and self.writer.frame_waits(update, at)
            for update, at in itertools.chain(storing, self._pending.updates)
        )

    def _reap(self) -> None:
        """The storing task, once done, is let go; what it raised is raised here (the term
        is over: ``NotLeading``)."""
        if self._rest is not None and self._rest.done():
            rest, self._rest = self._rest, None
            rest.result()

    async def _settle(self) -> None:
        """Wait until every batch tracked so far is stored (or kept for later)."""
        rest = self._rest
        if rest is not None:
            await asyncio.shield(rest)  # a cancelled wait leaves the storing to its owner
            self._reap()

    async def _store_pending(self) -> None:
        """Store the batches tracked meanwhile, all of them together, until none is left:
        under load many batches share one statement and one wait for the disk."""
        while self._pending:
            self._storing, self._pending = self._pending, Pending()
            self.storing_since = time.monotonic()
            try:
                await self._store_rest(self._storing)
            finally:
                self._storing = self.storing_since = None

    async def _store_rest(self, batch: Pending) -> None:
        """Store batches: calls, then the floor. A lost database starts an outage, which
        keeps them; any other error is a bug in one call's data: store call by call, so only
        that call is skipped."""
        if self.outage.active:
            await self._keep(batch)
            return
        stored = await self._stored(
            lambda: self.writer.store(batch.updates, batch.resyncs),
            lambda: self.writer.store_each(batch.updates, batch.resyncs),
        )
        if not stored:
            await self._keep(batch)
            return
        self.stored_batches += 1
        self.floor_writer.add(batch.floor, dial_updates(batch.updates))
        self.consumed += batch.events

    async def _stored(
        self, work: Callable[[], Awaitable[None]], each: Callable[[], Awaitable[None]]
    ) -> bool:
        """Store once: True when done (a bad call skipped), False when the database is away
        (an outage has begun: the caller hands the changes to it)."""
        try:
            await work()
        except NotLeading:
            raise
        except Exception as exc:
            if database_unreachable(exc):
                self.outage.begin(exc)
                return False
            log.exception("PBX %s: a batch failed; storing call by call", self.pbx)
            await each()
        return True

    async def _keep(self, batch: Pending) -> None:
        """Batches heard during a database outage: their calls wait in the outage store,
        their floor in the floor writer (which retries by itself)."""
        await self.outage.add(batch.updates, batch.resyncs)
        self.floor_writer.add(batch.floor, dial_updates(batch.updates))
        self.consumed += batch.events

    def _track(self, batch: list[Item], floor: FloorBatch) -> tuple[Timed, list[Resync]]:
        """Run the batch through the tracker and the floor board, in order; each call
        update keeps the time of its event. Never raises: an item that cannot be applied
        is logged and skipped, and the rest of the batch goes on."""
        updates: Timed = []
        resyncs: list[Resync] = []
        for item in batch:
            try:
                self._track_one(item, updates, resyncs, floor)
            except Exception:
                self.bad_items += 1
                log.exception("PBX %s: cannot apply %r, skipped", self.pbx, _brief(item))
        self._unswept = [r for r in self._unswept if not r.swept] + resyncs
        if self._unswept and updates:
            changed = {u.call.linkedid for u, _ in updates if not isinstance(u, OriginateResult)}
            for resync in self._unswept:
                resync.keep |= changed
        if self.dialer is not None:
            try:
                self.dialer.hear(updates)
                if resyncs:
                    self.dialer.resynced()
            except Exception:
                log.exception("PBX %s: the dialer could not hear a batch", self.pbx)
        return updates, resyncs

    def _track_one(
        self, item: Item, updates: Timed, resyncs: list[Resync], floor: FloorBatch
    ) -> None:
        if isinstance(item, Resync):
            at = item.at.timestamp()
            found = self.tracker.reconcile(item.channels, item.at, lost_at=item.lost_at)
            updates += [(u, at) for u in found]
            item.keep |= self.tracker.live_linkedids()
            resyncs.append(item)
        elif isinstance(item, FloorResync):
            self.floor.rebuild(item, floor)
            self.floor_writer.resynced(item)
        elif isinstance(item, Tick):
            self.floor.tick(item.at, floor)
        else:
            event, received = item
            updates += [(u, received) for u in self.tracker.handle(event, received)]
            self.floor.track(event, datetime.fromtimestamp(received, UTC), floor)


def _brief(item: Item) -> str:
    return repr(item)[:300]
