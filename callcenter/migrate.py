"""Apply Alembic migrations and tell whether the database is current."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
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
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
