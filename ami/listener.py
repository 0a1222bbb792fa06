"""The PBX listener: link -> bounded queue -> one consumer -> tracker -> database + NOTIFY.

Events are handled strictly in arrival order by one supervised consumer; a bad event is logged
and skipped. The consumer drains the queue in batches and stores each changed call once per
batch, in one transaction with its notifications (delivered at commit). When the database is
unreachable it keeps the batch and retries, while a full queue pauses reading from the PBX:
nothing is dropped. After every login the live state is resynced in the same order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker

from ami.events import AmiEvent, CoreShowChannel, to_event
from ami.link import PbxConfig, PbxLink
from ami.protocol import Message
from ami.tracker import CallTracker
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
from callcenter.calls.service import customer_number, save_call
from callcenter.live import notify
from callcenter.tasks.callbacks import callback_for_missed_call

log = logging.getLogger(__name__)

QUEUE_SIZE = 100_000
PAUSE_AT, RESUME_AT = 80_000, 20_000
BATCH = 5_000


@dataclass(frozen=True)
class Resync:
    """The channels Asterisk listed after a login, applied in order with the events."""

    channels: list[CoreShowChannel]
    at: datetime


class PbxListener:
    def __init__(
        self, config: PbxConfig, sessionmaker: async_sessionmaker[Any], *, tracker: CallTracker
    ) -> None:
        self.pbx = config.name
        self.sessionmaker = sessionmaker
        self.tracker = tracker
        self.queue: asyncio.Queue[tuple[AmiEvent, float] | Resync] = asyncio.Queue(QUEUE_SIZE)
        self.link = PbxLink(config, intake=self.intake, on_login=self.resync)
        self.paused = False
        self.handled = 0
        self.stored_batches = 0
        self.originate_results: dict[str, OriginateResult] = {}

    @property
    def backlog(self) -> int:
        return self.queue.qsize()

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

    async def run(self) -> None:
        """Lead this PBX: connect and consume until cancelled."""
        consumer = asyncio.create_task(self.consume_forever(), name=f"consume-{self.pbx}")
        await self.link.start()
        try:
            await consumer
        finally:
            consumer.cancel()
            await self.link.stop()

    async def consume_forever(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            if self.paused and self.queue.qsize() <= RESUME_AT:
                self.paused = False
                self.link.pause_reading(False)
            updates, resyncs = self._track(batch)
            if updates or resyncs:
                await self._store_until_done(updates, resyncs)
            self.handled += len(batch)

    def _track(
        self, batch: list[tuple[AmiEvent, float] | Resync]
    ) -> tuple[list[TrackerUpdate], list[Resync]]:
        updates: list[TrackerUpdate] = []
        resyncs: list[Resync] = []
        for item in batch:
            if isinstance(item, Resync):
                updates += self.tracker.reconcile(item.channels, item.at)
                resyncs.append(item)
            else:
                updates += self.tracker.handle(item[0], item[1])
        return updates, resyncs

    async def _store_until_done(self, updates: list[TrackerUpdate], resyncs: list[Resync]) -> None:
        delay = 0.5
        while True:
            try:
                await self.store(updates, resyncs)
                self.stored_batches += 1
                return
            except (OSError, DBAPIError) as exc:
                log.warning(
                    "PBX %s: cannot store %d updates (%s); retrying in %.1f s",
                    self.pbx,
                    len(updates),
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def store(self, updates: list[TrackerUpdate], resyncs: list[Resync]) -> None:
        latest: dict[str, Call] = {}
        notes: list[tuple[str, dict[str, Any]]] = []
        ended: list[str] = []
        for update in updates:
            if isinstance(update, OriginateResult):
                self.originate_results[update.action_id] = update
                continue
            latest[update.call.linkedid] = update.call
            notes += _notifications(update)
            if isinstance(update, CallEnded):
                ended.append(update.call.linkedid)
        async with self.sessionmaker.begin() as session:
            ids = {
                linkedid: await save_call(session, call, pbx=self.pbx)
                for linkedid, call in latest.items()
            }
            for linkedid in ended:
                row = await session.get(CallRow, ids[linkedid])
                if row is not None:
                    await callback_for_missed_call(session, row)
            for resync in resyncs:
                live = {call.linkedid for call in self.tracker.snapshot_live()}
                gone = await end_ghost_calls(
                    session, pbx=self.pbx, live_linkedids=live, at=resync.at
                )
                if gone:
                    log.info(
                        "PBX %s: %d calls ended while unheard: %s",
                        self.pbx,
                        len(gone),
                        ", ".join(gone[:20]),
                    )
            for kind, payload in notes:
                await notify(session, kind, **payload)


def _notifications(update: TrackerUpdate) -> list[tuple[str, dict[str, Any]]]:
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
                "sent": time.time(),
            },
        )
    ]
