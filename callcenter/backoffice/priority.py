"""Lower CPU priority for back-office work: this process, and the database backend serving it.

PostgreSQL runs one OS process per connection, so a connection's queries can be given a lower
CPU priority by renicing its backend (what the ``prioritize`` extension does from inside). That
is only possible, and only safe, when the backend is on this machine, in this PID namespace and
ours to renice: the server is reached over a Unix socket or loopback, the PID it reports is a
``postgres`` process here, and the kernel lets us. Anywhere else it is skipped, once logged.
A reniced backend also plans without parallel workers: those are processes of their own,
started by the postmaster at its priority, so a low-priority query spread over them would
run at the floor's.

Under the kernel's autogroup scheduling (``kernel.sched_autogroup_enabled``, on by default in
most distributions' kernels for processes outside a CPU cgroup) a nice value weighs only
against the processes of the same session, and every PostgreSQL backend leads a session of its
own (it calls ``setsid``): there the backend's nice alone changes nothing, and one busy
back-office backend gets as much CPU as the whole app with its floor. So the backend's
autogroup is given the niceness as well (``/proc/<pid>/autogroup``), when the backend leads
its session alone and no other process would be reniced with it.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)
BACKEND_QUERY = "SELECT pg_backend_pid(), host(inet_server_addr())"
NO_PARALLEL_WORKERS = "SET max_parallel_workers_per_gather = 0"
# unprivileged, the kernel takes one autogroup change in 100 ms for the whole machine
AUTOGROUP_TRIES, AUTOGROUP_WAIT_S = 5, 0.11


def lower_own_priority(niceness: int) -> None:
    """This process (and what it starts) to ``niceness``, if that is lower than it runs at.
    Under autogroups it first leaves the session it was started in (the web process's and
    the PBX listener's, the floor's): a niceness weighs only within a session, so in theirs
    a busy back-office process would still take their session's share of the CPU from
    them. Its own session is then given the niceness. Called only in a process of the back
    office's own (a job's child, an upload reader), which its parent watches and stops."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    pid = os.getpid()
    if niceness <= 0 or autogroup_niceness(pid) is None or os.getsid(0) == pid:
        return
    try:
        os.setsid()
    except OSError:  # a process group's leader cannot: it keeps its session and its nice
        return
    for _ in range(AUTOGROUP_TRIES):
        if lower_autogroup(pid, niceness):
            return
        time.sleep(AUTOGROUP_WAIT_S)  # the kernel's rate limit: this process has nothing else


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


def autogroup_niceness(pid: int, proc: Path = Path("/proc")) -> int | None:
    """The niceness of the autogroup of ``pid`` (None without autogroups here)."""
    try:  # "/autogroup-12 nice 0"
        return int((proc / str(pid) / "autogroup").read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        return None


def lower_autogroup(pid: int, niceness: int, proc: Path = Path("/proc")) -> bool:
    """Give the autogroup of ``pid`` the niceness, if ``pid`` leads its session (as a
    PostgreSQL backend does) and the group runs above it. False only when the kernel asks to
    try again later (its rate limit); True when done or nothing to do (no autogroups here, or
    a process that shares its session: that one is left as it is)."""
    try:
        fields = (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        leads = int(fields[3]) == pid  # state, parent, group, then the session
    except (OSError, ValueError, IndexError):
        return True
    current = autogroup_niceness(pid, proc)
    if not leads or current is None or current >= niceness:
        return True
    try:
        (proc / str(pid) / "autogroup").write_text(str(niceness))
    except OSError as exc:
        return exc.errno != errno.EAGAIN
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
            for _ in range(AUTOGROUP_TRIES):
                if lower_autogroup(row[0], niceness):
                    break
                dbapi_connection.run_async(lambda _conn: asyncio.sleep(AUTOGROUP_WAIT_S))
            dbapi_connection.run_async(lambda conn: conn.execute(NO_PARALLEL_WORKERS))
