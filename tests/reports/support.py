"""Helpers the report tests share."""

from __future__ import annotations

import asyncio
from typing import Any

from callcenter.reports.rollups.refresh import refresh_rollups


async def rolled_up(sessionmaker: Any) -> dict[str, int]:
    """Refresh every rollup now; an app started by a fixture may be refreshing them at the
    same moment (the advisory lock makes ours skip): then try again."""
    while (done := await refresh_rollups(sessionmaker)) is None:
        await asyncio.sleep(0.05)
    return done
