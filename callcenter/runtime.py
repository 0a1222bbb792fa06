"""Process-wide tuning for the long-running processes (the web server, the PBX listener).

Python's cyclic garbage collector stops the whole process while it scans: with the defaults,
a full (generation 2) pass ran every few seconds under a busy PBX and took 100-400 ms over the
few hundred thousand objects of a running app, stalling every screen-pop at once (measured by
``bench/ami_ingest.py``). Almost nothing here needs the cycle collector: call state is freed by
reference counting. So, once started: the objects made at start-up (modules, mappers, compiled
statements, templates) are moved out of the collector's sight (``gc.freeze``), young passes
run less often, and full passes far less often. A pass that still takes long is logged.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

log = logging.getLogger(__name__)

THRESHOLDS = (10_000, 50, 100)  # defaults are (700, 10, 10)
SLOW_PASS_S = 0.05
_started: list[float] = []


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
