"""Only a backend provably on this machine and a PostgreSQL process is ever reniced."""

from __future__ import annotations

import os
from pathlib import Path

from callcenter.backoffice.priority import is_local, is_postgres_here, renice_backend


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
