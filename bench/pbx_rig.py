"""The processes a PBX-path bench runs and watches: the simulator (live, or replaying recorded
traffic), the app and its listener on a database of their own, their CPU and py-spy
profiles (used by ``ami_ingest.py`` and ``wallboard.py``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import platform
import shutil
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp

from bench.ami_replay import record
from bench.cpu import process_cpu

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the bench dies, even killed, so no process outlives it
    to skew the next measurement (Linux prctl PR_SET_PDEATHSIG; elsewhere nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


async def spawn(*args: str, env: dict[str, str], log: str) -> asyncio.subprocess.Process:
    """Start a process; its stderr goes to var/<log>.log for a look after the run."""
    errors = (ROOT / "var" / f"{log}.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=errors,
        preexec_fn=_die_with_parent,
    )


async def health(http: aiohttp.ClientSession, base: str) -> dict[str, Any]:
    async with http.get(base + "/health") as response:
        return await response.json()


async def wait_for(http: aiohttp.ClientSession, base: str, check: Any, within: float) -> dict:
    async with asyncio.timeout(within):
        while True:
            try:
                body = await health(http, base)
                if check(body):
                    return body
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.2)


class LiveSource:
    """The simulator as its own process, making calls from SIGUSR1 on; ``options`` say who
    works there (``--agents N``, or ``--queues N --agents-per-queue M``) and the talk times."""

    def __init__(self, cpm: float, speed: float, options: tuple[str, ...]) -> None:
        self.cpm, self.speed, self.options = cpm, speed, options
        self.label = f"live simulator cpm={cpm:g} speed={speed:g}"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, env: dict[str, str]) -> int:
        port = free_port()
        self.process = await spawn(
            "-m",
            "ami.simulator",
            "--port",
            str(port),
            *self.options,
            "--timestamps",
            "--wait-for-signal",
            "--seed",
            "1",
            "--calls-per-minute",
            str(self.cpm),
            "--speed",
            str(self.speed),
            env=env,
            log="bench-simulator",
        )
        return port

    def go(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGUSR1)

    async def stop(self) -> int:
        """Stop the calls and return how many events the app was sent."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        out, _ = await self.process.communicate()
        return sum(json.loads(out.decode().strip().splitlines()[-1])["events_sent"].values())

    async def close(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


class ReplaySource:
    """Recorded simulator traffic replayed at a fixed rate by a process of its own
    (``bench/ami_replay.py``), as a PBX is: never in the loop that times the pops."""

    def __init__(self, events_file: str, rate: float) -> None:
        self.events_file, self.rate = events_file, rate
        self.label = f"replay at {rate:,.0f} events/s"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, env: dict[str, str]) -> int:
        self.process = await spawn(
            "-m", "bench.ami_replay", self.events_file, str(self.rate), env=env, log="bench-replay"
        )
        assert self.process.stdout is not None
        return int((await self.process.stdout.readline()).decode())

    def go(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGUSR1)

    async def stop(self) -> int:
        """Stop streaming (the link stays up) and return how many events were sent."""
        assert self.process is not None and self.process.stdout is not None
        self.process.send_signal(signal.SIGUSR2)
        return int((await self.process.stdout.readline()).decode())

    async def close(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


async def recorded_traffic(agents: int, seconds: float) -> list[bytes]:
    env = clean_environment()
    source = LiveSource(cpm=420, speed=0.05, options=("--agents", str(agents)))
    port = await source.start(env)
    await asyncio.sleep(1.0)
    try:
        return await record(port, seconds, source.go)
    finally:
        await source.close()


def clean_environment() -> dict[str, str]:
    """This process's environment without any CALLCENTER_ setting of the user's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}


async def start_app(
    url: str, ami_port: int, *, split: bool, settings: dict[str, str] | None = None
) -> tuple[str, asyncio.subprocess.Process, asyncio.subprocess.Process | None]:
    """The app on its own database, leading the listener of the PBX at ``ami_port`` (or, with
    ``split``, beside a listener process of its own); returns its URL, the web process and
    the listener process (None when the web process leads the PBX itself). ``settings``
    (CALLCENTER_* variables) change the bench's defaults below, for both processes."""
    http_port = free_port()
    app_env = dict(
        clean_environment(),
        CALLCENTER_DATABASE_URL=url,
        CALLCENTER_PBX="ami",
        CALLCENTER_AMI_HOST="127.0.0.1",
        CALLCENTER_AMI_PORT=str(ami_port),
        CALLCENTER_AMI_SECRET="crmsecret",
        CALLCENTER_HTTP_PORT=str(http_port),
        CALLCENTER_DATA_DIR=str(ROOT / "var" / "bench-app"),
        CALLCENTER_LOG_LEVEL="WARNING",
        # the reports' rollups rebuild the hours whose calls changed: at this bench's 150
        # calls a second (100 times a busy call center) that is its own load, measured by
        # bench/reports.py; this bench measures the PBX path
        CALLCENTER_REPORT_REFRESH_SECONDS="0",
    )
    app_env.update(settings or {})
    listener = None
    if split:  # the listener in its own process; the web process only serves and pops
        listener = await spawn("-m", "ami", env=app_env, log="bench-listener")
        app_env = dict(app_env, CALLCENTER_PBX="off")
    app = await spawn("-m", "callcenter", "serve", env=app_env, log="bench-app")
    return f"http://127.0.0.1:{http_port}", app, listener


async def stop_processes(*processes: asyncio.subprocess.Process | None) -> None:
    for process in processes:
        if process is not None and process.returncode is None:
            process.terminate()
            await process.wait()


def cpu_seconds(processes: dict[str, Any]) -> dict[str, float]:
    """CPU time used so far by each of the bench's processes, this one and PostgreSQL's
    (read from /proc: empty where there is none)."""
    if not Path("/proc/self/stat").exists():
        return {}
    found = {k: process_cpu(p.pid) for k, p in processes.items() if p is not None}
    found["bench"] = process_cpu(os.getpid())
    postgres = [
        int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit() and _comm(d) == "postgres"
    ]
    found["postgres"] = sum(process_cpu(pid) for pid in postgres)
    return found


def _comm(proc: Path) -> str:
    try:
        return (proc / "comm").read_text().strip()
    except OSError:
        return ""


async def start_profiles(
    args: argparse.Namespace, label: str, *processes: asyncio.subprocess.Process | None
) -> list[asyncio.subprocess.Process]:
    """With --profile DIR: py-spy samples the web process and the listener over the timed
    window, into DIR/<phase>-web.raw and -listener.raw (collapsed stacks: see where the
    CPU goes; sampling costs a little, so figures of a profiled run are not the record)."""
    if not args.profile:
        return []
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    Path(args.profile).mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (before the run)
    slug = "".join(ch if ch.isalnum() else "-" for ch in label).strip("-")
    started = []
    for name, process in zip(("web", "listener"), processes, strict=True):
        if process is None:
            continue
        out = Path(args.profile) / f"{slug}-{name}.raw"
        command = f"record -p {process.pid} -d {int(args.seconds)} -r 100 -f raw -o".split()
        started.append(
            await asyncio.create_subprocess_exec(
                spy, *command, str(out), stdout=asyncio.subprocess.DEVNULL
            )
        )
    return started


def print_machine() -> None:
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def database_server() -> tuple[str, Any]:
    """The PostgreSQL server to make the bench's databases on: CALLCENTER_DATABASE_URL's, or
    an embedded one under var/bench-pg (returned too: it stops when that is dropped)."""
    given = os.environ.get("CALLCENTER_DATABASE_URL")
    if given:
        return given.replace("postgresql+asyncpg://", "postgresql://"), None
    import pgserver

    (ROOT / "var").mkdir(exist_ok=True)
    server = pgserver.get_server(ROOT / "var" / "bench-pg", cleanup_mode="stop")
    return server.get_uri("postgres"), server
