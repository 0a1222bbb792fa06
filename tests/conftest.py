"""Shared fixtures: a real PostgreSQL (embedded, or CALLCENTER_DATABASE_URL), the real app."""

from __future__ import annotations

import functools
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cli import _runtime_dir
from callcenter.db import Base, make_engine, make_sessionmaker
from callcenter.leadership import plain_url
from callcenter.migrate import upgrade
from callcenter.models import load_all
from callcenter.settings import Settings
from callcenter.users.models import User
from callcenter.users.service import UserInput, create_user
from web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + database))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database for this test run, migrated to the newest schema."""
    _runtime_dir()
    given = os.environ.get("CALLCENTER_DATABASE_URL")
    server: Any = None
    if given:
        base_url = given
    else:
        import pgserver

        (ROOT / "var").mkdir(exist_ok=True)
        server = pgserver.get_server(ROOT / "var" / "test-pg", cleanup_mode="stop")
        base_url = server.get_uri("postgres")
    name = f"cc_test_{uuid.uuid4().hex[:10]}"
    _admin(base_url, f'CREATE DATABASE "{name}"')
    # a test's data need not survive a crash: commits and truncations wait for no disk
    _admin(base_url, f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    if server is not None:  # the embedded server is the tests' own
        _admin(base_url, "ALTER SYSTEM SET fsync = off")
        _admin(base_url, "ALTER SYSTEM SET full_page_writes = off")
        _admin(base_url, "SELECT pg_reload_conf()")
    url = with_database(base_url, name)
    upgrade(url)
    yield url
    _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    del server


def _admin(url: str, sql: str) -> None:
    import asyncio

    async def run() -> None:
        engine = make_engine(url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(run())


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="test-secret",
        pbx="off",  # tests that need the PBX start the simulator themselves
        login_max_failures=3,
        login_lockout_seconds=600,
        # no periodic jobs unless a test asks for them: each app would otherwise refresh
        # every report rollup as it starts (a tenth of the suite's time)
        reminder_check_seconds=0,
        report_refresh_seconds=0,
        webhook_check_seconds=0,
        # a test that sends mailings runs the sender itself, at a time it chooses; the app's
        # own job, every 2 s on the real clock, sent a paused-then-resumed mailing's letters
        # before the test could cancel it (tests/mailings/test_pages.py, once in a while)
        mailing_check_seconds=0,
    )


@functools.cache
def _used_tables_query() -> str:
    """Which of the app's tables hold a row: one cheap statement over all of them."""
    load_all()
    return " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT FROM \"{t.name}\")"
        for t in Base.metadata.sorted_tables
    )


# every sequence a test moved starts again (a rolled-back insert moves one too)
RESET_SEQUENCES = (
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
    "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


@pytest.fixture
async def clean_db(database_url: str) -> AsyncIterator[None]:
    """Every table empty and every id from 1. Only the tables holding rows are truncated:
    truncating all hundred of them before each test took a third of the suite's time."""
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        used = ", ".join(f'"{row[0]}"' for row in await conn.fetch(_used_tables_query()))
        if used:
            await conn.execute(f"TRUNCATE {used} CASCADE")
        await conn.execute(RESET_SEQUENCES)
    finally:
        await conn.close()
    yield


@pytest.fixture
async def db_session(database_url: str, clean_db: None) -> AsyncIterator[AsyncSession]:
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


@pytest.fixture
def app(settings: Settings, clean_db: None) -> Any:
    return create_app(settings)


@pytest.fixture
async def client(aiohttp_client: Any, app: Any) -> Any:
    return await aiohttp_client(app)


@pytest.fixture
def make_user(database_url: str, clean_db: None) -> Any:
    """Create a user straight in the database: ``await make_user("manager", login="m1")``."""

    async def make(role: str, **fields: Any) -> User:
        fields.setdefault("login", f"{role}{uuid.uuid4().hex[:6]}")
        fields.setdefault("password", PASSWORD)
        fields.setdefault("language", "en")
        engine = make_engine(database_url)
        async with make_sessionmaker(engine).begin() as session:
            user = await create_user(session, data=UserInput(role=role, **fields))
        await engine.dispose()
        return user

    return make


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


async def csrf_of(client: Any, path: str = "/login") -> str:
    response = await client.get(path)
    match = CSRF_RE.search(await response.text())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def sign_in(client: Any, user: User, password: str = PASSWORD) -> str:
    """Sign ``user`` in through the real form; returns the session's CSRF token."""
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={"login": user.login, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status == 302, await response.text()
    return await csrf_of(client, "/profile")


@pytest.fixture
def signed_in(client: Any, make_user: Any) -> Any:
    """``client, user, csrf = await signed_in("manager")``."""

    async def go(role: str, **fields: Any) -> tuple[Any, User, str]:
        user = await make_user(role, **fields)
        return client, user, await sign_in(client, user)

    return go


@pytest.fixture
def api_as(client: Any, make_user: Any, database_url: str) -> Any:
    """``client, user = await api_as("supervisor")``: the test client with a Bearer token."""
    from callcenter.users.service import get_user
    from callcenter.users.tokens import create_token

    async def go(role: str, **fields: Any) -> tuple[Any, User]:
        user = await make_user(role, **fields)
        engine = make_engine(database_url)
        async with make_sessionmaker(engine).begin() as session:
            token = await create_token(session, user=await get_user(session, user.id))
        await engine.dispose()
        client.session.headers["Authorization"] = f"Bearer {token}"
        return client, user

    return go
