"""Jobs the back-office tests run in child processes (a child imports them by name)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from callcenter.backoffice.frames import Output
from callcenter.backoffice.priority import autogroup_niceness
from callcenter.errors import Conflict


def own_session() -> tuple[int, int]:
    """Whether this process leads its session (1 or 0), and its autogroup's niceness (-1: no
    autogroups here)."""
    group = autogroup_niceness(os.getpid())
    return int(os.getsid(0) == os.getpid()), -1 if group is None else group


def reader_priority() -> tuple[int, int, int]:
    """An upload reader's niceness, then ``own_session``."""
    return (os.getpriority(os.PRIO_PROCESS, 0), *own_session())


@dataclass(frozen=True)
class Priorities:
    """Writes this process's niceness, its database backend's, the backend's parallel
    workers per query and its autogroup's niceness (-1: no autogroups here), then whether
    this process leads its session (1 or 0) and its own autogroup's niceness, as ``own
    backend workers group leads own_group``, to its output (and to the file ``path``,
    for a job whose output nobody reads)."""

    path: str = ""

    async def __call__(self, sessionmaker: async_sessionmaker, out: Output) -> None:
        async with sessionmaker() as session:
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
            workers = await session.scalar(text("SHOW max_parallel_workers_per_gather"))
        backend = os.getpriority(os.PRIO_PROCESS, pid)
        group = autogroup_niceness(pid)
        group = -1 if group is None else group
        said = f"{os.getpriority(os.PRIO_PROCESS, 0)} {backend} {workers} {group}"
        said += " " + " ".join(str(n) for n in own_session())
        out.write(said.encode())
        if self.path:
            Path(self.path).write_text(said)  # noqa: ASYNC240 - a few bytes, in a test job


@dataclass(frozen=True)
class Pieces:
    """``count`` pieces of ``size`` bytes, then a Conflict if ``fail``, or a crash if ``die``."""

    count: int
    size: int = 10
    fail: bool = False
    die: bool = False

    async def __call__(self, sessionmaker: async_sessionmaker, out: Output) -> None:
        for i in range(self.count):
            out.write(bytes([65 + i % 26]) * self.size)
        if self.fail:
            raise Conflict("Refused after %(n)s pieces", params={"n": str(self.count)})
        if self.die:
            os._exit(3)


@dataclass(frozen=True)
class Sleeper:
    """Writes its pid (and ``path`` says "ready"), then records in ``path`` whether it was
    stopped politely."""

    path: str

    async def __call__(self, sessionmaker: async_sessionmaker, out: Output) -> None:
        import asyncio

        out.write(str(os.getpid()).encode())
        Path(self.path).write_text("ready")  # noqa: ASYNC240 (a few bytes, in a test)
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            Path(self.path).write_text("interrupted")  # noqa: ASYNC240
            raise
