"""A call in progress: its simulated time line and what can interrupt it.

A call flow is one coroutine that walks through the call step by step. Every pause goes
through ``Call.wait``, which sleeps ``seconds * speed`` and advances the call's simulated
time (``vt``) by exactly ``seconds``, so durations in the events (HoldTime, TalkTime,
RingTime, Cdr Duration) are the scenario's and never depend on real-time jitter. An AMI
action (Hangup, BlindTransfer, Redirect, a hold) is delivered as an ``Interrupt`` that
ends the current wait early.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import abstractmethod
from collections import deque
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ami.simulator.ops import ChannelOps

if TYPE_CHECKING:
    from ami.simulator.model import Channel
    from ami.simulator.pbx import AgentBehaviour, Pbx

log = logging.getLogger(__name__)

HANGUP, TRANSFER, HOLD = "hangup", "transfer", "hold"
ATXFER, PARK = "atxfer", "park"


@dataclass(frozen=True, slots=True)
class Interrupt:
    """Something done to one of the call's channels from outside the flow."""

    kind: str  # HANGUP | TRANSFER | HOLD | ATXFER | PARK
    channel: Channel
    cause: int = 16
    context: str = ""
    exten: str = ""
    seconds: float = 0
    announce: bool = True  # a BlindTransfer (event) rather than a Redirect


class Call(ChannelOps):
    """Base of the call flows. Subclasses implement ``flow``."""

    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx
        self.vt = 0.0
        self.start_wall = pbx.now()
        self.linkedid = ""
        self.finished = asyncio.Event()
        self.linked = asyncio.Event()  # set with the first channel (or when the call ends)
        self.agent_overrides: dict[str, Any] = {}  # mode / ring_s / talk_s for this call
        self._pending: deque[Interrupt] = deque()
        self._wakeup = asyncio.Event()

    def _owner(self) -> Call:
        return self

    def agent_behaviour(self, extension: str) -> AgentBehaviour:
        """The agent phone's behaviour (dialplan globals, or this call's overrides)."""
        return replace(self.pbx.agent(extension), **self.agent_overrides)

    async def started(self) -> str:
        """Wait until the call has its first channel; its linkedid ("" if it never did)."""
        await self.linked.wait()
        return self.linkedid

    async def wait(self, seconds: float) -> Interrupt | None:
        """Let ``seconds`` of call time pass; return early with an interrupt if one came."""
        if self._pending:
            return self._pending.popleft()
        if seconds <= 0:
            return None
        self._wakeup.clear()
        started = time.monotonic()
        try:
            async with asyncio.timeout(seconds * self.pbx.speed):
                await self._wakeup.wait()
        except TimeoutError:
            self.vt += seconds
            return None
        if self.pbx.speed > 0:
            self.vt += min(seconds, (time.monotonic() - started) / self.pbx.speed)
        return self._pending.popleft()

    async def wait_for_hangup(
        self, seconds: float, channels: tuple[Channel, ...]
    ) -> Interrupt | None:
        """Let ``seconds`` pass unless one of ``channels`` is hung up (that interrupt is
        returned); other interrupts are logged and ignored."""
        end = self.vt + seconds
        while True:
            interrupt = await self.wait(end - self.vt)
            if interrupt is None or (interrupt.kind == HANGUP and interrupt.channel in channels):
                return interrupt
            log.info("call %s: %s ignored at this point", self.linkedid, interrupt.kind)

    def interrupt(self, interrupt: Interrupt) -> None:
        self._pending.append(interrupt)
        self._wakeup.set()

    async def run(self) -> None:
        """Run the flow; whatever happens, no channel of this call outlives it."""
        try:
            await self.flow()
        finally:
            self.finished.set()
            self.linked.set()
            for channel in [c for c in self.pbx.channels.values() if c.owner is self]:
                log.debug("call %s: dropping leftover %s", self.linkedid, channel.name)
                self.pbx.channels.pop(channel.name, None)

    @abstractmethod
    async def flow(self) -> None:
        """The call's event sequence; each kind of call (inbound, outbound...) defines it."""
