"""The fault rig shared by tests/chaos/test_faults.py and bench/chaos.py: the simulator in
this process making calls at a steady rate (each linkedid it returns remembered), the PBX
listener as its own process (``python -m ami``, as in production) on a PostgreSQL of its
own, and the faults: the database stopped, the AMI link cut, the PBX killed and back, the
listener SIGKILLed and started again."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import signal
import sys
import time
import uuid
from typing import Any

from sqlalchemy import text

from ami.simulator import PbxSimulator
from ami.simulator.__main__ import many_agents
from ami.simulator.config import SimulatorConfig
from callcenter.db import make_engine
from tests.chaos.support import StoppablePostgres, migrated
from tests.conftest import ROOT

FAULTS = ("db-20s", "db-120s", "link-cut", "pbx-restart", "app-kill")


async def spawn_listener(env: dict[str, str]) -> asyncio.subprocess.Process:
    """``python -m ami``, its log in var/chaos-listener.log (the parent keeps no handle)."""
    with (ROOT / "var" / "chaos-listener.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ami", cwd=ROOT, env=env, stderr=log
        )


class Rig:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.pg = StoppablePostgres(ROOT / "var" / f"chaos-bench-{uuid.uuid4().hex[:6]}")
        self.url = ""
        self.engine: Any = None
        self.simulator: PbxSimulator | None = None
        self.port = 0
        self.listener: asyncio.subprocess.Process | None = None
        self.made: list[str] = []
        self.made_at: dict[str, float] = {}
        # a SIGKILL's blind spot: when the listener was killed, and the calls live when
        # the next one logged in (a call begun just before the kill, unstored, that ended
        # before then, was known to no process that lives: no AMI listener can record it)
        self.killed_at: float | None = None
        self.live_at_login: set[str] = set()
        self.logged_in_at = math.inf
        self.events = 0
        self.random = random.Random(1)

    async def start(self) -> None:
        self.url = await migrated(self.pg)
        self.engine = make_engine(self.url)
        await self.start_pbx(0)
        await self.start_listener()

    async def start_pbx(self, port: int, clock_start: float | None = None) -> None:
        config = SimulatorConfig(
            queues=many_agents(self.args.agents),
            timestamp_events=True,
            clock_start=clock_start,
        )
        self.simulator = PbxSimulator(config, speed=self.args.speed, auth_failure_delay_s=0.0)
        self.port = await self.simulator.start("127.0.0.1", port)
        broadcast = self.simulator.server.broadcast

        def counted(data: bytes, privilege: str) -> None:
            self.events += 1
            broadcast(data, privilege)

        self.simulator.server.broadcast = counted  # type: ignore[method-assign]
        self.simulator.pbx._broadcast = counted  # type: ignore[attr-defined]

    async def start_listener(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")} | {
            "CALLCENTER_DATABASE_URL": self.url,
            "CALLCENTER_PBX": "ami",
            "CALLCENTER_AMI_HOST": "127.0.0.1",
            "CALLCENTER_AMI_PORT": str(self.port),
            "CALLCENTER_AMI_USERNAME": "crm",
            "CALLCENTER_AMI_SECRET": "crmsecret",
            "CALLCENTER_LOG_LEVEL": "WARNING",
        }
        self.listener = await spawn_listener(env)
        await self.wait_recovered(time.time(), within=60)

    async def traffic(self, stop: asyncio.Event) -> None:
        """Calls at ``--calls-per-second``; each linkedid the PBX returns is remembered."""
        rate = self.args.calls_per_second
        while not stop.is_set():
            await asyncio.sleep(self.random.expovariate(rate))
            simulator = self.simulator
            if simulator is None or not simulator.server.sessions:
                continue  # the PBX is down (or nobody is connected): no calls to make
            talk = self.random.uniform(15, 90)
            try:
                linkedid = await simulator.inbound_call(
                    "+7916" + "".join(self.random.choice("0123456789") for _ in range(7)),
                    patience_s=round(180 + talk),
                    agent_answers=self.random.random() < 0.85,
                    ring_s=round(self.random.uniform(1, 4)),
                    talk_s=round(talk),
                )
            except Exception:  # noqa: S112 - the PBX went away while starting the call
                continue
            if simulator is self.simulator:  # not begun on a PBX killed meanwhile
                self.made.append(linkedid)
                self.made_at[linkedid] = time.time()

    async def heartbeat(self) -> tuple[float, str, int]:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT extract(epoch FROM updated_at), state, backlog "
                        "FROM pbx_status WHERE pbx = 'default'"
                    )
                )
            ).first()
        return (float(row[0]), row[1], row[2]) if row else (0.0, "", 0)

    async def wait_recovered(self, since: float, within: float = 300) -> float:
        """Seconds from ``since`` until a heartbeat written after it says connected."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                beat, state, backlog = await self.heartbeat()
                if beat > since + 0.5 and state == "connected" and backlog < 1000:
                    return time.time() - since
            except Exception:  # noqa: S110 - the database may not be back yet
                pass
            await asyncio.sleep(0.1)
        return float("nan")

    async def note_next_login(self) -> None:
        """Remember the calls live on the PBX when a new session logs in."""
        simulator = self.simulator
        assert simulator is not None
        old = set(simulator.server.sessions)
        while not any(s.authenticated for s in simulator.server.sessions - old):  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        self.live_at_login = {c.linkedid for c in simulator.pbx.channels.values()}
        self.logged_in_at = time.time()

    async def unheard(self) -> list[str]:
        """Calls never stored that began from a second before a SIGKILL (the killed listener
        may have heard but not stored them) until the next listener logged in, and ended
        before it did: no listener alive ever heard of them (a call placed the instant the
        listener died counts too: its events went to a dead socket)."""
        if self.killed_at is None:
            return []
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT linkedid FROM calls WHERE linkedid = ANY(:ids)"), {"ids": self.made}
            )
            stored = {row.linkedid for row in rows}
        return [
            linkedid
            for linkedid in self.made
            if linkedid not in stored
            and linkedid not in self.live_at_login
            and self.killed_at - 1.0 <= self.made_at[linkedid] <= self.logged_in_at
        ]

    async def recorded(self) -> tuple[int, int]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT linkedid, end_uncertain FROM calls "
                    "WHERE ended_at IS NOT NULL AND linkedid = ANY(:ids)"
                ),
                {"ids": self.made},
            )
            found = list(rows)
        return len(found), sum(1 for row in found if row.end_uncertain)

    async def settle(self, within: float = 180) -> None:
        """Wait until the calls made are all stored as ended, or stop changing."""
        deadline, last = time.monotonic() + within, -1
        while time.monotonic() < deadline:
            done, _ = await self.recorded()
            if done == len(self.made):
                return
            if done == last:
                await asyncio.sleep(2)
                if (await self.recorded())[0] == last:
                    return
            last = done
            await asyncio.sleep(1)

    async def close(self) -> None:
        if self.listener is not None and self.listener.returncode is None:
            self.listener.terminate()
            await self.listener.wait()
        if self.simulator is not None:
            await self.simulator.stop()
        if self.engine is not None:
            await self.engine.dispose()
        self.pg.close()


