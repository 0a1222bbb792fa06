"""Revision 0028 applies on a live database that already holds calls placed twice: it gives
up all but each user's newest, then the index holds one call being placed per user."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from callcenter.db import make_engine, make_sessionmaker
from callcenter.migrate import alembic_config
from tests.conftest import with_database

ROWS = [  # user, state, progress: oldest first
    ("anna", "queued", ""),
    ("anna", "done", "ringing_you"),
    ("anna", "done", "connected"),  # talking: not being placed
    ("anna", "sending", ""),  # anna's newest call being placed: kept
    ("boris", "done", "calling_customer"),  # boris's only one: kept
    ("boris", "failed", "failed"),
]


@pytest.fixture
async def at_0027(database_url: str) -> AsyncIterator[str]:
    """A database of its own, migrated to the revision before this one."""
    name = f"cc_mig_{uuid.uuid4().hex[:10]}"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = with_database(database_url, name)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0027")
    yield url
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def _seed(url: str) -> dict[str, int]:
    engine = make_engine(url)
    async with make_sessionmaker(engine).begin() as session:
        # users as the schema of 0027 has them (today's model has columns added later)
        users = {
            login: await session.scalar(
                text(
                    "INSERT INTO users (login, full_name, password_hash, role, language,"
                    " timezone, sees_all_clients, active, failed_logins, is_demo) VALUES"
                    " (:login, :login, 'x', 'operator', 'en', 'UTC', false, true, 0, false)"
                    " RETURNING id"
                ),
                {"login": login},
            )
            for login in ("anna", "boris")
        }
        for n, (login, state, progress) in enumerate(ROWS):
            await session.execute(
                text(
                    "INSERT INTO pbx_commands (pbx, kind, payload, state, message, progress,"
                    " linkedid, user_id, created_at) VALUES ('default', 'originate', '{}',"
                    " :state, '', :progress, :linkedid, :user_id, now() - :age * interval '1 s')"
                ),
                {
                    "state": state,
                    "progress": progress,
                    "linkedid": f"crm-c2c-{n}",
                    "user_id": users[login],
                    "age": 100 - n,
                },
            )
    await engine.dispose()
    return users


async def test_calls_placed_twice_before_the_migration_are_resolved(at_0027: str) -> None:
    users = await _seed(at_0027)
    await asyncio.to_thread(command.upgrade, alembic_config(at_0027), "0028")
    engine = make_engine(at_0027)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT linkedid, state, progress, message FROM pbx_commands ORDER BY id")
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("crm-c2c-0", "failed", "failed", "given_up"),
        ("crm-c2c-1", "done", "failed", "given_up"),
        ("crm-c2c-2", "done", "connected", ""),
        ("crm-c2c-3", "sending", "", ""),
        ("crm-c2c-4", "done", "calling_customer", ""),
        ("crm-c2c-5", "failed", "failed", ""),
    ]
    with pytest.raises(IntegrityError, match="uq_pbx_commands_one_dial_per_user"):
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO pbx_commands (pbx, kind, payload, state, message, progress,"
                    " linkedid, user_id) VALUES ('default', 'originate', '{}', 'queued', '', '',"
                    " 'crm-c2c-new', :user_id)"
                ),
                {"user_id": users["boris"]},
            )
    await engine.dispose()
    await asyncio.to_thread(command.downgrade, alembic_config(at_0027), "0027")  # and back
    await asyncio.to_thread(command.upgrade, alembic_config(at_0027), "head")
