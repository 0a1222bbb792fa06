"""An import's run as a back-office job: checked and written by a child process at a lower
CPU priority (see callcenter/backoffice), so its parsing never holds the web process's GIL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker

from callcenter.backoffice.frames import Output
from callcenter.imports.limits import UploadLimits
from callcenter.imports.run import run_import


@dataclass(frozen=True)
class ImportJob:
    import_id: int
    region: str
    currency: str
    limits: UploadLimits

    async def __call__(self, sessionmaker: async_sessionmaker, out: Output) -> None:
        await run_import(
            sessionmaker,
            self.import_id,
            region=self.region,
            currency=self.currency,
            limits=self.limits,
        )
