"""Import and export at scale: 100,000 clients in from XLSX, 1,000,000 clients out as XLSX and CSV.

Prints the time, rows/s and the process's peak resident memory during each phase:
- import: an XLSX of 100,000 clients (name, phone, e-mail, INN for companies, tags, note,
  address) made with openpyxl, run as the app runs it (upload, confirm the guessed mapping,
  read + check in a worker thread, COPY in one transaction), into a base of clients already
  holding some of the numbers, with the phone policy ``update``;
- export: the same base filled up to 1,000,000 clients, streamed through the exporter the
  export URL sends (server-side cursor -> XLSX / CSV writer), to a file under /tmp.

    .venv/bin/python bench/import_export.py [--import-rows 100000] [--export-rows 1000000]
        [--base-rows N]  (the import into a base of N clients; --export-rows 0: no export)

Uses CALLCENTER_DATABASE_URL when set, else the embedded PostgreSQL under var/bench-pg.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import platform
import random
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from sqlalchemy import select  # noqa: E402

from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.clients.search import ClientQuery  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.demo import COMPANY, FIRST, LAST  # noqa: E402
from callcenter.exports.stream import export_list, export_rows  # noqa: E402
from callcenter.imports.limits import UploadLimits  # noqa: E402
from callcenter.imports.models import Import  # noqa: E402
from callcenter.imports.run import run_import  # noqa: E402
from callcenter.imports.service import configure_import, create_import  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.users.models import User  # noqa: E402

DATABASE = "cc_bench_io"
INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


class PeakMemory:
    """The process's resident memory, sampled every 20 ms while a phase runs."""

    def __init__(self) -> None:
        self.peak = self.start = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    def __str__(self) -> str:
        mib = 1024 * 1024
        return f"peak RSS {self.peak / mib:,.0f} MiB (+{(self.peak - self.start) / mib:,.0f} MiB)"


def inn10(i: int) -> str:
    digits = f"77{i % 10_000_000:07d}"
    check = sum(int(d) * w for d, w in zip(digits, INN10_WEIGHTS, strict=True)) % 11 % 10
    return digits + str(check)


def phone_of(i: int) -> str:
    return f"+7916{i % 10_000_000:07d}"  # every +7 916 number is a valid mobile one


def name_of(i: int, rng: random.Random) -> tuple[str, str]:
    if i % 10 == 0:
        return "company", f"ООО «{rng.choice(COMPANY)} {i}»"
    last, first = rng.choice(LAST), rng.choice(FIRST)
    if first.endswith(("а", "я")):
        last += "а"
    return "person", f"{last} {first} {i}"


