"""The long-running processes tune the cycle collector: start-up objects frozen, rarer passes,
and a slow pass named in the log."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator

import pytest

from callcenter import runtime


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    if runtime._watch in gc.callbacks:
        gc.callbacks.remove(runtime._watch)


def test_start_up_objects_are_frozen_and_passes_made_rarer(restored_gc: None) -> None:
    runtime.tune_gc()
    assert gc.get_threshold() == runtime.THRESHOLDS
    assert gc.get_freeze_count() > 10_000  # modules, classes, functions of the app
    runtime.tune_gc()  # twice is harmless: one watcher
    assert gc.callbacks.count(runtime._watch) == 1


def test_a_slow_pass_is_logged(
    restored_gc: None, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime.tune_gc()
    monkeypatch.setattr(runtime, "SLOW_PASS_S", 0.0)
    with caplog.at_level(logging.WARNING, logger="callcenter.runtime"):
        gc.collect()
    assert any("gc: generation 2 pass took" in r.getMessage() for r in caplog.records)
