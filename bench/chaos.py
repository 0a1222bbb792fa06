"""Faults under load: does any call go unrecorded?

    .venv/bin/python bench/chaos.py                       # every fault, ~1,000 events/s
    .venv/bin/python bench/chaos.py --faults db-20s link-cut --calls-per-second 12

The simulator runs here and makes inbound calls at a steady rate (50 agents, two queues);
the PBX listener runs as its own process (``python -m ami``, as in production) on a
PostgreSQL of its own. For each fault, in turn: traffic for ``--warmup`` seconds, the fault,
traffic on through it and for ``--after`` seconds more, then the traffic stops and the bench
waits for every call to be stored as ended. It prints, per fault:

- events/s the simulator sent, and calls in flight when the fault struck;
- calls made (every linkedid the simulator returned), recorded (stored, ended), ended
  unheard (begun within a second before a SIGKILL, not stored by the killed listener, and
  over before the next one logged in: no listener alive heard of them), lost (the rest);
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
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pbx_rig import print_machine  # noqa: E402
from tests.chaos.rig import FAULTS, Rig, one_fault  # noqa: E402


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