def import_workbook(rows: int, first_id: int) -> bytes:
    """What a manager brings: Russian headers, phones typed as people type them."""
    rng = random.Random(5)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Клиенты")
    sheet.append(["ФИО", "Телефон", "E-mail", "ИНН", "Теги", "Примечание", "Адрес"])
    for i in range(first_id, first_id + rows):
        kind, name = name_of(i, rng)
        e164 = phone_of(i)
        typed = f"8 ({e164[2:5]}) {e164[5:8]}-{e164[8:10]}-{e164[10:]}"
        sheet.append(
            [
                name,
                typed,
                f"client{i}@example.ru",
                inn10(i) if kind == "company" else "",
                rng.choice(["vip", "опт", "розница", ""]),
                "с выставки" if i % 7 == 0 else "",
                f"Москва, ул. Тверская, д. {i % 200 + 1}",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def fill(conn: asyncpg.Connection, upto: int) -> None:
    """Clients (with a phone and an e-mail each) up to ``upto``, by COPY."""
    have = await conn.fetchval("SELECT coalesce(max(id), 0) FROM clients")
    if have >= upto:
        return
    rng = random.Random(42)
    started = time.perf_counter()
    for start in range(have + 1, upto + 1, 100_000):
        ids = range(start, min(start + 100_000, upto + 1))
        names = [name_of(i, rng) for i in ids]
        await conn.copy_records_to_table(
            "clients",
            records=[
                (i, k, n, "", "", "", "", False) for i, (k, n) in zip(ids, names, strict=True)
            ],
            columns=[
                "id",
                "kind",
                "name",
                "legal_address",
                "postal_address",
                "bank_name",
                "notes",
                "is_demo",
            ],
        )
        await conn.copy_records_to_table(
            "client_phones",
            records=[(i, phone_of(i), phone_of(i), "", "mobile", 0) for i in ids],
            columns=["client_id", "number", "e164", "extension", "kind", "position"],
        )
        await conn.copy_records_to_table(
            "client_emails",
            records=[(i, f"client{i}@example.ru", 0) for i in ids],
            columns=["client_id", "email", "position"],
        )
    await conn.execute("SELECT setval('clients_id_seq', (SELECT max(id) FROM clients))")
    await conn.execute("VACUUM ANALYZE clients, client_phones, client_emails")
    print(f"filled clients {have + 1:,}..{upto:,} by COPY in {time.perf_counter() - started:.1f} s")


async def bench_import(url: str, rows: int, base_rows: int = 0) -> None:
    """``rows`` imported into a base of ``base_rows`` clients (at least a tenth of ``rows``):
    a tenth of the file's numbers are already known, and those rows update their client."""
    conn = await asyncpg.connect(url)
    await conn.execute(
        "TRUNCATE clients, client_phones, client_emails, imports RESTART IDENTITY CASCADE"
    )
    base_rows = max(base_rows, rows // 10)
    await fill(conn, base_rows)
    admin_id = await conn.fetchval(
        "INSERT INTO users (login, full_name, password_hash, role, language, timezone, "
        "sees_all_clients, active, session_version, is_demo) VALUES ('bench', 'Bench', 'x', "
        "'admin', 'ru', 'Europe/Moscow', true, true, 0, false) ON CONFLICT (login) DO UPDATE "
        "SET role = 'admin' RETURNING id"
    )
    await conn.close()
    started = time.perf_counter()
    content = import_workbook(rows, first_id=base_rows - rows // 10 + 1)
    print(
        f"made the XLSX to import: {rows:,} rows, {len(content) / 1024 / 1024:.1f} MiB, "
        f"in {time.perf_counter() - started:.1f} s"
    )
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    with PeakMemory() as memory:
        started = time.perf_counter()
        async with sessionmaker.begin() as session:
            actor = await session.get(User, admin_id)
            job = await create_import(
                session,
                actor=actor,
                target="clients",
                file_name="bench.xlsx",
                content=content,
                limits=UploadLimits(),
            )
            await configure_import(
                session,
                import_id=job.id,
                actor=actor,
                mapping=job.mapping,
                policy={"phone": "update", "email": "update"},
                skip_bad_rows=False,
            )
        uploaded = time.perf_counter() - started
        await run_import(sessionmaker, job.id, region="RU", limits=UploadLimits())
        took = time.perf_counter() - started
    async with sessionmaker() as session:
        done = await session.get(Import, job.id)
        assert done is not None and done.state == "done", (
            done.state,
            done.error,
            done.bad_rows[:3],
        )
    await engine.dispose()
    print(
        f"import of {rows:,} rows from XLSX: {took:.1f} s ({rows / took:,.0f} rows/s; upload and "
        f"mapping {uploaded:.1f} s), created {done.created_count:,}, updated "
        f"{done.updated_count:,}; {memory}"
    )


async def bench_export(url: str, rows: int, file_format: str, folder: Path) -> None:
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    target = folder / f"clients.{file_format}"
    async with sessionmaker() as session:
        actor = await session.scalar(select(User).where(User.login == "bench"))
        with PeakMemory() as memory, target.open("wb") as out:
            started = time.perf_counter()
            size = 0
            async for piece in export_rows(
                session,
                export_list("clients"),
                ClientQuery(sort="name"),
                file_format=file_format,
                actor=actor,
                region="RU",
                language="ru",
                timezone="Europe/Moscow",
                gettext=lambda text: text,
            ):
                out.write(piece)
                size += len(piece)
            took = time.perf_counter() - started
    await engine.dispose()
    if file_format == "xlsx":
        with zipfile.ZipFile(target) as archive:
            assert archive.testzip() is None
    else:
        with target.open("rb") as csv_file:
            lines = sum(1 for _line in csv_file)
        assert lines == rows + 1, (lines, rows)
    target.unlink()
    print(
        f"export of {rows:,} clients to {file_format.upper()}: {took:.1f} s "
        f"({rows / took:,.0f} rows/s), {size / 1024 / 1024:,.0f} MiB; {memory}"
    )


async def main_async(url: str, args: argparse.Namespace) -> None:
    await bench_import(url, args.import_rows, args.base_rows)
    if not args.export_rows:
        return
    conn = await asyncpg.connect(url)
    await fill(conn, args.export_rows)
    await conn.close()
    with tempfile.TemporaryDirectory() as folder:
        for file_format in ("csv", "xlsx"):
            await bench_export(url, args.export_rows, file_format, Path(folder))


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="  %(message)s")
    logging.getLogger("callcenter.imports").setLevel(logging.INFO)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--base-rows", type=int, default=0,
        help="clients in the base before the import (default a tenth of --import-rows)",
    )  # fmt: skip
    args = parser.parse_args()
    _runtime_dir()
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    server = None
    base = os.environ.get("CALLCENTER_DATABASE_URL")
    if not base:
        import pgserver

        Path("var").mkdir(exist_ok=True)
        server = pgserver.get_server(Path("var/bench-pg").resolve(), cleanup_mode="stop")
        base = server.get_uri("postgres")
    url = urlunsplit(urlsplit(base)._replace(path="/" + DATABASE))

    async def ensure_db() -> None:
        conn = await asyncpg.connect(base)
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await conn.execute(f'CREATE DATABASE "{DATABASE}"')
        await conn.close()

    asyncio.run(ensure_db())
    upgrade(url)
    asyncio.run(main_async(url, args))
    del server


if __name__ == "__main__":
    main()