async def inject(rig: Rig, fault: str) -> float:
    """Strike the fault, keep it up as long as it lasts; returns when it ended."""
    if fault.startswith("db-"):
        await asyncio.to_thread(rig.pg.stop)
        await asyncio.sleep(float(fault.removeprefix("db-").removesuffix("s")))
        await asyncio.to_thread(rig.pg.start)
    elif fault == "link-cut":
        assert rig.simulator is not None
        for session in list(rig.simulator.server.sessions):
            session.writer.transport.abort()
    elif fault == "pbx-restart":
        assert rig.simulator is not None
        port, old = rig.port, rig.simulator
        rig.simulator = None  # calls still starting on it are no one's to record
        await old.server.drain(1.0)  # what the PBX already said reaches the CRM
        await old.stop()  # every call dropped, no Hangup sent: Asterisk killed
        await asyncio.sleep(5)
        await rig.start_pbx(port, clock_start=old.pbx.now() + 5 / rig.args.speed)
    elif fault == "app-kill":
        assert rig.listener is not None
        rig.killed_at = time.time()
        rig.listener.send_signal(signal.SIGKILL)
        await rig.listener.wait()
        await asyncio.sleep(2)
        login = asyncio.create_task(rig.note_next_login())
        await rig.start_listener()
        await login
    return time.time()


async def one_fault(rig: Rig, fault: str) -> dict[str, Any]:
    rig.made.clear()
    rig.made_at.clear()
    stop = asyncio.Event()
    traffic = asyncio.create_task(rig.traffic(stop))
    events0, started = rig.events, time.monotonic()
    await asyncio.sleep(rig.args.warmup)
    in_flight = rig.simulator.pbx.active_calls() if rig.simulator else 0
    struck = len(rig.made)
    ended = await inject(rig, fault)
    recovery = await rig.wait_recovered(ended)
    await asyncio.sleep(rig.args.after)
    stop.set()
    await traffic
    rate = (rig.events - events0) / (time.monotonic() - started)
    if rig.simulator is not None:
        await rig.simulator.pbx.idle.wait()
    await rig.settle()
    recorded, uncertain = await rig.recorded()
    unheard = await rig.unheard()
    if recorded < len(rig.made):
        await print_unfinished(rig, fault, struck, unheard)
    rig.killed_at, rig.logged_in_at = None, math.inf
    return {
        "fault": fault,
        "events/s": round(rate),
        "in flight": in_flight,
        "made": len(rig.made),
        "recorded": recorded,
        "ended unheard": len(unheard),
        "lost": len(rig.made) - recorded - len(unheard),
        "uncertain end": uncertain,
        "recovered in s": round(recovery, 2),
    }


async def print_unfinished(rig: Rig, fault: str, struck: int, unheard: list[str]) -> None:
    """The calls made but not stored as ended: when they were made, what the database has."""
    async with rig.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT c.linkedid, c.ended_at IS NOT NULL AS ended, c.outcome, "
                "array_agg(e.kind ORDER BY e.seq) AS kinds FROM calls c "
                "LEFT JOIN call_events e ON e.call_id = c.id "
                "WHERE c.linkedid = ANY(:ids) GROUP BY c.id"
            ),
            {"ids": rig.made},
        )
        stored = {row.linkedid: row for row in rows}
    for n, linkedid in enumerate(rig.made):
        row = stored.get(linkedid)
        if row is None:
            why = ", ended unheard" if linkedid in unheard else ""
            print(f"  {fault}: call {linkedid} (made {n - struck:+d}) never stored{why}")
        elif not row.ended:
            kinds = row.kinds or []
            print(
                f"  {fault}: call {linkedid} (made {n - struck:+d}) open, {len(kinds)} events: "
                f"{kinds[:3]} ... {kinds[-14:]}"
            )
