"""No delivery is lost across a kill of the app: the real app runs as its own process
(``python -m callcenter serve``) on the test database and sends to a real receiver on
loopback while clients are created and changed through its API; it is SIGKILLed while a
batch of deliveries is at the receiver unanswered, and started again. Every delivery
written reaches the receiver at least once (a receiver deduplicates on the event id: the
batch cut off is sent again), an entity's deliveries arrive in the order of its changes,
and every change committed has its delivery (no client without its ``client.created``)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from callcenter.clients.models import Client
from callcenter.users.service import get_user
from callcenter.users.tokens import create_token
from callcenter.webhooks.models import Delivery
from tests.calls.test_two_processes import ROOT, free_port

UPDATES = 3  # changes of each client after its creation
WORKERS = 4  # API callers at once


class HoldingReceiver:
    """Records each post as it arrives (event id, entity, the client's ``notes``), answers
    204, and holds its answers while ``held`` is clear: the sender then has them in flight."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, str, str]] = []
        self.released = asyncio.Event()
        self.released.set()
        self.in_flight = 0
        self.url = ""
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        event = await request.json()
        self.heard.append((event["id"], event["entity"], event["data"].get("notes") or ""))
        self.in_flight += 1
        try:
            await self.released.wait()
        finally:
            self.in_flight -= 1
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/hook"

    async def stop(self) -> None:
        self.released.set()
        if self.runner is not None:
            await self.runner.cleanup()


class App:
    """The app as its own process on the test database, its log in ``log``."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "app.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")} | {
            "CALLCENTER_DATABASE_URL": database_url,
            "CALLCENTER_HTTP_PORT": str(self.port),
            "CALLCENTER_PBX": "off",
            "CALLCENTER_DATA_DIR": str(data_dir),
            "CALLCENTER_WEBHOOK_ALLOW_PRIVATE": "true",  # the receiver is on loopback
            "CALLCENTER_WEBHOOK_CHECK_SECONDS": "0.1",
            "CALLCENTER_REPORT_REFRESH_SECONDS": "0",
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "callcenter", "serve", cwd=ROOT, env=self.env,
                stdout=log, stderr=log,
            )  # fmt: skip
        async with asyncio.timeout(60), aiohttp.ClientSession() as probe:
            while True:
                assert self.process.returncode is None, self.log.read_text()[-3000:]
                try:
                    async with probe.get(self.base + "/health") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


class Changes:
    """Clients created and changed through the API by a few callers at once; what the API
    acknowledged is remembered (a change cut off by the kill may or may not have committed)."""

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http
        self.made: list[int] = []  # clients acknowledged as created
        self.running = True
        self.count = 0

    async def worker(self, base: str) -> None:
        while self.running:
            self.count += 1
            body = {"kind": "person", "name": f"Клиент {self.count}"}
            try:
                async with self.http.post(base + "/api/v1/clients", json=body) as made:
                    assert made.status == 201, await made.text()
                    client_id = (await made.json())["id"]
                self.made.append(client_id)
                for step in range(1, UPDATES + 1):
                    url = f"{base}/api/v1/clients/{client_id}"
                    async with self.http.patch(url, json={"notes": f"step {step}"}) as changed:
                        assert changed.status == 200, await changed.text()
            except (aiohttp.ClientError, OSError):
                if self.running:
                    await asyncio.sleep(0.05)  # the app is down: wait for it


@pytest.fixture
async def token(make_user: Any, sessionmaker: Any) -> str:
    admin = await make_user("admin")
    async with sessionmaker.begin() as session:
        return await create_token(session, user=await get_user(session, admin.id))


@pytest.fixture
async def receiver() -> AsyncIterator[HoldingReceiver]:
    receiver = HoldingReceiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.fixture
async def app_process(database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    app = App(database_url, tmp_path)
    try:
        yield app
    finally:
        await app.stop()


async def _until(condition: Any, within: float, what: str) -> None:
    try:
        async with asyncio.timeout(within):
            while not await condition():
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"no {what} within {within} s")


async def test_no_delivery_is_lost_when_the_app_is_killed_while_sending(
    app_process: App, receiver: HoldingReceiver, token: str, sessionmaker: Any
) -> None:
    await app_process.start()
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        endpoint = {"url": receiver.url, "events": ["client.created", "client.updated"]}
        async with http.post(app_process.base + "/api/v1/webhooks", json=endpoint) as made:
            assert made.status == 201, await made.text()
        changes = Changes(http)
        workers = [asyncio.create_task(changes.worker(app_process.base)) for _ in range(WORKERS)]

        async def heard_some() -> bool:
            return len(receiver.heard) >= 40

        await _until(heard_some, 60, "deliveries heard before the kill")
        receiver.released.clear()  # the next batch stays unanswered

        async def held() -> bool:
            return receiver.in_flight >= 1

        await _until(held, 10, "a batch in flight")
        await asyncio.sleep(0.3)  # more changes and their deliveries pile up meanwhile
        in_flight_at_kill = receiver.in_flight
        await app_process.kill()
        receiver.released.set()
        await app_process.start()
        await asyncio.sleep(1.0)  # changes go on against the new process
        changes.running = False
        await asyncio.gather(*workers)

        async def all_sent() -> bool:
            async with sessionmaker() as session:
                waiting = await session.scalar(select(func.count()).where(Delivery.state != "sent"))
            return waiting == 0 and receiver.in_flight == 0

        await _until(all_sent, 60, "every delivery sent")
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(Delivery.event_id, Delivery.entity, Delivery.event).order_by(Delivery.id)
            )
        ).all()
        clients = await session.scalar(select(func.count()).select_from(Client))
    heard_ids = [event_id for event_id, _, _ in receiver.heard]
    written = [str(row.event_id) for row in rows]
    assert in_flight_at_kill >= 1
    assert len(heard_ids) > len(set(heard_ids))  # the batch cut off went out again
    assert set(heard_ids) == set(written)  # every delivery, nothing else
    assert sum(row.event == "client.created" for row in rows) == clients
    assert {f"client:{client_id}" for client_id in changes.made} <= {row.entity for row in rows}
    _assert_in_order(rows, receiver.heard)


def _assert_in_order(rows: list[Any], heard: list[tuple[str, str, str]]) -> None:
    """Per entity, the first arrival of each event follows the order the deliveries were
    written in, and the changes' notes arrive step after step."""
    position = {str(row.event_id): n for n, row in enumerate(rows)}
    first: dict[str, list[tuple[str, str]]] = {}
    seen: set[str] = set()
    for event_id, entity, notes in heard:
        if event_id not in seen:
            seen.add(event_id)
            first.setdefault(entity, []).append((event_id, notes))
    for entity, arrivals in first.items():
        order = [position[event_id] for event_id, _ in arrivals]
        assert order == sorted(order), entity
        steps = [notes for _, notes in arrivals]
        assert steps == ["", *(f"step {n}" for n in range(1, len(steps)))], (entity, steps)
