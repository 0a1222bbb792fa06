"""The embedded PostgreSQL (from the ``pgserver`` wheel) used when no database URL is set."""

from __future__ import annotations

import logging
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
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
        log.info("created database %s in the embedded PostgreSQL at %s", database, pgdata)
    return server, server.get_uri(database)
