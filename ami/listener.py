"""The PBX listener: link -> bounded queue -> one consumer -> tracker -> database + NOTIFY.

Events are handled strictly in arrival order by one supervised consumer; a bad event is logged
and skipped. The consumer drains the queue in batches and stores each changed call once per
batch, in one statement with its notifications (delivered at commit). Calls starting to ring
are stored first, ahead of the previous batch's other changes if those are still being
stored and do not touch them; every call's own changes stay in order. When the database is
unreachable it keeps the batch and retries, while a full queue pauses reading from the PBX:
nothing is dropped. After every login the live state is resynced in the same order.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker

from ami.commands import CommandRunner
from ami.dialer import DialerPlan, DialerRunner
from ami.events import AmiEvent, CoreShowChannel, to_event
from ami.events.registry import EVENT_TYPES
from ami.floor_sync import FloorBatch, FloorResync, FloorSync, click_to_call_progress
from ami.link import PbxConfig, PbxLink
from ami.protocol import Message
from ami.tracker import CallTracker
from ami.tracker.features import AMD_VARIABLE, RECORDING_VARIABLE
from ami.tracker.updates import (
    AgentLeft,
    CallAnswered,
    CallEnded,
    CallRinging,
    OriginateResult,
    TrackerUpdate,
)
from callcenter.calls.ghosts import end_ghost_calls
from callcenter.calls.models import CallRow
from callcenter.calls.records import Call
from callcenter.calls.status import write_status
from callcenter.calls.store import StoreMemory, customer_number, remember, save_calls
from callcenter.dialer.agent import PREVIEW_PREFIX
from callcenter.floor.service import C2C_PREFIX
from callcenter.tasks.callbacks import callback_for_missed_call, calls_back

log = logging.getLogger(__name__)

QUEUE_SIZE = 100_000
PAUSE_AT, RESUME_AT = 80_000, 20_000
BATCH = 5_000
ORIGINATE_RESULTS_KEPT = 10_000
Timed = list[tuple[TrackerUpdate, float]]  # an update and the time of the event behind it


@dataclass(frozen=True)
class Tick:
    """A second passed: wrap-ups end with no event of their own."""

    at: datetime


@dataclass(frozen=True)
class Resync:
    """The channels Asterisk listed after a login, applied in order with the events."""

    channels: list[CoreShowChannel]
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
    ) -> None:
        self.pbx = config.name
        self.sessionmaker = sessionmaker
        self.tracker = tracker
        self.queue: asyncio.Queue[Item] = asyncio.Queue(QUEUE_SIZE)
        self.floor = FloorSync(self.pbx, timezone=timezone)
        self.link = PbxLink(
            config,
            intake=self.intake,
            on_login=self.resync,
            wants=EventFilter(tracker.event_types | self.floor.board.event_types),
        )
        self.commands = CommandRunner(self.link, sessionmaker, self.pbx)
        self.paused = False
        self.dialer_every_s = 1.0
        self.consumed = 0
        self.stored_batches = 0
        # recent Originate outcomes by ActionID, bounded: the listener runs for months
        self.originate_results: OrderedDict[str, OriginateResult] = OrderedDict()
        self.memory = StoreMemory()
        # a batch's changes other than calls starting to ring, being stored while the next
        # batch is tracked (and its ringing calls stored), and the calls they touch
        self._rest: asyncio.Task[None] | None = None
        self._rest_calls: set[str] = set()
        self._floor_resyncs: list[FloorResync] = []
        # the floor is stored by its own writer, so a pop never waits behind it: batches
        # that arrive while it writes are merged and stored together
        self._floor_pending = FloorBatch()
        self._floor_dials: Timed = []
        self._floor_wake = asyncio.Event()
        self.floor_writes = 0
        self.dialer = (
            DialerRunner(
                pbx=self.pbx,
                link=self.link,
                sessionmaker=sessionmaker,
                agents=lambda: list(self.floor.board.agents.values()),
                live_calls=tracker.snapshot_live,
                where=dialer,
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
        answer = await link.send({"Action": "CoreShowChannels"}, as_list=True, wait_s=30)
        channels = [
            e
            for e in (to_event(Message(dict(m))) for m in answer)
            if isinstance(e, CoreShowChannel)
        ]
        log.info("PBX %s: resync with %d live channels", self.pbx, len(channels))
        await self.queue.put(Resync(channels, datetime.now(UTC)))
        await self.queue.put(await self.floor.fetch(link, self.sessionmaker))

    async def run(self) -> None:
        """Lead this PBX: connect and consume until cancelled, beating a heartbeat."""
        consumer = asyncio.create_task(self.consume_forever(), name=f"consume-{self.pbx}")
        helpers = [
            asyncio.create_task(self.beat_forever(), name=f"heartbeat-{self.pbx}"),
            asyncio.create_task(self.commands.run_forever(), name=f"commands-{self.pbx}"),
            asyncio.create_task(self.tick_forever(), name=f"tick-{self.pbx}"),
            asyncio.create_task(self.floor_forever(), name=f"floor-{self.pbx}"),
        ]
        if self.dialer is not None:
            dialer = self.dialer.run_forever(self.dialer_every_s)
            helpers.append(asyncio.create_task(dialer, name=f"dialer-{self.pbx}"))
        await self.link.start()
        try:
            await consumer
        finally:
            consumer.cancel()
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self.link.stop()

    async def beat_forever(self, every_s: float = 1.0) -> None:
        """Write the link's state for every process's /health (a missed beat is only logged)."""
        leader = f"{socket.gethostname()}:{os.getpid()}"
        while True:
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
            await asyncio.sleep(every_s)

    async def tick_forever(self, every_s: float = 1.0, settings_every: int = 10) -> None:
        """A tick a second (wrap-ups end with no event); the queues' wrap-up settings are
        read again every few seconds, so an admin's change applies to the next call."""
        count = 0
        while True:
            await asyncio.sleep(every_s)
            if self.queue.qsize() < PAUSE_AT:
                await self.queue.put(Tick(datetime.now(UTC)))
            count += 1
            if count % settings_every == 0:
                try:
                    await self.floor.reload_settings(self.sessionmaker)
                except Exception as exc:
                    log.warning("PBX %s: queue settings not read: %s", self.pbx, exc)

    async def consume_forever(self) -> None:
        try:
            await self._consume()
        finally:  # stopped (leadership lost, shutdown): the batch being stored stops too
            if self._rest is not None:
                self._rest.cancel()
                self._rest = None

    async def _consume(self) -> None:
        while True:
            batch = [await self.queue.get()]
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
            updates = await self._store_ringing(updates)
            await self._settle()  # the previous batch's changes are stored before these
            self._rest_calls = {_call_key(u) for u, _ in updates}
            self._rest = asyncio.create_task(self._store_rest(updates, resyncs, floor, events))

    async def _store_ringing(self, updates: Timed) -> Timed:
        """Store the calls starting to ring at once, in a statement of their own, while the
        previous batch's other changes may still be on their way: a pop waits for neither
        the rest of its own batch nor the rest of the one before. A call that has changes in
        that previous batch waits for them (its row and its frames stay in order). Returns
        the batch's other updates."""
        ringing = [(u, at) for u, at in updates if isinstance(u, CallRinging)]
        if not ringing or len(ringing) == len(updates):
            return updates  # nothing to put ahead of
        if self._rest is not None and {u.call.linkedid for u, _ in ringing} & self._rest_calls:
            await self._settle()
        calls = [u.call for u, _ in ringing if isinstance(u, CallRinging)]
        await self._until_stored(
            lambda: self._commit(calls, _notes(ringing), [], []),
            lambda: self._store_each(ringing, []),
        )
        return [(u, at) for u, at in updates if not isinstance(u, CallRinging)]

    async def _settle(self) -> None:
        """Wait until the previous batch's changes are stored."""
        rest, self._rest = self._rest, None
        if rest is not None:
            await rest

    async def _store_rest(
        self, updates: Timed, resyncs: list[Resync], floor: FloorBatch, events: int
    ) -> None:
        await self._store_until_done(updates, resyncs, floor)
        self.consumed += events

    def _track(self, batch: list[Item], floor: FloorBatch) -> tuple[Timed, list[Resync]]:
        """Run the batch through the tracker and the floor board, in order; each call
        update keeps the time of its event."""
        updates: Timed = []
        resyncs: list[Resync] = []
        for item in batch:
            if isinstance(item, Resync):
                at = item.at.timestamp()
                updates += [(u, at) for u in self.tracker.reconcile(item.channels, item.at)]
                resyncs.append(item)
            elif isinstance(item, FloorResync):
                self.floor.rebuild(item, floor)
                self._floor_resyncs.append(item)
            elif isinstance(item, Tick):
                self.floor.tick(item.at, floor)
            else:
                event, received = item
                updates += [(u, received) for u in self.tracker.handle(event, received)]
                self.floor.track(event, datetime.fromtimestamp(received, UTC), floor)
        if self.dialer is not None:
            self.dialer.hear(updates)
            if resyncs:
                self.dialer.resynced()
        return updates, resyncs

    async def _store_until_done(
        self, updates: Timed, resyncs: list[Resync], floor: FloorBatch
    ) -> None:
        """Store the batch: calls, then the floor. A lost database is waited for (nothing
        dropped); any other error is a bug in one call's data: store call by call, so only
        that call is skipped."""
        await self._until_stored(
            lambda: self.store(updates, resyncs), lambda: self._store_each(updates, resyncs)
        )
        self.stored_batches += 1
        dials = _dials(updates)
        if floor or self._floor_resyncs or dials:
            self._floor_pending.extend(floor)
            self._floor_dials += dials
            self._floor_wake.set()

    async def floor_forever(self, gap_s: float = 0.5) -> None:
        """Store the floor (agents, queue visits and figures, click-to-call progress) apart
        from the calls, at most every ``gap_s``: under load many batches share one write and
        one figures query, and the calls' path (the screen-pop) never waits for them."""
        while True:
            await self._floor_wake.wait()
            self._floor_wake.clear()
            floor, self._floor_pending = self._floor_pending, FloorBatch()
            dials, self._floor_dials = self._floor_dials, []
            await self._until_stored(partial(self.store_floor, floor, dials), None)
            self.floor_writes += 1
            await asyncio.sleep(gap_s)

    async def store_floor(self, floor: FloorBatch, updates: Timed) -> None:
        """Agents, queue visits and figures, click-to-call progress; then the PBX actions
        they call for (wrap-up pauses, members re-added after an Asterisk restart)."""
        resyncs, self._floor_resyncs = self._floor_resyncs, []
        re_add: list[dict[str, Any]] = []
        try:
            async with self.sessionmaker.begin() as session:
                await self.floor.store(session, floor)
                await click_to_call_progress(session, [u for u, _ in updates])
                for resync in resyncs:
                    re_add += await self.floor.restore_members(session, resync)
        except Exception:
            self._floor_resyncs = resyncs + self._floor_resyncs
            raise
        self.floor.after_commit(floor)
        for action in re_add:
            self.floor.send_later(action)

    async def _until_stored(
        self, work: Callable[[], Awaitable[None]], fallback: Callable[[], Awaitable[None]] | None
    ) -> None:
        delay = 0.5
        while True:
            try:
                await work()
                return
            except Exception as exc:
                if not _database_unreachable(exc):
                    if fallback is None:
                        log.exception("PBX %s: floor updates failed, skipped", self.pbx)
                        return
                    log.exception("PBX %s: a batch failed; storing call by call", self.pbx)
                    await fallback()
                    return
                log.warning(
                    "PBX %s: database unreachable (%s); retrying in %.1f s", self.pbx, exc, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _store_each(self, updates: Timed, resyncs: list[Resync]) -> None:
        by_call: dict[str, Timed] = {}
        for update, at in updates:
            by_call.setdefault(_call_key(update), []).append((update, at))
        for linkedid, own in by_call.items():
            try:
                await self.store(own, [])
            except Exception:
                log.exception("call %s: cannot be stored, its updates are skipped", linkedid)
        if resyncs:
            try:
                await self.store([], resyncs)
            except Exception:
                log.exception("PBX %s: ending calls lost during a disconnect failed", self.pbx)

    async def store(self, updates: Timed, resyncs: list[Resync]) -> None:
        """Store updates (the calls starting to ring are put ahead by the consumer): every
        changed call once, callbacks, ghosts and the notifications. Each NOTIFY leaves with
        the commit of its call."""
        calls: list[Call] = []
        ended: list[str] = []
        for update, _at in updates:
            if isinstance(update, OriginateResult):
                self.originate_results[update.action_id] = update
                while len(self.originate_results) > ORIGINATE_RESULTS_KEPT:
                    self.originate_results.popitem(last=False)
                continue
            calls.append(update.call)
            if isinstance(update, CallEnded):
                ended.append(update.call.linkedid)
        await self._commit(calls, _notes(updates), ended, resyncs)

    async def _commit(
        self,
        calls: list[Call],
        notes: list[tuple[str, dict[str, Any]]],
        ended: list[str],
        resyncs: list[Resync],
    ) -> None:
        """Store the calls with their notifications. With nothing else to do in the same
        transaction (no missed call to call back, no resync) that is one statement in
        autocommit: one round trip, atomic, its NOTIFYs delivered with it."""
        latest = list({call.linkedid: call for call in calls}.values())
        missed = [call.linkedid for call in latest if call.linkedid in ended and _missed(call)]
        async with self.sessionmaker.begin() as session:
            if not missed and not resyncs:  # the statement alone: no BEGIN and COMMIT
                await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            ids = await save_calls(session, latest, pbx=self.pbx, memory=self.memory, notes=notes)
            if missed:
                rows = await session.scalars(
                    select(CallRow).where(CallRow.id.in_([ids[m] for m in missed]))
                )
                for row in rows:
                    await callback_for_missed_call(session, row)
            for resync in resyncs:
                await self._end_ghosts(session, resync)
        remember(self.memory, latest, ids)
        for linkedid in ended:
            self.memory.forget(linkedid)

    async def _end_ghosts(self, session: Any, resync: Resync) -> None:
        live = {call.linkedid for call in self.tracker.snapshot_live()}
        gone = await end_ghost_calls(session, pbx=self.pbx, live_linkedids=live, at=resync.at)
        if gone:
            log.info(
                "PBX %s: %d calls ended while unheard: %s",
                self.pbx,
                len(gone),
                ", ".join(gone[:20]),
            )


class EventFilter:
    """Which AMI events are worth a typed event: those the tracker or the floor read, and of
    the many VarSets only the variables the tracker reads (the recording's file name, the
    dialplan's answering-machine verdict). The rest of a busy PBX's traffic (Newexten,
    DeviceStateChange, Cdr, most VarSets: over half of it) is dropped on arrival, as the
    event filter in asterisk-config/manager.conf would, for a PBX configured without it."""

    VARIABLES = frozenset({RECORDING_VARIABLE, AMD_VARIABLE})

    def __init__(self, event_types: frozenset[type]) -> None:
        self.names = frozenset(name for name, cls in EVENT_TYPES.items() if cls in event_types)

    def __call__(self, message: Message) -> bool:
        name = message.get("Event")
        if name == "VarSet":
            variable = message.get("Variable")
            return isinstance(variable, str) and variable.lstrip("_") in self.VARIABLES
        return name in self.names

    def keeps_text(self, text: str) -> bool:
        """The same choice made on a message's raw text, before it is parsed (parsing is
        the link's largest cost): an event is refused by the name on its first line, a
        VarSet kept only when one of the variables read appears in it, and an answer to
        an action (with an ActionID) or anything not an event always kept."""
        if not text.startswith("Event: "):
            return True
        end = text.find("\r\n")
        name = text[7:end] if end > 0 else text[7:]
        if name == "VarSet":
            return any(variable in text for variable in self.VARIABLES)
        if name in self.names or name == "Shutdown":
            return True
        return "\r\nActionID: " in text


def _call_key(update: TrackerUpdate) -> str:
    return update.action_id if isinstance(update, OriginateResult) else update.call.linkedid


def _missed(call: Call) -> bool:
    """A call to call back (its row is read and a task made, in the calls' transaction)."""
    outcome = call.outcome.value if call.outcome else None
    return calls_back(call.direction.value, outcome, call.caller)


def _dials(updates: Timed) -> Timed:
    """The updates that move a click-to-call along (their calls carry the CRM's prefix)."""
    return [
        (update, at)
        for update, at in updates
        if (
            update.action_id if isinstance(update, OriginateResult) else update.call.linkedid
        ).startswith((C2C_PREFIX, PREVIEW_PREFIX))
    ]


def _notes(updates: Timed) -> list[tuple[str, dict[str, Any]]]:
    return [note for update, at in updates for note in _notifications(update, at)]


def _database_unreachable(exc: BaseException) -> bool:
    """Connection trouble (wait and retry) rather than an error in the data (skip it)."""
    if isinstance(exc, OSError | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(
            exc, OperationalError | InterfaceError
        )
    return False


def _notifications(update: TrackerUpdate, event_at: float) -> list[tuple[str, dict[str, Any]]]:
    """What operators' pages hear: a call ringing, answered or gone at their extension."""
    if isinstance(update, CallRinging):
        kind = "ringing"
    elif isinstance(update, CallAnswered) and update.agent:
        kind = "answered"
    elif isinstance(update, AgentLeft):
        kind = "ended"
    else:
        return []
    call = update.call
    return [
        (
            kind,
            {
                "linkedid": call.linkedid,
                "extension": update.agent,
                "number": customer_number(call),
                "direction": call.direction.value,
                "queue": call.queue,
                "outcome": call.outcome.value if call.outcome else None,
                "event_at": event_at,
            },
        )
    ]
