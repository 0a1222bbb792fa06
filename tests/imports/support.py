"""Making import files in tests, and running an import to its end in the test's own loop."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from callcenter.db import make_engine, make_sessionmaker
from callcenter.imports.limits import UploadLimits
from callcenter.imports.models import Import
from callcenter.imports.run import run_import
from callcenter.imports.service import configure_import, create_import
from callcenter.users.models import User

# valid requisites (checksums right): INN of companies and of a sole trader
INN_A, INN_B, INN_C = "7736207543", "7707083893", "500100732259"


def csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def run_file(
    database_url: str,
    actor: User,
    content: bytes,
    *,
    name: str = "clients.csv",
    policy: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    mapping: dict[str, str] | None = None,
    target: str = "clients",
) -> Import:
    """Upload, confirm the guessed (or given) mapping, run; the import as it ended."""
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    try:
        async with sessionmaker.begin() as session:
            actor = await session.get(User, actor.id)
            job = await create_import(
                session,
                actor=actor,
                target=target,
                file_name=name,
                content=content,
                limits=UploadLimits(),
            )
            await configure_import(
                session,
                import_id=job.id,
                actor=actor,
                mapping=mapping if mapping is not None else job.mapping,
                policy=policy or {},
                skip_bad_rows=skip_bad_rows,
            )
        await run_import(sessionmaker, job.id, region="RU", currency="RUB", limits=UploadLimits())
        async with sessionmaker() as session:
            found = await session.get(Import, job.id)
            assert found is not None
            return found
    finally:
        await engine.dispose()
