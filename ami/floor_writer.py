"""The floor's writer: agents, queue visits and figures and click-to-call progress stored
apart from the calls, so the calls' path (the screen-pop) never waits for them."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from ami.call_writer import Timed, until_stored
from ami.floor_sync import FloorBatch, FloorResync, FloorSync, click_to_call_progress


class FloorWriter:
    """Stores what the floor board reported; batches that arrive while it writes are merged
    and stored together."""

    def __init__(self, floor: FloorSync, sessionmaker: async_sessionmaker[Any], pbx: str) -> None:
        self.floor = floor
        self.sessionmaker = sessionmaker
        self.pbx = pbx
        self._resyncs: list[FloorResync] = []
        self._pending = FloorBatch()
        self._dials: Timed = []
        self._wake = asyncio.Event()
        self.writes = 0

    def resynced(self, resync: FloorResync) -> None:
        """A QueueStatus answer was applied: its members are restored at the next write."""
        self._resyncs.append(resync)

    def add(self, floor: FloorBatch, dials: Timed) -> None:
        """A stored batch's floor changes and click-to-call updates, for the next write."""
        if floor or self._resyncs or dials:
            self._pending.extend(floor)
            self._dials += dials
            self._wake.set()

    async def forever(self, gap_s: float = 0.5) -> None:
        """Store the floor (agents, queue visits and figures, click-to-call progress) apart
        from the calls, at most every ``gap_s``: under load many batches share one write and
        one figures query, and the calls' path (the screen-pop) never waits for them."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            floor, self._pending = self._pending, FloorBatch()
            dials, self._dials = self._dials, []
            await until_stored(self.pbx, partial(self.store, floor, dials), None)
            self.writes += 1
            await asyncio.sleep(gap_s)

    async def store(self, floor: FloorBatch, updates: Timed) -> None:
        """Agents, queue visits and figures, click-to-call progress; then the PBX actions
        they call for (wrap-up pauses, members re-added after an Asterisk restart)."""
        resyncs, self._resyncs = self._resyncs, []
        re_add: list[dict[str, Any]] = []
        try:
            async with self.sessionmaker.begin() as session:
                await self.floor.store(session, floor)
                await click_to_call_progress(session, [u for u, _ in updates])
                for resync in resyncs:
                    re_add += await self.floor.restore_members(session, resync)
        except Exception:
            self._resyncs = resyncs + self._resyncs
            raise
        self.floor.after_commit(floor)
        for action in re_add:
            self.floor.send_later(action)
