"""Storing the tracker's updates: each changed call once per batch, in one statement with its
notifications (delivered at commit), a callback task for a missed call, and after a resync
the calls that ended while the link was down. What the listener's consumer calls."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ami.events import CoreShowChannel
from ami.tracker import CallTracker
from ami.tracker.updates import (
    AgentLeft,
    CallAnswered,
    CallEnded,
    CallMerged,
    CallRinging,
    OriginateResult,
    TrackerUpdate,
)
from callcenter.calls.ghosts import end_ghost_calls
from callcenter.calls.models import CallRow
from callcenter.calls.records import Call
from callcenter.calls.store import (
    StoreMemory,
    announce,
    customer_number,
    delete_merged_calls,
    remember,
    save_calls,
)
from callcenter.db import database_unreachable
from callcenter.dialer.agent import PREVIEW_PREFIX
from callcenter.floor.service import C2C_PREFIX
from callcenter.leadership import Fence, NotLeading, fenced
from callcenter.live import LiveKind, Note
from callcenter.tasks.callbacks import callback_for_missed_call, calls_back

log = logging.getLogger(__name__)

ORIGINATE_RESULTS_KEPT = 10_000
ANNOUNCED_KEPT = 10_000  # calls whose pops went ahead, oldest forgotten first
Timed = list[tuple[TrackerUpdate, float]]  # an update and the time of the event behind it


@dataclass
class Resync:
    """The channels Asterisk listed after a login, applied in order with the events.
    ``lost_at``: when the PBX was last heard before the link was lost (None on the first
    login): a call found gone ended between it and ``at``.

    Once applied, the calls stored as live that the tracker does not hold are ended as
    ghosts, when the resync is stored. Stored later than applied (the next batch already
    tracked, or a database outage), "does not hold" is judged as at the resync: ``keep``
    gathers the calls live then and every call the tracker changed since, whose rows
    this listener writes itself (a call ended since is not a ghost, its end is on its
    way). ``swept`` once the ghosts are ended and committed (or that was given up)."""

    channels: list[CoreShowChannel]
    at: datetime
    lost_at: datetime | None = None
    keep: set[str] = field(default_factory=set)
    swept: bool = False


class CallWriter:
    """The calls' side of the database for one PBX, with what it remembers between batches
    (``StoreMemory``) and the recent Originate outcomes."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[Any],
        pbx: str,
        tracker: CallTracker,
        *,
        fence: Fence | None = None,
    ) -> None:
        """``sessionmaker``: plain, not fenced. With a ``fence`` a batch alone is still one
        autocommitted statement (it passes the term's gate itself); a batch with more to do
        runs in a fenced transaction."""
        self.plain = sessionmaker
        self.sessionmaker = fenced(sessionmaker, fence) if fence is not None else sessionmaker
        self.fence = fence
        self.pbx = pbx
        self.tracker = tracker
        self.memory = StoreMemory()
        # recent Originate outcomes by ActionID, bounded: the listener runs for months
        self.originate_results: OrderedDict[str, OriginateResult] = OrderedDict()
        # the rings whose pops went ahead of their rows (``announce``), by call, until it ends
        self.announced: dict[str, set[tuple[str, float]]] = {}

    async def announce(self, ringing: Timed) -> None:
        """Send the pops of calls starting to ring before their rows are stored, committed
        without waiting for the disk (see ``callcenter.calls.store.ANNOUNCE``); the rows'
        store then leaves them out. If that fails they go with the rows, as before."""
        notes = self.notes(ringing)
        if not notes:
            return
        try:
            async with self.plain.begin() as session:
                await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                await announce(session, notes, fence=self.fence)
        except NotLeading:
            raise
        except Exception as exc:
            log.warning("PBX %s: pops not sent ahead of their calls: %s", self.pbx, exc)
            return
        self.sent_ahead(ringing)

    def sent_ahead(self, ringing: Timed) -> None:
        """Remember the rings whose pops went: their rows' store leaves them out."""
        for update, at in ringing:
            if isinstance(update, CallRinging):
                self.announced.setdefault(update.call.linkedid, set()).add((update.agent, at))
        while len(self.announced) > ANNOUNCED_KEPT:  # a call gone with no end heard here
            del self.announced[next(iter(self.announced))]

    def notes(self, updates: Timed) -> list[Note]:
        """The updates' notifications, less the pops already sent ahead."""
        return [
            note
            for update, at in updates
            if not self.went_ahead(update, at)
            for note in notifications(update, at)
        ]

    def went_ahead(self, update: TrackerUpdate, at: float) -> bool:
        """A ring whose pop was sent ahead of its row (``announce``)."""
        return isinstance(update, CallRinging) and (update.agent, at) in self.announced.get(
            update.call.linkedid, ()
        )

    def frame_waits(self, update: TrackerUpdate, at: float) -> bool:
        """The update has a frame for a page that goes with its row, not sent yet."""
        return note_kind(update) is not None and not self.went_ahead(update, at)

    async def store(self, updates: Timed, resyncs: list[Resync]) -> None:
        """Store updates (the calls starting to ring are put ahead by the consumer): every
        changed call once, callbacks, ghosts and the notifications. Each NOTIFY leaves with
        the commit of its call."""
        calls: list[Call] = []
        ended: list[str] = []
        merged: list[str] = []
        for update, _at in updates:
            if isinstance(update, OriginateResult):
                self.originate_results[update.action_id] = update
                while len(self.originate_results) > ORIGINATE_RESULTS_KEPT:
                    self.originate_results.popitem(last=False)
                continue
            if isinstance(update, CallMerged):
                merged.append(update.call.linkedid)
                continue
            calls.append(update.call)
            if isinstance(update, CallEnded):
                ended.append(update.call.linkedid)
        await self.commit(calls, self.notes(updates), ended, resyncs, merged)

    async def commit(
        self,
        calls: list[Call],
        notes: list[Note],
        ended: list[str],
        resyncs: list[Resync],
        merged: Sequence[str] = (),
    ) -> None:
        """Store the calls with their notifications. With nothing else to do in the same
        transaction (no missed call to call back, no resync, no call ``merged`` into another
        whose row to delete) that is one statement in autocommit: one round trip, atomic,
        its NOTIFYs delivered with it."""
        gone = set(merged)
        latest = list({c.linkedid: c for c in calls if c.linkedid not in gone}.values())
        missed = [call.linkedid for call in latest if call.linkedid in ended and missed_call(call)]
        if not missed and not resyncs and not merged:  # one statement, no BEGIN and COMMIT
            async with self.plain.begin() as session:
                await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                ids = await save_calls(
                    session, latest, pbx=self.pbx, memory=self.memory, notes=notes, fence=self.fence
                )
        else:
            async with self.sessionmaker.begin() as session:
                ids = await save_calls(
                    session, latest, pbx=self.pbx, memory=self.memory, notes=notes
                )
                missed = [m for m in missed if m in ids]  # not a call whose end was stored
                if missed:
                    rows = await session.scalars(
                        select(CallRow).where(CallRow.id.in_([ids[m] for m in missed]))
                    )
                    for row in rows:
                        await callback_for_missed_call(session, row)
                # after the calls they joined took their legs over
                await delete_merged_calls(session, pbx=self.pbx, linkedids=merged)
                for resync in resyncs:
                    await self._end_ghosts(session, resync)
        remember(self.memory, latest, ids)
        for linkedid in (*ended, *merged):
            self.memory.forget(linkedid)
            self.announced.pop(linkedid, None)
        for resync in resyncs:
            resync.swept = True

    async def store_each(self, updates: Timed, resyncs: list[Resync]) -> None:
        by_call: dict[str, Timed] = {}
        for update, at in updates:
            by_call.setdefault(call_key(update), []).append((update, at))
        for linkedid, own in by_call.items():
            try:
                await self.store(own, [])
            except Exception:
                log.exception("call %s: cannot be stored, its updates are skipped", linkedid)
        if resyncs:
            await self.sweep_or_give_up(resyncs)

    async def sweep_or_give_up(self, resyncs: list[Resync]) -> None:
        """End the resyncs' ghosts on their own; on failure they are given up (``swept``:
        the next resync sweeps again), so none is kept, and grows, for ever."""
        try:
            await self.store([], resyncs)
        except NotLeading:
            raise
        except Exception:
            log.exception("PBX %s: ending calls lost during a disconnect failed", self.pbx)
            for resync in resyncs:
                resync.swept = True

    async def _end_ghosts(self, session: Any, resync: Resync) -> None:
        live = resync.keep | self.tracker.live_linkedids()
        gone = await end_ghost_calls(session, pbx=self.pbx, live_linkedids=live, at=resync.at)
        if gone:
            log.info(
                "PBX %s: %d calls ended while unheard: %s",
                self.pbx,
                len(gone),
                ", ".join(gone[:20]),
            )


