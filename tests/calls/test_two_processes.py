"""Two app processes on one database: the call stored by one pops on the other's socket."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.calls.test_screenpop import frame_of, ring
from tests.conftest import CSRF_RE, PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def second_process(database_url: str, clean_db: None, tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(
        CALLCENTER_DATABASE_URL=database_url,
        CALLCENTER_HTTP_PORT=str(port),
        CALLCENTER_PBX="off",
        CALLCENTER_DATA_DIR=str(tmp_path),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "callcenter",
        "serve",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with asyncio.timeout(20), aiohttp.ClientSession() as probe:
            while True:
                try:
                    async with probe.get(base + "/health") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
        yield base
    finally:
        process.terminate()
        await process.wait()


async def test_pop_reaches_an_operator_on_another_process(
    second_process: str, make_user: Any, database_url: str
) -> None:
    operator = await make_user("operator", extension="101")
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=second_process, cookie_jar=jar) as http:
        page = await (await http.get("/login")).text()
        token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
        await http.post(
            "/login", data={"login": operator.login, "password": PASSWORD, "csrf_token": token}
        )
        async with http.ws_connect("/ws/live") as ws:
            await frame_of(ws, "hello")
            async with asyncio.timeout(10):
                while not (await (await http.get("/health")).json())["live"]["listening"]:
                    await asyncio.sleep(0.05)
            await ring(database_url)
            frame = await frame_of(ws, "ringing", within=10)
            assert frame["linkedid"] == "1795715043.26"
