"""The parent's side: start a job's child process, read what it makes, stop it when asked."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import sys
from asyncio.subprocess import PIPE, Process
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from callcenter.backoffice.child import Job, Spec
from callcenter.backoffice.frames import ERROR, read_frame

log = logging.getLogger(__name__)
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # where ``callcenter`` is importable from
STOP_GRACE_SECONDS = 10.0


class JobFailed(Exception):
    """The child ended without finishing its job (killed, out of memory, a bug: see its log)."""


@dataclass(frozen=True)
class BackOffice:
    """Starts back-office jobs against ``database_url``: imports at ``niceness``, exports at
    ``export_niceness`` (0: the floor's own). An import goes before an export: its user
    watches its progress and nothing of it is usable until it ends, while an export's file
    streams to its user from the first row."""

    database_url: str
    niceness: int = 10
    log_level: str = "INFO"
    export_niceness: int = 19

    async def stream(self, job: Job) -> AsyncGenerator[bytes, None]:
        """The job's output piece by piece; its domain error is raised here. Leaving early
        (the client went away) kills the child: an export has nothing to put right."""
        child = await self._start(job, max(self.niceness, self.export_niceness))
        try:
            async for piece in _pieces(child):
                yield piece
            await _check_exit(child)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()

    async def run(self, job: Job) -> None:
        """Run the job to its end. Cancelled, the child is asked to stop (SIGTERM: it records
        that it was interrupted) and killed if it has not within the grace period."""
        child = await self._start(job, self.niceness)
        try:
            async for _ in _pieces(child):
                pass
            await _check_exit(child)
        except asyncio.CancelledError:
            await _stop(child)
            raise

    async def _start(self, job: Job, niceness: int) -> Process:
        spec = Spec(self.database_url, niceness, self.log_level, job, parent_pid=os.getpid())
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "callcenter.backoffice.child",
            stdin=PIPE,
            stdout=PIPE,
            env=_environment(),
        )
        assert child.stdin is not None
        child.stdin.write(pickle.dumps(spec))  # not argv: the URL may hold a password
        await child.stdin.drain()
        child.stdin.close()
        return child


async def _pieces(child: Process) -> AsyncIterator[bytes]:
    assert child.stdout is not None
    while (frame := await read_frame(child.stdout)) is not None:
        kind, payload = frame
        if kind == ERROR:
            raise pickle.loads(payload)  # noqa: S301 (a DomainError our own child raised)
        yield payload


async def _check_exit(child: Process) -> None:
    if (status := await child.wait()) != 0:
        raise JobFailed(f"the back-office process ended with status {status}")


async def _stop(child: Process) -> None:
    if child.returncode is not None:
        return
    child.terminate()
    try:
        await asyncio.wait_for(asyncio.shield(child.wait()), STOP_GRACE_SECONDS)
    except TimeoutError:
        log.warning("a back-office process did not stop within %.0f s: killed", STOP_GRACE_SECONDS)
        child.kill()
        await child.wait()


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    return env
