"""``CALLCENTER_WEB_PROCESSES``: several web processes on one port, as a user runs ``serve``.

The kernel shares the connections among them (``SO_REUSEPORT``); a session begun on one is
good on every other and ended on all by one logout; a worker that dies is started again; and
no worker outlives the first process, whether it is stopped or killed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from tests.calls.test_two_processes import ROOT, free_port
from tests.conftest import sign_in

PROCESSES = 3


@asynccontextmanager
async def serving(
    database_url: str, data_dir: Path, *, stdout: int = asyncio.subprocess.DEVNULL
) -> AsyncIterator[tuple[Any, str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(
        CALLCENTER_DATABASE_URL=database_url,
        CALLCENTER_HTTP_PORT=str(port),
        CALLCENTER_PBX="off",
        CALLCENTER_DATA_DIR=str(data_dir),
        CALLCENTER_WEB_PROCESSES=str(PROCESSES),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "callcenter", "serve", cwd=ROOT, env=env,
        stdout=stdout, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with asyncio.timeout(60):
            while len(await answering(base, 30)) < PROCESSES:
                await asyncio.sleep(0.2)
        yield process, base
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:  # deaf to SIGTERM: a failure the test reports, not a hang
            process.kill()
            await process.wait()


async def answering(base: str, tries: int) -> set[int]:
    """The processes that answered ``tries`` requests, each on a connection of its own."""
    seen: set[int] = set()
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:
        for _ in range(tries):
            try:
                async with http.get(f"{base}/health") as answer:
                    seen.add((await answer.json())["process"])
            except aiohttp.ClientConnectionError:
                pass
    return seen


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


async def until(check: Any, within: float = 15.0) -> None:
    async with asyncio.timeout(within):
        while not await check():
            await asyncio.sleep(0.1)


async def test_a_session_is_one_across_the_processes_and_one_logout_ends_it(
    database_url: str, make_user: Any, tmp_path: Path
) -> None:
    manager = await make_user("manager")
    async with serving(database_url, tmp_path) as (_process, base):
        connector = aiohttp.TCPConnector(force_close=True)  # a new connection, a new process
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(base, connector=connector, cookie_jar=jar) as http:
            csrf = await sign_in(http, manager)
            for _ in range(3 * PROCESSES):
                async with http.get("/clients", allow_redirects=False) as page:
                    assert page.status == 200
            copied = {cookie.key: cookie.value for cookie in jar}
            async with http.post("/logout", data={"csrf_token": csrf}, allow_redirects=False):
                pass
        async with aiohttp.ClientSession(base, connector=aiohttp.TCPConnector(force_close=True),
                                         cookies=copied) as thief:  # fmt: skip
            for _ in range(3 * PROCESSES):
                async with thief.get("/clients", allow_redirects=False) as page:
                    assert page.status in (302, 401), page.status  # sent to sign in


async def test_a_dead_worker_is_started_again_and_none_outlives_the_first_process(
    database_url: str, tmp_path: Path
) -> None:
    async with serving(database_url, tmp_path) as (first, base):
        workers = await answering(base, 40) - {first.pid}
        assert len(workers) == PROCESSES - 1
        killed = workers.pop()
        os.kill(killed, signal.SIGKILL)

        async def replaced() -> bool:
            now = await answering(base, 30)
            return killed not in now and len(now) == PROCESSES

        await until(replaced)
        workers = await answering(base, 40) - {first.pid}
        first.send_signal(signal.SIGTERM)
        await asyncio.wait_for(first.wait(), 15)

        async def workers_gone() -> bool:
            return not any(alive(pid) for pid in workers)

        await until(workers_gone, 10)
    async with serving(database_url, tmp_path) as (first, base):
        workers = await answering(base, 40) - {first.pid}

        async def refresher() -> list[int]:  # the report rollups' back-office child
            return back_office_children(first.pid)

        await until(refresher)
        children = await refresher()
        first.send_signal(signal.SIGKILL)  # no shutdown at all: the workers see their pipe end
        await first.wait()
        await until(workers_gone, 10)

        async def children_gone() -> bool:  # each sees its parent gone, and stops its job
            return not any(alive(pid) for pid in children)

        await until(children_gone, 15)


def back_office_children(parent: int) -> list[int]:
    """The living (not zombie) back-office job processes whose parent is ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if int(ppid) == parent and state != "Z" and b"callcenter.backoffice.child" in command:
            found.append(int(entry.name))
    return found


async def test_a_stop_signal_stops_the_app_when_nobody_reads_its_output_any_more(
    database_url: str, tmp_path: Path
) -> None:
    """Its stdout a pipe whose reader is gone (a service manager's, a closed terminal): the
    line saying it stops cannot be written, and it stops all the same, workers and all."""
    async with serving(database_url, tmp_path, stdout=asyncio.subprocess.PIPE) as (first, base):
        workers = await answering(base, 40) - {first.pid}
        assert first.stdout is not None
        first.stdout.feed_eof()
        first._transport.get_pipe_transport(1).close()  # our end of its stdout: closed
        first.send_signal(signal.SIGTERM)
        await asyncio.wait_for(first.wait(), 15)

        async def workers_gone() -> bool:
            return not any(alive(pid) for pid in workers)

        await until(workers_gone, 10)


async def test_a_worker_that_cannot_start_is_given_up_with_one_line(
    monkeypatch: Any, caplog: Any
) -> None:
    """A worker dying at once every time (a bad install, say) is started again after pauses
    that double, then given up with one error line instead of being restarted for ever."""
    from web import workers

    monkeypatch.setattr(workers, "RESTART_PAUSE_S", 0.01)
    running: dict[int, Any] = {}
    dying = (sys.executable, "-c", "raise SystemExit(3)")
    with caplog.at_level("ERROR", logger="web.workers"):
        await asyncio.wait_for(workers._keep(7, dict(os.environ), running, dying), 30)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == workers.QUICK_DEATHS_MAX
    assert all("starting it again" in line for line in lines[:-1])
    assert "not starting it again" in lines[-1] and "worker 7 exited with 3" in lines[-1]
    assert running[7].returncode == 3
