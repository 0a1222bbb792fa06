"""The event loop's lateness: measured by a task waking every 100 ms, the last minute's p99
and worst shown on /health, and a loop held past a second logged."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from web.loop_watch import KEPT_S, STALL_S, LoopWatch


async def test_a_loop_held_by_blocking_work_shows_on_health(client: Any) -> None:
    first = (await (await client.get("/health")).json())["loop"]
    assert set(first) == {"lag_p99_ms", "lag_max_ms"}
    await asyncio.sleep(0.25)  # the watch is asleep in its 100 ms wait
    time.sleep(0.4)  # noqa: ASYNC251 - the point: work that holds the loop
    await asyncio.sleep(0.25)
    after = (await (await client.get("/health")).json())["loop"]
    assert 300 <= after["lag_max_ms"] < 5_000
    assert after["lag_p99_ms"] <= after["lag_max_ms"]


def test_figures_keep_the_last_minute_and_log_a_stall(caplog: pytest.LogCaptureFixture) -> None:
    watch = LoopWatch()
    assert watch.figures() == {"lag_p99_ms": 0.0, "lag_max_ms": 0.0}
    with caplog.at_level(logging.WARNING, logger="web.loop_watch"):
        watch.note(0.0, STALL_S + 0.5)  # an old stall: logged, then forgotten
    assert "held for 1.5 s" in caplog.text
    for n in range(1, 201):
        watch.note(KEPT_S + n * 0.1, 0.002 if n != 150 else 0.3)
    figures = watch.figures()
    assert figures["lag_max_ms"] == 300.0  # the stall a minute ago has left the window
    assert figures["lag_p99_ms"] == 2.0
