"""Process-wide tuning for the long-running processes (the web server, the PBX listener).

The event loop: uvloop (libuv under asyncio's interface, by asyncpg's authors) when it is
installed, as it is with the app, and ``CALLCENTER_EVENT_LOOP`` is not ``asyncio``. Every
request, websocket frame, AMI read and database answer passes through the loop's own code:
with uvloop one web process answered 7,760 tracking hits a second where asyncio's loop
answered 6,150, p99 8.5 ms against 13.4 ms (``bench/mailings.py``, the same machine).

Python's cyclic garbage collector stops the whole process while it scans: with the defaults,
a full (generation 2) pass ran every few seconds under a busy PBX and took 100-400 ms over the
few hundred thousand objects of a running app, stalling every screen-pop at once (measured by
``bench/ami_ingest.py``). Almost nothing here needs the cycle collector: call state is freed by
reference counting. So, once started: the objects made at start-up (modules, mappers, compiled
statements, templates) are moved out of the collector's sight (``gc.freeze``), young passes
run less often, and full passes far less often. A pass that still takes long is logged.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from typing import Any

log = logging.getLogger(__name__)

THRESHOLDS = (10_000, 50, 100)  # defaults are (700, 10, 10)
SLOW_PASS_S = 0.05
_started: list[float] = []


def new_event_loop() -> asyncio.AbstractEventLoop:
    """The loop a long-running process runs on: uvloop's, unless told otherwise."""
    if os.environ.get("CALLCENTER_EVENT_LOOP", "").strip().lower() != "asyncio":
        try:
            import uvloop
        except ImportError:  # an install without it: asyncio's own loop does the same work
            pass
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def tune_gc(thresholds: tuple[int, int, int] = THRESHOLDS) -> None:
    """Freeze what start-up made, raise the collector's thresholds, log slow passes."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
    if _watch not in gc.callbacks:
        gc.callbacks.append(_watch)
    log.debug("gc: %d objects frozen, thresholds %s", gc.get_freeze_count(), thresholds)


def _watch(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[:] = [time.perf_counter()]
        return
    if not _started:
        return
    took = time.perf_counter() - _started[0]
    if took >= SLOW_PASS_S:
        log.warning(
            "gc: generation %d pass took %.0f ms (%d objects collected)",
            info.get("generation", -1),
            took * 1000,
            info.get("collected", 0),
        )