def call_key(update: TrackerUpdate) -> str:
    return update.action_id if isinstance(update, OriginateResult) else update.call.linkedid


def missed_call(call: Call) -> bool:
    """A call to call back (its row is read and a task made, in the calls' transaction)."""
    outcome = call.outcome.value if call.outcome else None
    return calls_back(call.direction.value, outcome, call.caller)


def dial_updates(updates: Timed) -> Timed:
    """The updates that move a click-to-call along (their calls carry the CRM's prefix)."""
    return [
        (update, at)
        for update, at in updates
        if (
            update.action_id if isinstance(update, OriginateResult) else update.call.linkedid
        ).startswith((C2C_PREFIX, PREVIEW_PREFIX))
    ]


def notes_of(updates: Timed) -> list[Note]:
    return [note for update, at in updates for note in notifications(update, at)]


def note_kind(update: TrackerUpdate) -> LiveKind | None:
    """The frame the update has for an operator's page: a call ringing, answered or gone at
    their extension (None: no frame)."""
    if isinstance(update, CallRinging):
        return LiveKind.RINGING
    if isinstance(update, CallAnswered) and update.agent:
        return LiveKind.ANSWERED
    if isinstance(update, AgentLeft):
        return LiveKind.ENDED
    return None


def notifications(update: TrackerUpdate, event_at: float) -> list[Note]:
    """What operators' pages hear (``note_kind``), with what the pop needs."""
    kind = note_kind(update)
    if kind is None:
        return []
    assert isinstance(update, CallRinging | CallAnswered | AgentLeft)  # those have a kind
    call = update.call
    payload = {
        "linkedid": call.linkedid,
        "extension": update.agent,
        "number": customer_number(call),
        "direction": call.direction.value,
        "queue": call.queue,
        "outcome": call.outcome.value if call.outcome else None,
        "event_at": event_at,
    }
    if isinstance(update, CallAnswered) and update.replaces:
        payload["replaces"] = update.replaces  # the agent's pop of the call that joined this
    return [(kind, payload)]


async def until_stored(
    pbx: str, work: Callable[[], Awaitable[None]], fallback: Callable[[], Awaitable[None]] | None
) -> None:
    """Run ``work`` until it is done: a lost database is waited for with back-off (nothing
    dropped); any other error is logged and, when given, ``fallback`` runs instead."""
    delay = 0.5
    while True:
        try:
            await work()
            return
        except NotLeading:
            raise  # another process leads now: nothing of ours may be written
        except Exception as exc:
            if not database_unreachable(exc):
                if fallback is None:
                    log.exception("PBX %s: floor updates failed, skipped", pbx)
                    return
                log.exception("PBX %s: a batch failed; storing call by call", pbx)
                await fallback()
                return
            log.warning("PBX %s: database unreachable (%s); retrying in %.1f s", pbx, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
