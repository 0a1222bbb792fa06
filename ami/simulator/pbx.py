"""The PBX core: state, the simulated clock, event emission and member status."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ami.protocol import encode_message
from ami.simulator.config import SimulatorConfig
from ami.simulator.model import (
    MEMBER_INUSE,
    MEMBER_NOT_INUSE,
    MEMBER_UNAVAILABLE,
    AgentStats,
    Channel,
    Ids,
    Member,
    Queue,
)
from ami.simulator.render import member_event_pairs

if TYPE_CHECKING:
    from ami.simulator.call import Call

log = logging.getLogger(__name__)

Broadcast = Callable[[bytes, str], None]  # (event bytes, privilege like "call,all")


@dataclass(frozen=True, slots=True)
class AgentBehaviour:
    """How an agent phone behaves (from the AGENTxxx_* dialplan globals)."""

    mode: str = "answer"  # answer | noanswer | busy | congestion
    ring_s: float = 2
    talk_s: float = 30


class Pbx:
    """Shared state of the simulated Asterisk, used by the AMI actions and the call flows."""

    def __init__(self, config: SimulatorConfig, broadcast: Broadcast) -> None:
        self.config = config
        self.speed = config.speed
        self.ids = Ids()
        self.globals: dict[str, str] = dict(config.dialplan_globals)
        self.channels: dict[str, Channel] = {}
        self.busy_devices: set[str] = set()
        self.queues: dict[str, Queue] = {}
        self._broadcast = broadcast
        self._stats: dict[str, AgentStats] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.idle = asyncio.Event()  # set while no call flow runs
        self.idle.set()
        self._wall0 = time.time() if config.clock_start is None else config.clock_start
        self._loop0 = time.monotonic()
        self.started_wall = self._wall0
        self.call_count = 0
        self.dtmf: dict[str, str] = {}  # digits received per channel (feature codes)
        for queue_config in config.queues:
            queue = Queue(
                queue_config.name,
                strategy=queue_config.strategy,
                timeout=queue_config.timeout,
                retry=queue_config.retry,
                wrapuptime=queue_config.wrapuptime,
            )
            for interface, name in queue_config.members:
                queue.members.append(self.new_member(interface, name, interface))
            self.queues[queue.name] = queue

    # -- clock and tasks ------------------------------------------------------------------

    def now(self) -> float:
        """Simulated wall clock: runs ``1 / speed`` times faster than the real one."""
        elapsed = time.monotonic() - self._loop0
        return self._wall0 + (elapsed / self.speed if self.speed > 0 else 0.0)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run a call flow in the background; its errors are logged, never lost."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        self.idle.clear()
        task.add_done_callback(self._task_done)
        return task

    def start_call(self, call: Call) -> Call:
        """Run ``call`` in the background."""
        self.call_count += 1
        self.spawn(call.run(), name=f"{type(call).__name__}-{self.call_count}")
        return call

    def active_calls(self) -> int:
        return len(self._tasks)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self.idle.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("simulator task %s failed", task.get_name(), exc_info=task.exception())

    async def cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- events ---------------------------------------------------------------------------

    def emit(self, name: str, pairs: Iterable[tuple[str, str]], privilege: str) -> None:
        head = [("Event", name), ("Privilege", privilege)]
        if self.config.timestamp_events:  # manager.conf timestampevents = yes
            head.append(("Timestamp", f"{time.time():.6f}"))
        data = encode_message([*head, *pairs])
        self._broadcast(data, privilege)

    def devstate(self, device: str, state: str) -> None:
        """A DeviceStateChange; an agent phone's state first updates the queues'
        ``Queue:<name>_avail`` (as Asterisk re-checks them on each member update)."""
        for queue in self.queues.values():
            if any(member.device == device for member in queue.members):
                self.check_available(queue)
        self.emit("DeviceStateChange", [("Device", device), ("State", state)], "call,all")

    # -- dialplan globals -----------------------------------------------------------------

    def agent(self, extension: str) -> AgentBehaviour:
        def number(key: str, default: float) -> float:
            try:
                return float(self.globals.get(f"AGENT{extension}_{key}", default))
            except ValueError:
                return default

        mode = self.globals.get(f"AGENT{extension}_MODE", "answer")
        return AgentBehaviour(mode=mode, ring_s=number("RING", 2), talk_s=number("TALK", 30))

    def customer_talk_s(self) -> float:
        try:
            return float(self.globals.get("CUSTOMER_TALK", "3"))
        except ValueError:
            return 3.0

    # -- members --------------------------------------------------------------------------

    def new_member(self, interface: str, name: str, state_interface: str) -> Member:
        stats = self._stats.setdefault(interface, AgentStats())
        return Member(interface, name, state_interface, stats, login_time=int(self.now()))

    def member_status(self, member: Member) -> int:
        if not member.extension:
            return MEMBER_UNAVAILABLE  # no such endpoint on this PBX (e.g. PJSIP/101)
        return MEMBER_INUSE if member.device in self.busy_devices else MEMBER_NOT_INUSE

    def is_available(self, queue: Queue, member: Member) -> bool:
        """Free to take a call: not paused, phone not in use, wrap-up time over."""
        if member.paused or self.member_status(member) != MEMBER_NOT_INUSE:
            return False
        return not self.in_wrapup(queue, member)

    def member_event(self, name: str, queue: Queue, member: Member) -> None:
        status = self.member_status(member)
        self.emit(name, member_event_pairs(queue, member, status), "agent,all")

    def set_device_busy(self, device: str, busy: bool) -> None:
        """An agent phone became (not) in use: QueueMemberStatus in every queue."""
        if (device in self.busy_devices) == busy:
            return
        if busy:
            self.busy_devices.add(device)
        else:
            self.busy_devices.discard(device)
        for queue in self.queues.values():
            for member in queue.members:
                if member.device == device:
                    self.member_event("QueueMemberStatus", queue, member)
                    self.check_available(queue)

    def check_available(self, queue: Queue) -> None:
        """Publish ``Queue:<name>_avail`` INUSE when the queue has no available member
        left, NOT_INUSE when it has one again."""
        available = any(self.is_available(queue, m) for m in queue.members)
        if available == queue.avail_inuse:
            queue.avail_inuse = not available
            self.devstate(f"Queue:{queue.name}_avail", "NOT_INUSE" if available else "INUSE")

    def finish_member_call(self, interface: str, wall: float) -> None:
        stats = self._stats.setdefault(interface, AgentStats())
        stats.calls_taken += 1
        stats.last_call = int(wall)
        stats.finished_at = self.now()

    def in_wrapup(self, queue: Queue, member: Member) -> bool:
        """Asterisk's test, in whole seconds: ``now - lastcall <= wrapuptime``."""
        finished = member.stats.finished_at
        return bool(finished) and int(self.now()) - int(finished) <= queue.wrapuptime
