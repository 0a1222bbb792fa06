"""Running a queued import: all of its rows go in one transaction, or none of them.

Rows are checked in a worker thread while the clean ones are written (see pipeline.py);
progress and a heartbeat go to the import's row every second in their own short
transactions, apart from the data transaction, which also marks the import done, so "done"
and the data commit together. Any bad row fails the whole import with every bad row listed,
unless the user chose to skip bad rows.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy import delete, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.audit.service import record_change
from callcenter.db import utcnow
from callcenter.i18n import N_, translations
from callcenter.imports.exceptions import ImportInvalid
from callcenter.imports.limits import UploadLimits
from callcenter.imports.models import Import, ImportFile
from callcenter.imports.pipeline import Outcome, Tracker, check_and_write
from callcenter.imports.registry import get_target
from callcenter.imports.service import INTERRUPTED
from callcenter.imports.targets import BadRow
from callcenter.users.models import User

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0


class BadRowsFound(Exception):
    def __init__(self, bad: list[BadRow], total: int) -> None:
        super().__init__(f"{len(bad)} bad rows of {total}")
        self.bad = bad
        self.total = total  # the rows read: the result says how many there were


async def run_import(
    sessionmaker: async_sessionmaker,
    import_id: int,
    *,
    region: str,
    limits: UploadLimits,
    currency: str = "RUB",
) -> None:
    """Run one queued import to its end: done, or failed with the reason and bad rows.

    ``region`` reads phone numbers without a country code; ``currency`` is new orders'; the
    file is read within ``limits`` (a file beyond them fails saying which)."""
    tracker = Tracker()
    async with sessionmaker.begin() as session:
        claimed = await _claim(session, import_id)
    if claimed is None:
        return
    ticker = asyncio.create_task(_tick(sessionmaker, import_id, tracker))
    try:
        await _run(sessionmaker, claimed, tracker, region=region, currency=currency, limits=limits)
    except asyncio.CancelledError:
        await _fail(sessionmaker, import_id, INTERRUPTED, [])
        raise
    except BadRowsFound as exc:
        await _fail(
            sessionmaker, import_id, N_("Bad rows: nothing was imported"), exc.bad, total=exc.total
        )
    except ImportInvalid as exc:  # the file is beyond a limit, found only past its header
        await _fail(sessionmaker, import_id, await _told(sessionmaker, claimed, exc), [])
    except Exception:
        log.exception("import %s failed", import_id)
        await _fail(sessionmaker, import_id, N_("The import failed: nothing was written"), [])
    finally:
        ticker.cancel()
        await asyncio.gather(ticker, return_exceptions=True)


async def _claim(session: AsyncSession, import_id: int) -> Import | None:
    job = await session.scalar(
        select(Import).where(Import.id == import_id, Import.state == "queued").with_for_update()
    )
    if job is not None:
        job.state, job.stage, job.started_at, job.heartbeat_at = (
            "running",
            "reading",
            utcnow(),
            utcnow(),
        )
    return job


async def _tick(sessionmaker: async_sessionmaker, import_id: int, tracker: Tracker) -> None:
    while True:
        await asyncio.sleep(TICK_SECONDS)
        async with sessionmaker.begin() as session:
            await session.execute(
                update(Import)
                .where(Import.id == import_id, Import.state == "running")
                .values(
                    stage=tracker.stage,
                    progress=tracker.progress,
                    total_rows=tracker.total,
                    rows_done=tracker.written,
                    heartbeat_at=utcnow(),
                )
            )


async def _told(sessionmaker: async_sessionmaker, job: Import, exc: ImportInvalid) -> str:
    """The error as the import's author reads it: a message with values (a limit, a cell)
    is kept filled in, in their language; one without stays a msgid, translated when shown."""
    if not exc.params:
        return exc.message
    async with sessionmaker() as session:
        author = await session.get(User, job.user_id) if job.user_id else None
    language = author.language if author else "ru"
    return translations(language).gettext(exc.message) % exc.params


async def _run(
    sessionmaker: async_sessionmaker,
    job: Import,
    tracker: Tracker,
    *,
    region: str,
    currency: str,
    limits: UploadLimits,
) -> None:
    target = get_target(job.target)
    async with sessionmaker() as session:
        stored = await session.get(ImportFile, job.id)
        actor = await session.get(User, job.user_id) if job.user_id else None
        if stored is None or actor is None or not actor.can(target.permission):
            raise RuntimeError("the file or its importer is gone")
        context = await target.load_context(session, actor=actor, region=region, currency=currency)
        content = stored.content
    started = time.perf_counter()
    async with sessionmaker.begin() as session:
        outcome = await check_and_write(
            session,
            job,
            content=content,
            target=target,
            context=context,
            actor=actor,
            tracker=tracker,
            limits=limits,
        )
        log.info(
            "import %s: %d rows, %d bad, checked and written in %.1f s",
            job.id,
            outcome.total,
            len(outcome.bad),
            time.perf_counter() - started,
        )
        if outcome.bad and not job.skip_bad_rows:
            raise BadRowsFound(outcome.bad, outcome.total)  # the data transaction rolls back
        await _finish(session, job, actor, outcome)


async def _finish(session: AsyncSession, job: Import, actor: User, outcome: Outcome) -> None:
    result, bad, total = outcome.result, outcome.bad, outcome.total
    counts = {
        "created_count": result.created,
        "updated_count": result.updated,
        "skipped_count": result.skipped,
        "bad_count": len(bad),
    }
    await session.execute(
        update(Import)
        .where(Import.id == job.id)
        .values(
            state="done",
            stage="",
            progress=100,
            total_rows=total,
            rows_done=total,
            bad_rows=[b.as_json() for b in bad],
            finished_at=utcnow(),
            heartbeat_at=utcnow(),
            **counts,
        )
    )
    await session.execute(delete(ImportFile).where(ImportFile.import_id == job.id))
    await record_change(
        session,
        actor=actor,
        entity="import",
        entity_id=job.id,
        action="done",
        changes={"file": [None, job.file_name], **{k: [None, v] for k, v in counts.items()}},
    )


async def fail_unfinished(sessionmaker: async_sessionmaker, import_id: int) -> None:
    """The process running the import died before its end (killed, out of memory): the data
    transaction went with it, so the import is failed with nothing written."""
    await _fail(sessionmaker, import_id, N_("The import failed: nothing was written"), [], True)


async def _fail(
    sessionmaker: async_sessionmaker,
    import_id: int,
    reason: str,
    bad: list[BadRow],
    only_unfinished: bool = False,
    *,
    total: int | None = None,
) -> None:
    """The import failed and wrote nothing (its data transaction rolled back); ``total``,
    when known, is how many rows the file had."""
    read = {} if total is None else {"total_rows": total}
    unfinished = Import.state.in_(("queued", "running")) if only_unfinished else true()
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Import)
            .where(Import.id == import_id, unfinished)
            .values(
                state="failed",
                stage="",
                error=reason,
                bad_count=len(bad),
                bad_rows=[b.as_json() for b in bad],
                finished_at=utcnow(),
                rows_done=0,
                created_count=0,
                updated_count=0,
                **read,
            )
        )
