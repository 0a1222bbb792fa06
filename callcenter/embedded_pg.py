"""The embedded PostgreSQL (from the ``pgserver`` wheel) used when no database URL is set."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DATABASE = "callcenter"


def start_embedded(data_dir: Path, database: str = DATABASE) -> tuple[Any, str]:
    """Start (or attach to) PostgreSQL with its data under ``data_dir/pg``.

    Returns the server handle (keep it referenced: it stops the server when the last process
    using it exits) and a URL for ``database``, created if missing.
    """
    import pgserver

    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    forget_dead_handles(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
        log.info("created database %s in the embedded PostgreSQL at %s", database, pgdata)
    return server, server.get_uri(database)


def forget_dead_handles(pgdata: Path) -> None:
    """pgserver stops the server when the last process holding it exits, and counts them in
    ``.handle_pids.json``; a process killed outright (SIGKILL, a crash) stays in it for ever,
    and then no later process stops the server at all. Forget those before attaching."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except FileNotFoundError:
        return  # a first start
    except (OSError, ValueError):
        pids = None
    if not isinstance(pids, list):  # unreadable: pgserver would refuse to start on it
        log.warning("embedded PostgreSQL: %s was unreadable, reset", handles)
        pids = [None]
    alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
    if alive != pids:
        gone = len(pids) - len(alive)
        log.info("embedded PostgreSQL: forgetting %d handles of processes gone", gone)
        with contextlib.suppress(OSError):
            handles.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    return True
