"""``python -m callcenter.backoffice.child``: one back-office job in a process of its own.

The parent (``process.py``) writes the pickled ``Spec`` to standard input and reads framed
output (``frames.py``) from standard output. The job runs at the spec's lower CPU priority,
with its database backends reniced to match; SIGTERM cancels it (an import then records
itself as interrupted), and the exit status says whether it ran to its end.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import sys
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker

from callcenter.backoffice.frames import Output
from callcenter.backoffice.priority import lower_backend_priority, lower_own_priority
from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import DomainError

log = logging.getLogger(__name__)


class Job(Protocol):
    """A picklable piece of back-office work; what it writes to ``out`` reaches the parent."""

    async def __call__(self, sessionmaker: async_sessionmaker, out: Output) -> None: ...


PARENT_CHECK_S = 1.0  # how often a job looks whether the process that started it is there


@dataclass(frozen=True)
class Spec:
    database_url: str
    niceness: int
    log_level: str
    job: Any  # a Job
    parent_pid: int = 0  # the web process that started the job (0: not watched)


async def _orphaned(parent_pid: int, task: asyncio.Task[Any]) -> None:
    """Cancel the job, as SIGTERM does, once the process that started it is gone (killed
    with SIGKILL, it could not stop its children): an import it started is marked failed
    by the next start and must not go on writing, and the rollups' endless job would live
    on beside its successor's."""
    while True:  # no event says a parent died: its child is handed to another (getppid)
        await asyncio.sleep(PARENT_CHECK_S)
        if os.getppid() != parent_pid:
            break
    log.warning("back office: the process that started this job is gone; stopping the job")
    task.cancel()


async def _run(spec: Spec, out: Output) -> None:
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    watch = asyncio.create_task(_orphaned(spec.parent_pid, task)) if spec.parent_pid else None
    engine = make_engine(spec.database_url, pool_size=2, pool_pre_ping=False)
    lower_backend_priority(engine, spec.niceness)
    try:
        await spec.job(make_sessionmaker(engine), out)
    except DomainError as exc:
        out.error(exc)
    finally:
        if watch is not None:
            watch.cancel()
        await engine.dispose()


def main() -> int:
    from callcenter.cli import configure_logging

    spec: Spec = pickle.load(sys.stdin.buffer)  # noqa: S301 (from our parent, over a pipe)
    out = Output(sys.stdout.buffer)
    sys.stdout = sys.stderr  # nothing but frames on the parent's pipe
    configure_logging(spec.log_level)
    lower_own_priority(spec.niceness)
    try:
        asyncio.run(_run(spec, out))
    except (asyncio.CancelledError, KeyboardInterrupt, BrokenPipeError):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
