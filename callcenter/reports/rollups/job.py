"""The report rollups kept fresh by a back-office process of their own (see
``callcenter.backoffice``): refreshed every few seconds at the back office's lower CPU
priority, with its database backends reniced to match, so that neither the rebuilding's
Python work nor its queries share the web process's event loop with the pops and the
wallboards. Started (and started again if it dies) by the web process's scheduler."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker

from callcenter.backoffice.frames import Output
from callcenter.db import database_unreachable
from callcenter.reports.rollups.refresh import refresh_rollups

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefreshRollupsForever:
    """Refresh the rollups every ``every_seconds``, on the interval's ticks: a run that takes
    longer skips the ticks it overran, as the scheduler's jobs do. The database away is one
    line a run, not a stop."""

    every_seconds: float

    async def __call__(self, sessionmaker: async_sessionmaker, out: Output) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await refresh_rollups(sessionmaker)  # one process at a time: others skip
            except Exception as exc:
                if not database_unreachable(exc):
                    raise  # a bug: the process ends, its keeper logs it and starts another
                log.warning("report rollups: the database is not answering (%s)", exc)
            elapsed = loop.time() - started
            await asyncio.sleep(self.every_seconds - elapsed % self.every_seconds)
