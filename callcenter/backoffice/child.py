"""``python -m callcenter.backoffice.child``: one back-office job in a process of its own.

The parent (``process.py``) writes the pickled ``Spec`` to standard input and reads framed
output (``frames.py``) from standard output. The job runs at the spec's lower CPU priority,
with its database backends reniced to match; SIGTERM cancels it (an import then records
itself as interrupted), and the exit status says whether it ran to its end.
"""

from __future__ import annotations

import asyncio
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


class Job(Protocol):
    """A picklable piece of back-office work; what it writes to ``out`` reaches the parent."""

    async def __call__(self, sessionmaker: async_sessionmaker, out: Output) -> None: ...


@dataclass(frozen=True)
class Spec:
    database_url: str
    niceness: int
    log_level: str
    job: Any  # a Job


async def _run(spec: Spec, out: Output) -> None:
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    engine = make_engine(spec.database_url, pool_size=2, pool_pre_ping=False)
    lower_backend_priority(engine, spec.niceness)
    try:
        await spec.job(make_sessionmaker(engine), out)
    except DomainError as exc:
        out.error(exc)
    finally:
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
