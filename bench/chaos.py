"""Faults under load: does any call go unrecorded?

    .venv/bin/python bench/chaos.py                       # every fault, ~1,000 events/s
    .venv/bin/python bench/chaos.py --faults db-20s link-cut --calls-per-second 12

The simulator runs here and makes inbound calls at a steady rate (50 agents, two queues);
the PBX listener runs as its own process (``python -m ami``, as in production) on a
PostgreSQL of its own. For each fault, in turn: traffic for ``--warmup`` seconds, the fault,
traffic on through it and for ``--after`` seconds more, then the traffic stops and the bench
waits for every call to be stored as ended. It prints, per fault:

- events/s the simulator sent, and calls in flight when the fault struck;
- calls made (every linkedid the simulator returned), recorded (stored, ended), lost;
- time to recover: from the end of the fault until the listener's heartbeat is fresh again,
  connected, with nothing waiting from an outage;
- calls whose end is marked uncertain (the fault hid their end).

The faults: ``db-20s`` and ``db-120s`` (PostgreSQL stopped), ``link-cut`` (the AMI TCP
connection closed by the PBX side), ``pbx-restart`` (the PBX killed mid-call, its calls
dropped without a word, back after 5 s on the same port), ``app-kill`` (the listener
process SIGKILLed and started again after 2 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from ami.simulator import PbxSimulator  # noqa: E402
from ami.simulator.__main__ import many_agents  # noqa: E402
from ami.simulator.config import SimulatorConfig  # noqa: E402
from bench.pbx_rig import clean_environment, print_machine, spawn  # noqa: E402
from callcenter.db import make_engine  # noqa: E402
from tests.chaos.support import StoppablePostgres, migrated  # noqa: E402

FAULTS = ("db-20s", "db-120s", "link-cut", "pbx-restart", "app-kill")


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
        self.events = 0
        self.random = random.Random(1)

    async def start(self) -> None:
        self.url = await migrated(self.pg)
        self.engine = make_engine(self.url)
        await self.start_pbx(0)
        await self.start_listener()

    async def start_pbx(self, port: int) -> None:
        config = SimulatorConfig(queues=many_agents(self.args.agents), timestamp_events=True)
        self.simulator = PbxSimulator(config, speed=self.args.speed, auth_failure_delay_s=0.0)
        self.port = await self.simulator.start("127.0.0.1", port)
        broadcast = self.simulator.server.broadcast

        def counted(data: bytes, privilege: str) -> None:
            self.events += 1
            broadcast(data, privilege)

        self.simulator.server.broadcast = counted  # type: ignore[method-assign]
        self.simulator.pbx._broadcast = counted  # type: ignore[attr-defined]

    async def start_listener(self) -> None:
        env = clean_environment() | {
            "CALLCENTER_DATABASE_URL": self.url,
            "CALLCENTER_PBX": "ami",
            "CALLCENTER_AMI_HOST": "127.0.0.1",
            "CALLCENTER_AMI_PORT": str(self.port),
            "CALLCENTER_AMI_USERNAME": "crm",
            "CALLCENTER_AMI_SECRET": "crmsecret",
            "CALLCENTER_LOG_LEVEL": "WARNING",
        }
        self.listener = await spawn("-m", "ami", env=env, log="bench-chaos-listener")
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
            self.made.append(linkedid)

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
        rig.simulator = None
        await old.server.drain(1.0)  # what the PBX already said reaches the CRM (a real one's
        # last words before dying); the calls it had not yet told of are no one's to record
        await old.stop()  # every call dropped, no Hangup sent: Asterisk killed
        await asyncio.sleep(5)
        await rig.start_pbx(port)
    elif fault == "app-kill":
        assert rig.listener is not None
        rig.listener.send_signal(signal.SIGKILL)
        await rig.listener.wait()
        await asyncio.sleep(2)
        await rig.start_listener()
    return time.time()


async def one_fault(rig: Rig, fault: str) -> dict[str, Any]:
    rig.made.clear()
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
    if recorded < len(rig.made):
        async with rig.engine.connect() as conn:
            stored = set(await conn.scalars(text("SELECT linkedid FROM calls")))
        lost = [n - struck for n, linkedid in enumerate(rig.made) if linkedid not in stored]
        print(f"  {fault}: lost calls, by when made (0 = when the fault struck): {lost}")
    return {
        "fault": fault,
        "events/s": round(rate),
        "in flight": in_flight,
        "made": len(rig.made),
        "recorded": recorded,
        "lost": len(rig.made) - recorded,
        "uncertain end": uncertain,
        "recovered in s": round(recovery, 2),
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    heads = list(rows[0])
    print("| " + " | ".join(heads) + " |")
    print("| " + " | ".join("---" for _ in heads) + " |")
    for row in rows:
        print("| " + " | ".join(str(row[h]) for h in heads) + " |")


async def run(args: argparse.Namespace) -> None:
    rows = []
    for fault in args.faults:
        rig = Rig(args)
        try:
            await rig.start()
            row = await one_fault(rig, fault)
        finally:
            await rig.close()
        print(row, flush=True)
        rows.append(row)
    print_table(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", nargs="+", choices=FAULTS, default=list(FAULTS))
    parser.add_argument("--calls-per-second", type=float, default=11.0)
    parser.add_argument("--speed", type=float, default=0.2, help="simulated time factor")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--after", type=float, default=10.0)
    args = parser.parse_args(argv)
    print_machine()
    print(f"command: {' '.join(sys.argv)}  (pid {os.getpid()})")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
