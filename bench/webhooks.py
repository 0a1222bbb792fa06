"""Webhooks out: deliveries per second to a fast local receiver, and the lag from the change
to its delivery.

Changes are committed at ``--rate`` a second for ``--seconds`` (each its own transaction with
one ``enqueue``, over ``--entities`` orders, so deliveries of one entity wait for each other
as in life), while the sender (one process, as under the scheduler's lock) posts them to an
aiohttp receiver in another process, which checks every signature and notes when each
arrived. Printed: deliveries/s over the run, the lag from the change's commit-time stamp to
its arrival (p50/p95/p99, target: p99 <= 1 s at 500/s), and any delivery missing or twice.

    python bench/webhooks.py --rate 500 --seconds 20

Runs against CALLCENTER_DATABASE_URL's server or an embedded one under var/bench-pg; the
database ``cc_webhooks`` is made afresh each run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.pbx_rig import database_server, free_port  # noqa: E402
from callcenter.cli import _runtime_dir  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.settings import Settings  # noqa: E402
from callcenter.webhooks.sender import Policy, send_due  # noqa: E402
from callcenter.webhooks.service import EndpointInput, create_endpoint, enqueue  # noqa: E402
from callcenter.webhooks.signing import signature  # noqa: E402
from web.webhook_client import HttpTransport  # noqa: E402

DATABASE = "cc_webhooks"
WRITERS = 8  # concurrent sessions making the changes


def receive(port: int, secret: str, expected: int, out: Any) -> None:
    """The receiver process: checks each signature, notes (delivery id, lag); reports when
    ``expected`` arrived or on a quiet spell."""
    lags: list[tuple[int, float]] = []
    bad = 0

    async def hook(request: web.Request) -> web.Response:
        nonlocal bad
        body = await request.read()
        arrived = time.time()
        parts = dict(p.split("=", 1) for p in request.headers["X-Callcenter-Signature"].split(","))
        if signature(secret, int(parts["t"]), body) != parts["v1"]:
            bad += 1
        made = datetime.fromisoformat(json.loads(body)["data"]["at"]).timestamp()
        lags.append((int(request.headers["X-Callcenter-Delivery"]), arrived - made))
        return web.Response(status=204)

    async def run() -> None:
        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        last, seen = time.monotonic(), 0
        while len(lags) < expected and time.monotonic() - last < 10:
            await asyncio.sleep(0.2)
            if len(lags) != seen:
                last, seen = time.monotonic(), len(lags)
        out.put((lags, bad))
        await runner.cleanup()

    asyncio.run(run())


async def fresh_database(server_url: str) -> str:
    conn = await asyncpg.connect(server_url)
    await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    await conn.close()
    url = urlunsplit(urlsplit(server_url)._replace(path="/" + DATABASE))
    await asyncio.to_thread(upgrade, url)
    return url


async def produce(sessionmaker: Any, rate: float, seconds: float, entities: int) -> int:
    """Changes at ``rate`` a second, each committed with its delivery, from ``WRITERS``
    concurrent sessions (as many web processes' requests would); returns how many."""
    total, start = int(rate * seconds), time.monotonic()

    async def writer(first: int) -> None:
        for n in range(first, total, WRITERS):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            async with sessionmaker.begin() as session:
                stamp = datetime.fromtimestamp(time.time()).astimezone().isoformat()
                await enqueue(session, "order.status_changed", f"order:{n % entities}",
                              {"id": n % entities, "step": n, "at": stamp})  # fmt: skip

    await asyncio.gather(*(writer(k) for k in range(WRITERS)))
    return total


def produce_apart(url: str, rate: float, seconds: float, entities: int, out: Any) -> None:
    """The changes come from a process of their own (the app's, in life), so the sender's
    process does nothing but send."""

    async def run() -> int:
        engine = make_engine(url, pool_size=WRITERS)
        try:
            return await produce(make_sessionmaker(engine), rate, seconds, entities)
        finally:
            await engine.dispose()

    out.put(asyncio.run(run()))


async def send_all(sessionmaker: Any, transport: HttpTransport, done: asyncio.Event) -> int:
    sent, policy = 0, Policy()
    while True:
        batch = await send_due(sessionmaker, transport, policy)
        sent += batch
        if not batch:
            if done.is_set():
                return sent
            await asyncio.sleep(policy.idle_seconds)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


async def main_async(args: argparse.Namespace) -> None:
    server_url, server = database_server()
    try:
        url = await fresh_database(server_url)
        settings = Settings(
            database_url=url,
            data_dir=ROOT / "var",
            secret_key="bench",
            pbx="off",
            webhook_allow_private=True,  # the receiver is on loopback
        )
        engine = make_engine(url, pool_size=20)
        sessionmaker = make_sessionmaker(engine)
        port = free_port()
        async with sessionmaker.begin() as session:
            data = EndpointInput(
                url=f"http://127.0.0.1:{port}/hook", events=["order.status_changed"]
            )
            _, secret = await create_endpoint(
                session,
                data=data,
                actor=None,
                allow_private=True,  # the local receiver
            )
        expected = int(args.rate * args.seconds)
        out: Any = multiprocessing.Queue()
        receiver = multiprocessing.Process(target=receive, args=(port, secret, expected, out))
        receiver.start()
        await asyncio.sleep(1.0)
        transport, done = HttpTransport(settings), asyncio.Event()
        started = time.monotonic()
        sender = asyncio.create_task(send_all(sessionmaker, transport, done))
        made: Any = multiprocessing.Queue()
        producer = multiprocessing.Process(
            target=produce_apart, args=(url, args.rate, args.seconds, args.entities, made)
        )
        producer.start()
        produced = await asyncio.to_thread(made.get)
        producer.join()
        done.set()
        sent = await sender
        elapsed = time.monotonic() - started
        lags, bad = await asyncio.to_thread(out.get)
        receiver.join()
        await transport.close()
        await engine.dispose()
        seconds = [lag for _, lag in lags]
        ids = [delivery for delivery, _ in lags]
        p50, p95, p99 = (percentile(seconds, q) * 1000 for q in (50, 95, 99))
        missing, twice = produced - len(set(ids)), len(ids) - len(set(ids))
        print(
            f"webhooks: {produced:,} changes at {args.rate:,.0f}/s over {args.entities} "
            f"entities; {sent:,} delivered in {elapsed:.1f} s = {sent / elapsed:,.0f} "
            f"deliveries/s (target: >= 500/s); lag change -> arrival p50 {p50:.0f} ms, "
            f"p95 {p95:.0f} ms, p99 {p99:.0f} ms (target: p99 <= 1000 ms), mean "
            f"{statistics.fmean(seconds) * 1000:.0f} ms; {missing} missing, {twice} twice, "
            f"{bad} bad signatures"
        )  # fmt: skip
    finally:
        del server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--entities", type=int, default=1000)
    args = parser.parse_args()
    _runtime_dir()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
