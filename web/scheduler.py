"""The app's APScheduler: periodic jobs over the database, started and stopped with the app.

Jobs keep their due work as rows and claim it with ``FOR UPDATE SKIP LOCKED``, so every web
process may run them: a restart loses nothing and two processes never do one piece twice.
Register another job with ``add_job(app, ...)`` from a cleanup context appended after
``scheduler_ctx`` (the e-mail outbox sender will be one).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from callcenter.backoffice.process import BackOffice, JobFailed
from callcenter.imports.service import drop_stale_files
from callcenter.mailings.delivery import RECIPIENTS
from callcenter.mailings.sender import send_mailings
from callcenter.reports.rollups.job import RefreshRollupsForever
from callcenter.settings import Settings
from callcenter.sms.outbox import send_texts
from callcenter.sms.providers import make_provider
from callcenter.sms.status import MESSAGES, poll_deliveries
from callcenter.tasks.reminders import fire_due_reminders
from web.keys import BACKGROUND_SESSIONMAKER, SCHEDULER, SESSIONMAKER, SETTINGS
from web.webhook_client import add_webhook_job

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[Any]]


class _StillRunning(logging.Filter):
    """A run still going when the next one is due is skipped by design (``max_instances=1``:
    the webhooks' sender, for one, keeps looking for work for ten seconds a run, on a
    half-second schedule). APScheduler warns of each skip: twice a second, for ever, a
    warning about nothing wrong, burying the ones that matter. Those lines are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


_STILL_RUNNING = _StillRunning()
ROLLUPS_RESTART_S = 5.0


class Scheduler:
    """An AsyncIOScheduler whose runs can be awaited at shutdown."""

    def __init__(self) -> None:
        logging.getLogger("apscheduler.scheduler").addFilter(_STILL_RUNNING)  # once: a set
        self.apscheduler = AsyncIOScheduler(timezone=UTC)
        self.running: set[asyncio.Task[Any]] = set()
        self.stopping = False

    def add_job(self, name: str, job: Job, *, every_seconds: float) -> None:
        """Run ``job`` every so often (first at once); a run still going is never doubled."""

        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            self.running.add(task)
            try:
                await job()
            except asyncio.CancelledError:
                if not self.stopping:
                    raise
                # cancelled by ``stop``, which waits for it: its transaction rolled back, and
                # APScheduler would log the cancellation as a failure with a traceback
                log.info("scheduled job %s cancelled at shutdown, done by its next run", name)
            except Exception:
                log.exception(
                    "scheduled job %s failed; it runs again in %.1f s", name, every_seconds
                )
            finally:
                self.running.discard(task)

        self.apscheduler.add_job(
            run,
            "interval",
            seconds=every_seconds,
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )

    def start(self) -> None:
        self.apscheduler.start()

    async def stop(self) -> None:
        """Stop scheduling, then cancel runs in progress and wait for them (their
        transactions roll back, so their work is done by the next run, here or elsewhere)."""
        self.stopping = True
        if self.apscheduler.running:
            self.apscheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn
        for task in list(self.running):
            task.cancel()
        await asyncio.gather(*self.running, return_exceptions=True)


async def _drop_import_files(app: web.Application) -> None:
    async with app[SESSIONMAKER].begin() as session:
        dropped = await drop_stale_files(session, now=datetime.now(UTC))
    if dropped:
        log.info("dropped the files of %d stale imports", dropped)


def add_job(app: web.Application, name: str, job: Job, *, every_seconds: float) -> None:
    app[SCHEDULER].add_job(name, job, every_seconds=every_seconds)


def _add_sms_jobs(scheduler: Scheduler, app: web.Application, settings: Settings) -> None:
    """Order texts sent every few seconds, and delivery asked about now and then."""
    provider = make_provider(settings)
    if provider is None:
        return
    sessionmaker = app[SESSIONMAKER]
    if settings.mailing_check_seconds > 0:

        async def send_order_texts() -> None:
            await send_texts(sessionmaker, settings, provider)  # rows claimed: safe anywhere

        scheduler.add_job(
            "sms-outbox", send_order_texts, every_seconds=settings.mailing_check_seconds
        )
    if settings.sms_status_check_seconds > 0:
        every = timedelta(seconds=settings.sms_status_check_seconds)

        async def poll() -> None:
            for tracked in (RECIPIENTS, MESSAGES):
                await poll_deliveries(
                    sessionmaker, provider, tracked, now=datetime.now(UTC), every=every
                )

        scheduler.add_job("sms-status", poll, every_seconds=settings.sms_status_check_seconds)


async def _keep_rollups_fresh(settings: Settings) -> None:
    """The report rollups' back-office process (``RefreshRollupsForever``), started again
    ``ROLLUPS_RESTART_S`` after it ends: a bug in one run, or the process killed."""
    assert settings.database_url, "the command line resolves the database URL before the app"
    office = BackOffice(settings.database_url, settings.back_office_niceness, settings.log_level)
    job = RefreshRollupsForever(settings.report_refresh_seconds)
    while True:
        try:
            await office.run(job)
            log.error("report rollups: their process ended; starting it again")
        except JobFailed as exc:
            log.error("report rollups: %s (see above); starting it again", exc)
        await asyncio.sleep(ROLLUPS_RESTART_S)


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    scheduler = Scheduler()
    app[SCHEDULER] = scheduler
    if settings.reminder_check_seconds > 0:
        sessionmaker = app[SESSIONMAKER]
        ahead = timedelta(minutes=settings.remind_before_minutes)

        async def remind() -> None:
            await fire_due_reminders(sessionmaker, ahead=ahead)

        scheduler.add_job("task-reminders", remind, every_seconds=settings.reminder_check_seconds)
    scheduler.add_job("import-files", partial(_drop_import_files, app), every_seconds=3600)
    rollups = None
    if settings.report_refresh_seconds > 0:
        rollups = asyncio.create_task(_keep_rollups_fresh(settings))
    _add_sms_jobs(scheduler, app, settings)
    if settings.mailing_check_seconds > 0 and (
        settings.smtp_host or settings.sms_provider != "off"
    ):
        sessionmaker = app[BACKGROUND_SESSIONMAKER]

        async def send_due_mailings() -> None:
            await send_mailings(sessionmaker, settings)  # one process at a time: others skip

        scheduler.add_job(
            "mailings", send_due_mailings, every_seconds=settings.mailing_check_seconds
        )
    close_webhooks = add_webhook_job(app)
    scheduler.start()
    yield
    await scheduler.stop()
    if rollups is not None:
        rollups.cancel()  # its process is asked to stop, then killed if it does not
        await asyncio.gather(rollups, return_exceptions=True)
    if close_webhooks is not None:
        await close_webhooks()  # after the sender's last run, never under it
