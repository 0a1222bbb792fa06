"""Imports run in back-office processes once uploaded; big uploads are let in here only.

Each running import is a child process (callcenter/backoffice) at a lower CPU priority, watched
by a task here; on shutdown the children are asked to stop (each import then fails with nothing
written), and one that died on its own has its import failed. On start, imports a dead
process left running are failed. An upload's bytes are read from aiohttp's spool file in a
worker thread, and parsed in the app's reader processes (see callcenter/imports/workers.py):
none of it runs on the loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator

from aiohttp import web

from callcenter.backoffice.process import BackOffice, JobFailed
from callcenter.i18n import N_
from callcenter.imports.job import ImportJob
from callcenter.imports.limits import ImportTooBig
from callcenter.imports.run import fail_unfinished
from callcenter.imports.service import expire_stale_imports
from callcenter.imports.workers import ReaderPool
from web.auth import Handler
from web.keys import BACK_OFFICE, IMPORT_RUNNER, SESSIONMAKER, SETTINGS, UPLOAD_READERS

log = logging.getLogger(__name__)
UPLOAD_PATHS = frozenset(
    {"/imports/new", "/api/v1/imports", "/orders/import", "/api/v1/orders/import"}
)
CAMPAIGN_UPLOADS = re.compile(r"/campaigns/(new|\d+/contacts)")  # a file of numbers to call
MAILING_UPLOADS = re.compile(r"/mailings/\d+/audience-file")  # a file of e-mails or phones


class ImportRunner:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self, import_id: int) -> None:
        settings = self.app[SETTINGS]
        region, currency = settings.default_region, settings.currency
        job = ImportJob(import_id, region, currency, settings.upload_limits)
        task = asyncio.create_task(self._run(job), name=f"import-{import_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, job: ImportJob) -> None:
        try:
            await self.app[BACK_OFFICE].run(job)
        except (JobFailed, OSError) as exc:
            log.error("import %s: its process failed (%s)", job.import_id, exc)
            await fail_unfinished(self.app[SESSIONMAKER], job.import_id)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def imports_ctx(app: web.Application, *, expire: bool = True) -> AsyncIterator[None]:
    """Imports run from this process. The first web process (``expire``) also marks failed
    the imports a stopped process left running; a worker beside it must not: those may be
    the first process's, running now."""
    if expire:
        async with app[SESSIONMAKER].begin() as session:
            if expired := await expire_stale_imports(session):
                log.warning("%d interrupted import(s) marked failed", expired)
    settings = app[SETTINGS]
    assert settings.database_url, "the command line resolves the database URL before the app"
    app[BACK_OFFICE] = BackOffice(
        settings.database_url,
        settings.back_office_niceness,
        settings.log_level,
        export_niceness=settings.export_niceness,
    )
    runner = ImportRunner(app)
    app[IMPORT_RUNNER] = runner
    app[UPLOAD_READERS] = readers = ReaderPool()
    yield
    await runner.close()
    await asyncio.to_thread(readers.shutdown, cancel_futures=True)


@web.middleware
async def upload_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Only an import's upload may be larger than aiohttp's default 1 MB body."""
    if request.method == "POST" and (
        request.path in UPLOAD_PATHS
        or CAMPAIGN_UPLOADS.fullmatch(request.path)
        or MAILING_UPLOADS.fullmatch(request.path)
    ):
        megabytes = request.app[SETTINGS].import_max_mb
        try:
            return await handler(request.clone(client_max_size=megabytes * 1024 * 1024))
        except web.HTTPRequestEntityTooLarge:
            raise ImportTooBig(
                N_("The file is larger than the %(limit)s MB an import accepts"),
                params={"limit": str(megabytes)},
            ) from None
    return await handler(request)


async def read_upload(upload: web.FileField) -> bytes:
    """The uploaded bytes, read in a worker thread; the file aiohttp spooled them to is closed."""
    return await asyncio.to_thread(_read_and_close, upload)


def _read_and_close(upload: web.FileField) -> bytes:
    try:
        return upload.file.read()
    finally:
        upload.file.close()
