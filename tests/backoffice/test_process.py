"""Back-office jobs in child processes: output streamed, errors carried, priority lowered,
a stopped or dead child handled."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg
import pytest

from callcenter.backoffice.priority import (
    BACKEND_QUERY,
    autogroup_niceness,
    is_local,
    is_postgres_here,
)
from callcenter.backoffice.process import BackOffice, JobFailed
from callcenter.errors import Conflict
from tests.backoffice.jobs import Pieces, Priorities, Sleeper


def _level(database_url: str) -> BackOffice:
    """Jobs at the tests' own priority."""
    return BackOffice(database_url, niceness=0, export_niceness=0)


async def _collect(back_office: BackOffice, job: object) -> list[bytes]:
    return [piece async for piece in back_office.stream(job)]  # type: ignore[arg-type]


async def test_pieces_arrive_in_order_whatever_their_size(database_url: str) -> None:
    back_office = _level(database_url)
    assert await _collect(back_office, Pieces(3, 5)) == [b"AAAAA", b"BBBBB", b"CCCCC"]
    big = await _collect(back_office, Pieces(2, 1_000_000))  # beyond the pipe's buffer
    assert [len(p) for p in big] == [1_000_000, 1_000_000]
    assert await _collect(back_office, Pieces(0)) == []


async def test_a_domain_error_in_the_child_is_raised_in_the_parent_as_it_was(
    database_url: str,
) -> None:
    back_office = _level(database_url)
    got: list[bytes] = []
    with pytest.raises(Conflict) as raised:
        async for piece in back_office.stream(Pieces(2, fail=True)):
            got.append(piece)
    assert got == [b"A" * 10, b"B" * 10]
    assert raised.value.message == "Refused after %(n)s pieces"
    assert raised.value.params == {"n": "2"}


async def test_a_child_that_dies_is_a_failure_not_a_short_file(database_url: str) -> None:
    back_office = _level(database_url)
    with pytest.raises(JobFailed, match="status 3"):
        await _collect(back_office, Pieces(2, die=True))
    with pytest.raises(JobFailed):
        await back_office.run(Pieces(1, die=True))


async def test_the_child_and_its_database_backend_run_at_the_lower_priority(
    database_url: str, tmp_path: Path
) -> None:
    """The embedded PostgreSQL is on this machine: its backend is reniced with the child (a
    server elsewhere keeps its priority: nothing to change there). An import runs at the
    back office's niceness, an export lower still (never above an import). A reniced backend
    plans no parallel workers (they would run at the floor's priority)."""
    connection = await asyncpg.connect(database_url)
    try:
        pid, address = await connection.fetchrow(BACKEND_QUERY)
        here = is_local(address) and is_postgres_here(pid)
        before = os.getpriority(os.PRIO_PROCESS, pid) if here else None
    finally:
        await connection.close()
    parent = os.getpriority(os.PRIO_PROCESS, 0)
    back_office = BackOffice(database_url, niceness=7, export_niceness=12)
    said = (await _collect(back_office, Priorities()))[0].split()
    own, backend, workers, group, leads, own_group = map(int, said)
    assert own == max(12, parent)
    if here:
        assert before == 0 and backend == 12 and workers == 0
        assert group in (12, -1)  # its autogroup too, where the kernel has them
    # where the kernel has autogroups, the child leaves the floor's session for its own,
    # at its niceness (within the floor's it would take that session's share of the CPU)
    if autogroup_niceness(os.getpid()) is not None:
        assert leads == 1 and own_group == 12
    file = tmp_path / "import"
    await back_office.run(Priorities(str(file)))
    own, backend, workers, group, leads, own_group = map(int, file.read_text().split())
    assert own == max(7, parent)
    if here:
        assert backend == 7 and workers == 0 and group in (7, -1)
    # an export asked to run above the imports' priority runs at theirs
    above = BackOffice(database_url, niceness=7, export_niceness=3)
    assert int((await _collect(above, Priorities()))[0].split()[0]) == max(7, parent)
    level = _level(database_url)
    own, backend, workers, group, leads, _ = map(
        int, (await _collect(level, Priorities()))[0].split()
    )
    assert own == parent and leads == 0  # at the floor's priority: in its session
    if here:
        assert backend == 0 and workers > 0  # the server's own setting
        assert group in (0, -1)


async def test_leaving_a_stream_early_kills_its_child(database_url: str, tmp_path: Path) -> None:
    stream = _level(database_url).stream(Sleeper(str(tmp_path / "said")))
    pid = int(await anext(stream))
    os.kill(pid, 0)  # running
    await stream.aclose()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_a_cancelled_run_asks_its_child_to_stop_and_waits_for_it(
    database_url: str, tmp_path: Path
) -> None:
    said = tmp_path / "said"
    run = asyncio.create_task(_level(database_url).run(Sleeper(str(said))))
    for _ in range(600):  # until the child has started its job
        await asyncio.sleep(0.05)
        if said.exists() or run.done():
            break
    assert said.read_text() == "ready"
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert said.read_text() == "interrupted"
