"""Imports: upload a file (a draft), confirm its mapping and policy, read how it went."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from callcenter.db import utcnow
from callcenter.errors import Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.imports.exceptions import ImportInvalid
from callcenter.imports.limits import UploadLimits
from callcenter.imports.matching import Mapping, cells_of, check_mapping, match_headers
from callcenter.imports.models import Import, ImportFile
from callcenter.imports.reading import FileShape, read_head, read_header
from callcenter.imports.registry import get_target
from callcenter.imports.targets import RowInvalid, Target
from callcenter.imports.workers import read_apart
from callcenter.users.models import User
from callcenter.users.roles import Role

INTERRUPTED = N_("The import was interrupted (the server stopped): nothing was written")
STALE_AFTER_SECONDS = 120  # a running import writes its heartbeat every second
FILES_KEPT_DAYS = 7  # the file of a draft never confirmed, or of a failed import


def _may_import(actor: User, target: Target) -> None:
    if not actor.can(target.permission):
        raise Forbidden(N_("You may not import"))


def default_policy(target: Target) -> dict[str, str]:
    return {choice.key: choice.default for choice in target.choices}


async def create_import(
    session: AsyncSession,
    *,
    actor: User,
    target: str,
    file_name: str,
    content: bytes,
    limits: UploadLimits,
    readers: Executor | None = None,
) -> Import:
    """Keep the file as a draft, with a first guess of which column is which field. The file
    is checked against ``limits`` and read by ``readers`` (see workers.py), off the loop."""
    chosen = get_target(target)
    _may_import(actor, chosen)
    shape, headers = await read_apart(readers, read_header, content, file_name, limits)
    job = Import(
        target=target,
        state="draft",
        user_id=actor.id,
        file_name=(file_name or "import")[-255:],
        file_format=shape.file_format,
        encoding=shape.encoding,
        delimiter=shape.delimiter,
        headers=headers,
        mapping=match_headers(headers, chosen.fields),
        policy=default_policy(chosen),
    )
    session.add(job)
    await session.flush()
    session.add(ImportFile(import_id=job.id, content=content))
    await session.flush()
    return job


def check_policy(policy: dict[str, str], target: Target) -> dict[str, str]:
    clean = default_policy(target)
    choices = {choice.key: choice for choice in target.choices}
    for key, action in policy.items():
        if key not in choices or not choices[key].allows(action):
            raise ImportInvalid(
                N_("Please correct the marked fields"),
                fields={f"policy.{key}": N_("Choose one of the listed answers")},
            )
        clean[key] = action
    return clean


async def configure_import(
    session: AsyncSession,
    *,
    import_id: int,
    actor: User,
    mapping: Mapping,
    policy: dict[str, str],
    skip_bad_rows: bool,
    start: bool = True,
) -> Import:
    """Set the mapping and the duplicate policy; with ``start`` the import is queued to run."""
    job = await get_import(session, import_id, actor=actor, for_update=True)
    target = get_target(job.target)
    _may_import(actor, target)
    if job.state not in ("draft", "failed"):
        raise ImportInvalid(N_("This import has already started"))
    if await session.get(ImportFile, job.id) is None:
        raise ImportInvalid(N_("The file of this import is gone: upload it again"))
    job.mapping = check_mapping(mapping, job.headers, target.fields)
    if not set(job.mapping.values()) & set(target.needs_one_of):
        labels = {f.key: f.label for f in target.fields}
        raise ImportInvalid(
            N_("Choose the column with the name"),
            fields={"mapping": labels[target.needs_one_of[0]]},
        )
    job.policy = check_policy(policy, target)
    job.skip_bad_rows = skip_bad_rows
    job.state, job.stage, job.progress, job.error = "queued" if start else "draft", "", 0, ""
    job.rows_done = job.created_count = job.updated_count = job.skipped_count = 0
    job.bad_count, job.bad_rows = 0, []
    # a queued import counts as alive from now: the runner claims it within a moment
    job.heartbeat_at = utcnow() if start else None
    await session.flush()
    return job


async def get_import(
    session: AsyncSession, import_id: int, *, actor: User, for_update: bool = False
) -> Import:
    """An import its author or an admin may see."""
    stmt = select(Import).where(Import.id == import_id)
    job = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if job is None:
        raise NotFound(N_("No such import"))
    if job.user_id != actor.id and actor.role != Role.ADMIN:
        raise Forbidden(N_("This import is another user's"))
    _may_import(actor, get_target(job.target))
    return job


async def list_imports(session: AsyncSession, *, actor: User, limit: int = 50) -> list[Import]:
    """The latest imports, without their bad rows (``bad_rows`` is not loaded)."""
    stmt = select(Import).options(defer(Import.bad_rows)).order_by(Import.id.desc()).limit(limit)
    if actor.role != Role.ADMIN:
        stmt = stmt.where(Import.user_id == actor.id)
    return list(await session.scalars(stmt))


async def expire_stale_imports(session: AsyncSession) -> int:
    """Queued or running imports nobody is running any more (their process died) failed;
    their data transaction died with the process, so nothing of them was written."""
    result = await session.execute(
        update(Import)
        .where(
            Import.state.in_(["queued", "running"]),
            text(
                "coalesce(heartbeat_at, created_at) < now() - make_interval(secs => :stale)"
            ).bindparams(stale=STALE_AFTER_SECONDS),
        )
        .values(state="failed", error=INTERRUPTED, finished_at=text("now()"))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass
class PreviewRow:
    line: int
    values: dict[str, str]  # field key -> text as the file gives it
    errors: dict[str, str]


async def preview_import(
    session: AsyncSession,
    job: Import,
    *,
    actor: User,
    region: str,
    limits: UploadLimits,
    readers: Executor | None = None,
    rows: int = 10,
) -> list[PreviewRow]:
    """The first rows as the current mapping reads them (read by ``readers``), each with
    its errors."""
    target = get_target(job.target)
    stored = await session.get(ImportFile, job.id)
    if stored is None:
        return []
    context = await target.load_context(session, actor=actor, region=region)
    shape = shape_of(job)
    _headers, sample = await read_apart(readers, read_head, stored.content, shape, rows, limits)
    found = []
    for line, row in sample:
        cells = cells_of(row, job.headers, job.mapping)
        values = {key: ", ".join(t for _h, t in pairs if t) for key, pairs in cells.items()}
        try:
            target.clean_row(line, cells, context)
            errors: dict[str, str] = {}
        except RowInvalid as exc:
            errors = exc.errors
        found.append(PreviewRow(line, values, errors))
    return found


def shape_of(job: Import) -> FileShape:
    return FileShape(job.file_format, job.encoding, job.delimiter)


async def drop_stale_files(session: AsyncSession, *, now: datetime) -> int:
    """Forget the uploaded files of drafts nobody confirmed and of failed imports after a
    week (a done import's file is dropped when it ends). The import itself stays listed; a
    later confirm asks for the file again. Returns how many files were dropped."""
    stale = select(Import.id).where(
        Import.state.in_(("draft", "failed")),
        Import.created_at < now - timedelta(days=FILES_KEPT_DAYS),
    )
    result = await session.execute(delete(ImportFile).where(ImportFile.import_id.in_(stale)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
