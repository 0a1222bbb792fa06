"""Only a backend provably on this machine and a PostgreSQL process is ever reniced."""

from __future__ import annotations

import os
from pathlib import Path

from callcenter.backoffice.priority import (
    autogroup_niceness,
    is_local,
    is_postgres_here,
    lower_autogroup,
    renice_backend,
)
from callcenter.imports.workers import READER_NICENESS, ReaderPool
from tests.backoffice.jobs import reader_priority


def test_only_a_unix_socket_or_loopback_is_this_machine() -> None:
    for here in (None, "", "127.0.0.1", "127.8.0.1", "::1"):
        assert is_local(here), here
    for elsewhere in ("10.0.0.5", "192.168.1.10", "2001:db8::1", "db.example.ru", "garbage"):
        assert not is_local(elsewhere), elsewhere


def test_a_pid_is_postgres_only_when_its_process_says_so(tmp_path: Path) -> None:
    (tmp_path / "41").mkdir()
    (tmp_path / "41" / "comm").write_text("postgres\n")
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "comm").write_text("python3\n")
    assert is_postgres_here(41, tmp_path)
    assert not is_postgres_here(42, tmp_path)
    assert not is_postgres_here(43, tmp_path)  # no such process here (another namespace's)


def test_a_process_that_is_not_postgres_is_never_reniced() -> None:
    """Our own pid stands for a backend number that happens to match a local process."""
    before = os.getpriority(os.PRIO_PROCESS, 0)
    assert not renice_backend(os.getpid(), None, 19)
    assert not renice_backend(os.getpid(), "10.1.2.3", 19)
    assert os.getpriority(os.PRIO_PROCESS, 0) == before


def fake_process(proc: Path, pid: int, session: int, group: str | None) -> None:
    (proc / str(pid)).mkdir()
    (proc / str(pid) / "stat").write_text(f"{pid} (postgres) S 1 {session} {session} 0 -1\n")
    if group is not None:
        (proc / str(pid) / "autogroup").write_text(group)


def test_a_backend_leading_its_session_gets_its_autogroup_reniced(tmp_path: Path) -> None:
    """Under autogroups a backend's own nice weighs only within its session, which it leads
    alone (PostgreSQL's backends call setsid): the group is reniced with it."""
    fake_process(tmp_path, 41, 41, "/autogroup-7 nice 0\n")
    assert lower_autogroup(41, 10, tmp_path)
    assert autogroup_niceness(41, tmp_path) == 10


def test_an_autogroup_shared_or_already_lower_or_absent_is_left_alone(tmp_path: Path) -> None:
    fake_process(tmp_path, 42, 40, "/autogroup-8 nice 0\n")  # shares the session of 40
    fake_process(tmp_path, 43, 43, "/autogroup-9 nice 15\n")  # already lower
    fake_process(tmp_path, 44, 44, None)  # no autogroups in this kernel
    for pid in (42, 43, 44, 45):  # and 45: no such process
        assert lower_autogroup(pid, 10, tmp_path)
    assert autogroup_niceness(42, tmp_path) == 0
    assert autogroup_niceness(43, tmp_path) == 15
    assert autogroup_niceness(44, tmp_path) is None


def test_an_upload_reader_runs_below_the_floor_in_a_session_of_its_own() -> None:
    """The readers parse uploads (the bombs among them) at a lower priority, and where the
    kernel has autogroups in their own session at that priority, not in the web's."""
    pool = ReaderPool(workers=1)
    try:
        niceness, leads, group = pool.submit(reader_priority).result(timeout=60)
    finally:
        pool.shutdown()
    assert niceness >= READER_NICENESS
    if autogroup_niceness(os.getpid()) is not None:
        assert leads == 1 and group == READER_NICENESS
