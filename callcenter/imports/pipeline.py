"""Checking rows in a worker thread while the rows already checked are being written.

The file is read and each row cleaned in a thread (the web process keeps serving); clean rows
go to the writer in chunks through a small queue, so PostgreSQL stores one chunk while
Python checks the next. Once a bad row is seen (and bad rows are not to be skipped) nothing
more is written, but every row is still checked so the report lists all bad rows.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.imports.limits import UploadLimits
from callcenter.imports.matching import cells_of
from callcenter.imports.models import Import
from callcenter.imports.reading import read_rows
from callcenter.imports.service import shape_of
from callcenter.imports.targets import BadRow, RowInvalid, Target, WriteResult
from callcenter.users.models import User

CHUNK_ROWS = 5_000
READ_SHARE = 10  # of the progress bar; checking and writing share the rest
_WAIT = 0.2


@dataclass
class Tracker:
    """What the run has done so far; a ticker copies it to the import's row."""

    stage: str = "reading"  # reading -> checking -> writing
    total: int = 0
    checked: int = 0
    written: int = 0  # rows the writer has handled: stored, merged or skipped

    @property
    def progress(self) -> int:
        if not self.total:
            return 0
        share = (100 - READ_SHARE) // 2
        return min(99, READ_SHARE + share * (self.checked + self.written) // self.total)


@dataclass
class Outcome:
    result: WriteResult
    bad: list[BadRow]  # from checking and from writing, by line
    total: int


class _Stopped(Exception):
    pass


@dataclass
class _Checker:
    job: Import
    content: bytes
    target: Target
    context: Any
    tracker: Tracker
    limits: UploadLimits
    chunks: queue.Queue[list[Any] | None] = field(default_factory=lambda: queue.Queue(3))
    stop: threading.Event = field(default_factory=threading.Event)
    rows: dict[int, list[str]] = field(default_factory=dict)
    bad: list[BadRow] = field(default_factory=list)

    def run(self) -> None:
        try:
            self._check()
        except _Stopped:
            return
        finally:
            self._put(None)

    def _check(self) -> None:
        found = read_rows(self.content, shape_of(self.job), self.limits)
        next(found, None)  # the header
        self.rows = dict(found)
        self.tracker.total, self.tracker.stage = len(self.rows), "checking"
        chunk: list[Any] = []
        headers, mapping = self.job.headers, self.job.mapping
        for line, row in self.rows.items():
            try:
                chunk.append(
                    self.target.clean_row(line, cells_of(row, headers, mapping), self.context)
                )
            except RowInvalid as exc:
                self.bad.append(BadRow(line, exc.errors))
            self.tracker.checked += 1
            if len(chunk) >= CHUNK_ROWS:
                self._put(chunk)
                chunk = []
        self._put(chunk)

    def _put(self, item: list[Any] | None) -> None:
        while not self.stop.is_set():
            try:
                self.chunks.put(item, timeout=_WAIT)
                return
            except queue.Full:
                continue
        if item is not None:
            raise _Stopped

    def next_chunk(self) -> list[Any] | None:
        """For the writer, in another thread: the next chunk, None when all are checked."""
        while not self.stop.is_set():
            try:
                return self.chunks.get(timeout=_WAIT)
            except queue.Empty:
                continue
        return None


async def check_and_write(
    session: AsyncSession,
    job: Import,
    *,
    content: bytes,
    target: Target,
    context: Any,
    actor: User,
    tracker: Tracker,
    limits: UploadLimits,
) -> Outcome:
    """Check every row and write the clean ones in ``session``'s transaction."""
    checker = _Checker(job, content, target, context, tracker, limits)
    checking = asyncio.ensure_future(asyncio.to_thread(checker.run))
    writer = target.writer(session, policy=job.policy, actor=actor, import_id=job.id)
    try:
        while (chunk := await asyncio.to_thread(checker.next_chunk)) is not None:
            if checker.bad and not job.skip_bad_rows and not writer.gathers:
                continue  # the import will fail: only the checking goes on
            tracker.stage = "writing"
            await writer.write(chunk)
            tracker.written += len(chunk)
        await checking  # a file that cannot be read raises here
        if checker.bad and not job.skip_bad_rows:
            result = WriteResult(bad=await writer.review())
        else:
            result = await writer.finish()
    except BaseException:
        checker.stop.set()
        await asyncio.gather(checking, return_exceptions=True)
        raise
    write_bad = result.bad
    bad = sorted(checker.bad + write_bad, key=lambda row: row.line)
    for row in bad:
        row.values = checker.rows.get(row.line, [])
    return Outcome(result, bad, tracker.total)
