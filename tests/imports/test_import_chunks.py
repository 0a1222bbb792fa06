"""Imports written in several chunks: one transaction still, duplicates across chunks."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from callcenter.clients.models import Client
from callcenter.imports.limits import UploadLimits
from tests.imports.support import INN_A, csv_bytes, run_file
from tests.imports.test_import_run import HEAD, _row


async def _clients(db_session: Any) -> list[Client]:
    db_session.expire_all()
    return list(await db_session.scalars(select(Client).order_by(Client.id)))


async def test_across_chunks_a_late_bad_row_still_writes_nothing(
    make_user: Any, database_url: str, db_session: Any, monkeypatch: Any
) -> None:
    """Chunks written before a bad row is found are rolled back with the rest."""
    from callcenter.imports import pipeline

    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 2)
    admin = await make_user("admin")
    rows = [HEAD] + [_row(f"Клиент {i}", f"+7 916 000-00-{i:02d}") for i in range(1, 8)]
    rows.append(_row("Плохой", "12"))
    job = await run_file(database_url, admin, csv_bytes(rows))
    assert job.state == "failed" and [b["line"] for b in job.bad_rows] == [9]
    assert await _clients(db_session) == []


async def test_across_chunks_duplicates_update_and_a_late_company_row_fills_its_company(
    make_user: Any, database_url: str, db_session: Any, monkeypatch: Any
) -> None:
    from callcenter.imports import pipeline

    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 2)
    admin = await make_user("admin")
    rows = [
        HEAD,
        _row("Петров", "+7 916 000-00-01", company="ООО Альфа"),
        _row("Сидоров", "+7 916 000-00-02", company="ООО Альфа"),
        _row("Петров Пётр", "+7 916 000-00-01", email="petrov@example.ru"),  # chunk 2
        _row("ООО Альфа", "+7 495 000-00-01", INN_A),  # after the people naming it
    ]
    job = await run_file(database_url, admin, csv_bytes(rows), policy={"phone": "update"})
    assert (job.state, job.created_count, job.updated_count) == ("done", 3, 2)
    clients = {c.name: c for c in await _clients(db_session)}
    assert set(clients) == {"Петров Пётр", "Сидоров", "ООО Альфа"}
    alpha = clients["ООО Альфа"]
    assert alpha.inn == INN_A and alpha.kind == "company"
    assert clients["Петров Пётр"].company_id == alpha.id == clients["Сидоров"].company_id


async def test_stopping_the_server_mid_import_fails_it_with_nothing_written(
    make_user: Any, database_url: str, db_session: Any, monkeypatch: Any
) -> None:
    """The app cancels running imports on shutdown: the data rolls back, the import fails."""
    import asyncio

    from callcenter.db import make_engine, make_sessionmaker
    from callcenter.imports import pipeline
    from callcenter.imports.client_writer import ClientWriter
    from callcenter.imports.models import Import
    from callcenter.imports.run import run_import
    from callcenter.imports.service import configure_import, create_import

    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 10)
    first_chunk_written = asyncio.Event()
    write = ClientWriter.write

    async def write_then_signal(self: ClientWriter, records: list[Any]) -> None:
        await write(self, records)
        first_chunk_written.set()
        await asyncio.sleep(3600)  # the server stops while the import is running

    monkeypatch.setattr(ClientWriter, "write", write_then_signal)
    manager = await make_user("manager")
    rows = [HEAD] + [
        _row(f"Клиент {i}", f"+7 916 000-{i // 100:02d}-{i % 100:02d}") for i in range(50)
    ]
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        actor = await session.get(type(manager), manager.id)
        job = await create_import(
            session,
            actor=actor,
            target="clients",
            file_name="a.csv",
            content=csv_bytes(rows),
            limits=UploadLimits(),
        )
        await configure_import(
            session,
            import_id=job.id,
            actor=actor,
            mapping=job.mapping,
            policy={},
            skip_bad_rows=False,
        )
    running = asyncio.create_task(
        run_import(sessionmaker, job.id, region="RU", limits=UploadLimits())
    )
    await asyncio.wait_for(first_chunk_written.wait(), 10)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    await engine.dispose()
    assert await _clients(db_session) == []
    stopped = await db_session.get(Import, job.id)
    assert stopped.state == "failed" and "interrupted" in stopped.error
