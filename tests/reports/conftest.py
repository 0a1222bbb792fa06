from __future__ import annotations

from collections.abc import Iterator

import pytest

from callcenter.reports import registry


@pytest.fixture
def sample_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only the framework's own sample report is registered."""
    monkeypatch.setattr(registry, "REPORT_MODULES", ("tests.reports.sample_report",))
    registry._specs.cache_clear()
    yield
    registry._specs.cache_clear()
