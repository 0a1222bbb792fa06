"""The parts a chaos test breaks: a PostgreSQL of its own to stop and start, and the PBX
listener led as in production (leadership, term fence, outage grace), over the simulator."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from ami.listener import PbxListener
from callcenter.db import make_engine, make_sessionmaker
from callcenter.leadership import Leadership
from callcenter.migrate import upgrade
from tests.calls.test_listener import listener_for


class StoppablePostgres:
    """An embedded PostgreSQL in its own directory, which a test may stop and start again
    (the suite's shared one must stay up for every other test)."""

    def __init__(self, root: Path) -> None:
        import pgserver

        root.mkdir(parents=True, exist_ok=True)
        self.server = pgserver.get_server(root, cleanup_mode="delete")
        self.name = f"cc_chaos_{uuid.uuid4().hex[:8]}"
        self.server.psql(f'CREATE DATABASE "{self.name}";')
        self.url = self.server.get_uri(self.name)
        self.socket_dir = self.server.get_postmaster_info().socket_dir

    def stop(self) -> None:
        from pgserver import pg_ctl

        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user
        )

    def start(self) -> None:
        """Start it again on the same socket; an old postmaster may take a moment to go."""
        from pgserver._commands import POSTGRES_BIN_PATH

        pgdata = self.server.pgdata
        args = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w", "-o", '-h ""']
        args += ["-o", f"-k {self.socket_dir}", "-l", str(pgdata / "log"), "start"]
        for _ in range(20):
            done = subprocess.run(  # noqa: S603 - our own arguments
                args, user=self.server.system_user, capture_output=True, text=True, check=False
            )
            if done.returncode == 0:
                return
            time.sleep(0.5)
        raise RuntimeError(f"PostgreSQL did not start: {done.stdout} {done.stderr}")

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            self.server.cleanup()


async def migrated(pg: StoppablePostgres) -> str:
    await asyncio.to_thread(upgrade, pg.url)
    return pg.url


def led_listener(port: int, url: str, *, grace_s: float = 120.0) -> tuple[Any, Any, Leadership]:
    """(listener, engine, leadership) wired as web/pbx.py and python -m ami do."""
    engine = make_engine(url)
    leadership = Leadership(url, "pbx:default", retry_s=0.2, check_s=0.2, outage_grace_s=grace_s)
    listener = listener_for(port, make_sessionmaker(engine), fence=leadership.fence)
    return listener, engine, leadership


@asynccontextmanager
async def leading(
    listener: PbxListener, leadership: Leadership
) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(leadership.run(listener.run))
    try:
        async with asyncio.timeout(15):
            while not (leadership.leading and listener.link.connected):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def calls_by_linkedid(engine: Any) -> dict[str, dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT linkedid, outcome, started_at, answered_at, ended_at, talk_seconds "
                "FROM calls"
            )
        )
        return {row.linkedid: dict(row._mapping) for row in rows}


async def wait_ended(engine: Any, linkedids: list[str], within: float = 30.0) -> dict[str, Any]:
    """Wait until every call is stored as ended; returns all calls by linkedid."""
    async with asyncio.timeout(within):
        while True:
            try:
                calls = await calls_by_linkedid(engine)
            except Exception:  # the database may still be coming back
                calls = {}
            if all(calls.get(x, {}).get("ended_at") is not None for x in linkedids):
                return calls
            await asyncio.sleep(0.2)
