"""CPU time of processes and of the whole machine, from /proc (Linux), for benchmarks."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """Seconds of CPU ``pid`` used so far (user + system), 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # the name may hold spaces; after it, field 3 on
    return (int(fields[11]) + int(fields[12])) / TICK  # utime (14) + stime (15)


def children_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) seconds of every core so far, from /proc/stat (iowait counts as idle)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])  # guest time is already inside user time
    return (total - idle) / TICK, total / TICK


@dataclass
class CpuWindow:
    """CPU used by named processes (a process with ``tree`` also counts its children, as
    PostgreSQL's backends) and by the whole machine between ``start`` and ``stop``."""

    processes: dict[str, tuple[int, bool]]  # name -> (pid, count its children too)
    started: dict[str, float] = field(default_factory=dict)
    machine: tuple[float, float] = (0.0, 0.0)
    wall: float = 0.0

    def _used(self, pid: int, tree: bool) -> float:
        pids = [pid, *children_of(pid)] if tree else [pid]
        return sum(process_cpu(p) for p in pids)

    def start(self) -> None:
        self.started = {name: self._used(*p) for name, p in self.processes.items()}
        self.machine = machine_cpu()
        self.wall = time.monotonic()

    def stop(self) -> dict[str, float]:
        """Each process's share of one core over the window (1.0 = a whole core), and under
        ``machine`` the share of all cores busy (whoever used them)."""
        elapsed = time.monotonic() - self.wall
        shares = {
            name: (self._used(*p) - self.started[name]) / elapsed
            for name, p in self.processes.items()
        }
        busy, total = machine_cpu()
        shares["machine"] = (busy - self.machine[0]) / max(total - self.machine[1], 1e-9)
        return shares
