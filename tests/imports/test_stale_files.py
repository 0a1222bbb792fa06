"""Uploaded files of imports nobody finished are not kept for ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from callcenter.imports.exceptions import ImportInvalid
from callcenter.imports.limits import UploadLimits
from callcenter.imports.models import Import, ImportFile
from callcenter.imports.service import configure_import, create_import, drop_stale_files
from tests.imports.support import csv_bytes


async def test_a_week_old_draft_loses_its_file_and_asks_for_it_again(
    db_session: Any, make_user: Any
) -> None:
    manager = await make_user("manager")
    content = csv_bytes([["Name", "Phone"], ["Анна", "+79161234567"]])
    old = await create_import(
        db_session,
        actor=manager,
        target="clients",
        file_name="old.csv",
        content=content,
        limits=UploadLimits(),
    )
    recent = await create_import(
        db_session,
        actor=manager,
        target="clients",
        file_name="new.csv",
        content=content,
        limits=UploadLimits(),
    )
    now = datetime.now(UTC)
    await db_session.execute(
        update(Import).where(Import.id == old.id).values(created_at=now - timedelta(days=8))
    )

    assert await drop_stale_files(db_session, now=now) == 1
    kept = set(await db_session.scalars(select(ImportFile.import_id)))
    assert kept == {recent.id}
    with pytest.raises(ImportInvalid, match="upload it again"):
        await configure_import(
            db_session,
            import_id=old.id,
            actor=manager,
            mapping={"Name": "name"},
            policy={},
            skip_bad_rows=False,
        )
    assert await drop_stale_files(db_session, now=now) == 0
