"""``python -m callcenter serve`` as a service manager runs it: started as its own process
with everything a first start has (the embedded PostgreSQL, the simulator and its demo, the
PBX listener, the scheduler), stopped by SIGTERM or Ctrl+C (SIGINT), whether it has been
serving a while or is still starting. It stops within 10 s, says so on one line, stops its
embedded PostgreSQL, and prints no traceback."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from callcenter.embedded_pg import forget_dead_handles
from tests.calls.test_two_processes import ROOT, free_port

STOP_WITHIN_S = 10.0


def start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(
        CALLCENTER_DATA_DIR=str(data_dir),  # no database URL: the embedded PostgreSQL
        CALLCENTER_HTTP_PORT=str(port),
        CALLCENTER_SIMULATOR_CALLS_PER_MINUTE="60",  # calls in flight when it stops
    )
    return subprocess.Popen(
        [sys.executable, "-m", "callcenter", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_healthy(process: subprocess.Popen[str], port: int, within_s: float = 180.0) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail("the app did not become healthy")


def stopped(process: subprocess.Popen[str], number: signal.Signals) -> tuple[float, str]:
    """Send the signal; how long the process took to exit, and all it printed."""
    sent = time.monotonic()
    process.send_signal(number)
    try:
        out, err = process.communicate(timeout=STOP_WITHIN_S + 20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"still running {STOP_WITHIN_S + 20} s after {number.name}:\n{err[-3000:]}")
    took = time.monotonic() - sent
    assert process.returncode == 0, err[-3000:]
    return took, out + err


def postgres_of(data_dir: Path) -> list[str]:
    """The embedded PostgreSQL's processes still running on ``data_dir``."""
    found = []
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = status.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "postgres" in args and str(data_dir / "pg") in args:
            found.append(args)
    return found


@pytest.fixture(scope="module")
def data_dir() -> Path:
    """Under the worktree, as the tests' own PostgreSQL (pgserver's server must reach it;
    pytest's temporary folders are private to the user running the tests); one per pytest
    worker, as two of these tests may run at once and one stops the database it starts."""
    path = ROOT / "var" / f"test-serve-stop-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.parametrize(
    ("text", "left"),
    [
        (None, None),  # no file yet: a first start
        ("not json", "[]"),  # pgserver itself would not start on it
        ('{"a": 1}', "[]"),
        ("[DEAD, OWN]", "[OWN]"),
        ('[OWN, "x"]', "[OWN]"),
        ("[OWN]", "[OWN]"),
    ],
)
def test_handles_of_processes_gone_are_forgotten(
    tmp_path: Path, text: str | None, left: str | None
) -> None:
    """A process killed outright kept the embedded PostgreSQL from ever being stopped."""
    handles = tmp_path / ".handle_pids.json"
    own, dead = str(os.getpid()), str(a_dead_pid())
    if text is not None:
        handles.write_text(text.replace("DEAD", dead).replace("OWN", own))
    forget_dead_handles(tmp_path)
    if left is None:
        assert not handles.exists()
    else:
        assert handles.read_text().replace(" ", "") == left.replace("OWN", own).replace(" ", "")


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_serving_app_stops_within_10_s_saying_so_without_a_traceback(
    data_dir: Path, number: signal.Signals
) -> None:
    handles = data_dir / "pg" / ".handle_pids.json"
    if handles.exists():  # a process killed earlier, still counted as holding the server
        with contextlib.suppress(ValueError):
            handles.write_text(json.dumps([a_dead_pid(), *json.loads(handles.read_text())]))
    port = free_port()
    process = start(data_dir, port)
    wait_healthy(process, port)
    time.sleep(3)  # the simulator's calls ring and are stored; the listener is mid-stream
    took, printed = stopped(process, number)
    assert took < STOP_WITHIN_S, printed[-3000:]
    assert f"{number.name} received, stopping" in printed
    assert f"CallCenter CRM stopped ({number.name})" in printed
    assert "Traceback" not in printed, printed[-5000:]
    assert "Task was destroyed" not in printed and "Unclosed" not in printed
    assert "Failed to stop server" not in printed  # the embedded PostgreSQL stopped itself
    assert not postgres_of(data_dir)


def test_an_app_stopped_while_starting_stops_as_cleanly(data_dir: Path) -> None:
    port = free_port()
    process = start(data_dir, port)
    deadline = time.monotonic() + 120
    while "CallCenter CRM on http" not in (process.stdout.readline() if process.stdout else ""):
        assert time.monotonic() < deadline and process.poll() is None
    took, printed = stopped(process, signal.SIGTERM)  # its resources are still starting
    assert took < STOP_WITHIN_S, printed[-3000:]
    assert "SIGTERM received, stopping" in printed and "CallCenter CRM stopped" in printed
    assert "Traceback" not in printed, printed[-5000:]
    assert not postgres_of(data_dir)
