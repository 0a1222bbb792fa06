"""How late this process's event loop runs its callbacks: the pops, the wallboards and every
page share it, so a loop held by one piece of work (a big render, a slow parse, a GC pause)
delays them all. A task asks to wake every ``EVERY_S`` and notes how late it woke; /health
shows the last minute's figures, and a wake later than ``STALL_S`` is logged."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator

from aiohttp import web

from web.keys import LOOP_WATCH

log = logging.getLogger(__name__)
EVERY_S = 0.1
KEPT_S = 60.0
STALL_S = 1.0


class LoopWatch:
    def __init__(self) -> None:
        self.lags: deque[tuple[float, float]] = deque()  # (woke at, seconds late)

    def note(self, woke_at: float, late: float) -> None:
        self.lags.append((woke_at, late))
        while self.lags and self.lags[0][0] < woke_at - KEPT_S:
            self.lags.popleft()
        if late > STALL_S:
            log.warning("the event loop was held for %.1f s (pops and pages waited)", late)

    def figures(self) -> dict[str, float]:
        """The last minute's lag, in milliseconds: the 99th percentile and the worst."""
        lags = sorted(late for _, late in self.lags)
        if not lags:
            return {"lag_p99_ms": 0.0, "lag_max_ms": 0.0}
        p99 = lags[min(len(lags) - 1, int(0.99 * len(lags)))]
        return {"lag_p99_ms": round(p99 * 1000, 1), "lag_max_ms": round(lags[-1] * 1000, 1)}

    async def watch_forever(self) -> None:
        while True:
            asked = time.monotonic()
            await asyncio.sleep(EVERY_S)
            woke = time.monotonic()
            self.note(woke, max(0.0, woke - asked - EVERY_S))


async def loop_watch_ctx(app: web.Application) -> AsyncIterator[None]:
    app[LOOP_WATCH] = watch = LoopWatch()
    task = asyncio.create_task(watch.watch_forever(), name="loop-watch")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
