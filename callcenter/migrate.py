"""Apply Alembic migrations and tell whether the database is current."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the schema to the newest revision (synchronous: run before the event loop)."""
    command.upgrade(alembic_config(url), "head")


@cache
def head_revision() -> str | None:
    """The newest revision among the migrations this code ships with. Reading them takes
    over 100 ms (every script is loaded) and /health asks on the event loop each time, so
    it is read once: the scripts of a running process do not change under it."""
    return ScriptDirectory.from_config(alembic_config("postgresql://x")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema's revision, as ``alembic_version`` holds it (None before the first
    migration). One plain statement: /health asks many times a second on a monitored site,
    and Alembic's ``MigrationContext`` set itself up anew on the event loop for each ask (a
    tenth of a busy web process's time under a 10/s probe). The history is linear, so the
    table has one row; with several (a branched history) there is no single current one."""
    async with engine.connect() as conn:
        exists = await conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
        if not exists:
            return None
        rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    if len(rows) > 1:
        raise RuntimeError(
            "the database has several Alembic heads: " + ", ".join(r[0] for r in rows)
        )
    return rows[0][0] if rows else None
