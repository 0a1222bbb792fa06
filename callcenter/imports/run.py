"""Running a queued import: all of its rows go in one transaction, or none of them.

Reading and checking run in a worker thread (the web process keeps serving); progress and
a heartbeat go to the import's row every second in their own short transactions, apart from
the data transaction, which also marks the import done, so "done" and the data commit
together. Any bad row fails the whole import with every bad row listed, unless the user
chose to skip bad rows.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.audit.service import record_change
from callcenter.db import utcnow
from callcenter.i18n import N_
from callcenter.imports.matching import cells_of
from callcenter.imports.models import Import, ImportFile
from callcenter.imports.reading import read_rows
from callcenter.imports.service import INTERRUPTED, shape_of
from callcenter.imports.targets import BadRow, RowInvalid, Target, WriteResult, get_target
from callcenter.users.models import User

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0
# shares of the progress bar: reading the file, checking rows, writing them
READ_SHARE, CHECK_SHARE = 10, 50


@dataclass
class Tracker:
    """What the run has done so far; the ticker copies it to the import's row."""

    stage: str = "reading"
    total: int = 0
    checked: int = 0
    written: int = 0

    @property
    def progress(self) -> int:
        if self.stage == "reading" or not self.total:
            return 0 if self.stage == "reading" else READ_SHARE
        if self.stage == "checking":
            return READ_SHARE + CHECK_SHARE * self.checked // self.total
        rest = 100 - READ_SHARE - CHECK_SHARE
        return min(99, READ_SHARE + CHECK_SHARE + rest * self.written // self.total)

    @property
    def rows_done(self) -> int:
        return self.written if self.stage == "writing" else self.checked


class BadRowsFound(Exception):
    def __init__(self, bad: list[BadRow], result: WriteResult | None = None) -> None:
        super().__init__(f"{len(bad)} bad rows")
        self.bad, self.result = bad, result


@dataclass
class Checked:
    records: list[Any] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    rows: dict[int, list[str]] = field(default_factory=dict)


async def run_import(sessionmaker: async_sessionmaker, import_id: int, *, region: str) -> None:
    """Run one queued import to its end: done, or failed with the reason and bad rows."""
    tracker = Tracker()
    async with sessionmaker.begin() as session:
        claimed = await _claim(session, import_id)
    if claimed is None:
        return
    ticker = asyncio.create_task(_tick(sessionmaker, import_id, tracker))
    try:
        await _run(sessionmaker, claimed, tracker, region)
    except asyncio.CancelledError:
        await _fail(sessionmaker, import_id, INTERRUPTED, [])
        raise
    except BadRowsFound as exc:
        await _fail(sessionmaker, import_id, N_("Bad rows: nothing was imported"), exc.bad)
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
                    rows_done=tracker.rows_done,
                    heartbeat_at=utcnow(),
                )
            )


def _check_rows(
    job: Import, content: bytes, target: Target, context: Any, tracker: Tracker
) -> Checked:
    """In a worker thread: read every row and clean it (no database here)."""
    checked = Checked()
    rows = read_rows(content, shape_of(job))
    next(rows, None)  # the header
    checked.rows = dict(rows)
    tracker.total, tracker.stage = len(checked.rows), "checking"
    for line, row in checked.rows.items():
        try:
            checked.records.append(
                target.clean_row(line, cells_of(row, job.headers, job.mapping), context)
            )
        except RowInvalid as exc:
            checked.bad.append(BadRow(line, exc.errors))
        tracker.checked += 1
    return checked


async def _run(
    sessionmaker: async_sessionmaker, job: Import, tracker: Tracker, region: str
) -> None:
    target = get_target(job.target)
    async with sessionmaker() as session:
        stored = await session.get(ImportFile, job.id)
        actor = await session.get(User, job.user_id) if job.user_id else None
        if stored is None or actor is None or not actor.can(target.permission):
            raise RuntimeError("the file or its importer is gone")
        context = await target.load_context(session, actor=actor, region=region)
        content = stored.content
    checked = await asyncio.to_thread(_check_rows, job, content, target, context, tracker)
    _with_values(checked.bad, checked.rows)
    if checked.bad and not job.skip_bad_rows:
        raise BadRowsFound(checked.bad)
    tracker.stage = "writing"

    async def progress(done: int) -> None:
        tracker.written = done + len(checked.bad)

    async with sessionmaker.begin() as session:
        result = await target.write(
            session,
            checked.records,
            policy=job.policy,
            actor=actor,
            import_id=job.id,
            progress=progress,
        )
        _with_values(result.bad, checked.rows)
        bad = sorted(checked.bad + result.bad, key=lambda b: b.line)
        if result.bad and not job.skip_bad_rows:
            raise BadRowsFound(bad)  # the data transaction rolls back
        await _finish(session, job, actor, result, bad, tracker.total)


def _with_values(bad: list[BadRow], rows: dict[int, list[str]]) -> None:
    for row in bad:
        row.values = rows.get(row.line, [])


async def _finish(
    session: AsyncSession,
    job: Import,
    actor: User,
    result: WriteResult,
    bad: list[BadRow],
    total: int,
) -> None:
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


async def _fail(
    sessionmaker: async_sessionmaker, import_id: int, reason: str, bad: list[BadRow]
) -> None:
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Import)
            .where(Import.id == import_id)
            .values(
                state="failed",
                stage="",
                error=reason,
                bad_count=len(bad),
                bad_rows=[b.as_json() for b in bad],
                finished_at=utcnow(),
            )
        )
