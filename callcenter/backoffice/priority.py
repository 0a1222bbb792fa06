"""Lower CPU priority for back-office work: this process, and the database backend serving it.

PostgreSQL runs one OS process per connection, so a connection's queries can be given a lower
CPU priority by renicing its backend (what the ``prioritize`` extension does from inside). That
is only possible, and only safe, when the backend is on this machine, in this PID namespace and
ours to renice: the server is reached over a Unix socket or loopback, the PID it reports is a
``postgres`` process here, and the kernel lets us. Anywhere else it is skipped, once logged.
A reniced backend also plans without parallel workers: those are processes of their own,
started by the postmaster at its priority, so a low-priority query spread over them would
run at the floor's.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)
BACKEND_QUERY = "SELECT pg_backend_pid(), host(inet_server_addr())"
NO_PARALLEL_WORKERS = "SET max_parallel_workers_per_gather = 0"


def lower_own_priority(niceness: int) -> None:
    """This process (and what it starts) to ``niceness``, if that is lower than it runs at."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)


def is_local(server_address: str | None) -> bool:
    """A Unix socket (no address) or a loopback address: the server runs on this machine."""
    if not server_address:
        return True
    try:
        return ipaddress.ip_address(server_address).is_loopback
    except ValueError:
        return False


def is_postgres_here(pid: int, proc: Path = Path("/proc")) -> bool:
    """``pid`` names a PostgreSQL process in this PID namespace (not another's same number)."""
    try:
        name = (proc / str(pid) / "comm").read_text().strip()
    except OSError:
        return False
    return name.startswith("postgres")


def renice_backend(pid: int, server_address: str | None, niceness: int) -> bool:
    """Give the backend ``pid`` the niceness, when it is provably ours to change."""
    if not (is_local(server_address) and is_postgres_here(pid)):
        log.info("the database runs elsewhere: its back-office backends keep their priority")
        return False
    try:
        if os.getpriority(os.PRIO_PROCESS, pid) < niceness:
            os.setpriority(os.PRIO_PROCESS, pid, niceness)
    except OSError as exc:
        log.info("cannot lower the priority of database backend %d: %s", pid, exc.strerror)
        return False
    return True


def lower_backend_priority(engine: AsyncEngine, niceness: int) -> None:
    """Every connection ``engine`` opens gets its backend reniced to ``niceness`` (and, once
    reniced, no parallel workers)."""
    if niceness <= 0:
        return

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        row = dbapi_connection.run_async(lambda conn: conn.fetchrow(BACKEND_QUERY))
        if renice_backend(row[0], row[1], niceness):
            dbapi_connection.run_async(lambda conn: conn.execute(NO_PARALLEL_WORKERS))
