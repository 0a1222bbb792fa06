"""Agents (queue member interfaces) and the status the floor sees, driven by PBX events.

Status, by priority: on a call (AgentConnect until AgentComplete, or a device in use),
ringing, in wrap-up (after AgentComplete for the queue's wrap-up time, or paused by the CRM
with the wrap-up reason), paused (in every queue it is logged into), unavailable (device
unreachable), available; logged out when a member of no queue. See the metrics note, 1.4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from callcenter.calls.store import extension_of
from callcenter.floor.records import WRAPUP_REASON, AgentChange, AgentSnapshot, AgentStatus

# QueueMember "Status" (device state): 2 in use, 3 busy, 6 ringing, 7 ringing in use, 8 on hold
IN_USE, RINGING_STATES, UNREACHABLE = {2, 3, 7, 8}, {6, 7}, {0, 4, 5}


@dataclass
class Membership:
    paused: bool = False
    reason: str = ""
    wrapuptime: int = 0  # the PBX's own wrap-up for this member, seconds


@dataclass
class Agent:
    interface: str
    name: str
    since: datetime
    members: dict[str, Membership] = field(default_factory=dict)
    device: int = 1
    ringing: str = ""  # linkedid of the call ringing here
    ring_queue: str = ""
    talking: str = ""  # linkedid of the queue call being talked
    talk_queue: str = ""
    wrapup_until: datetime | None = None
    unpause_asked: bool = False  # the CRM asked the PBX to end its wrap-up pause
    status: AgentStatus = AgentStatus.LOGGED_OUT
    reason: str = ""
    announced_paused: tuple[str, ...] = ()  # the paused queues the last change carried

    @property
    def extension(self) -> str:
        return extension_of(self.interface)

    @property
    def paused_queues(self) -> list[str]:
        return sorted(q for q, m in self.members.items() if m.paused)

    def pause_reason(self) -> str:
        reasons = [m.reason for m in self.members.values() if m.paused and m.reason]
        return reasons[0] if reasons else ""

    def compute(self, at: datetime) -> tuple[AgentStatus, str]:
        if not self.members:
            return AgentStatus.LOGGED_OUT, ""
        if self.talking:
            return AgentStatus.ON_CALL, ""
        if self.ringing:  # a Local member reads "in use" while it rings: AgentCalled decides
            return AgentStatus.RINGING, ""
        if self.device in IN_USE - RINGING_STATES:  # a call not from a queue
            return AgentStatus.ON_CALL, ""
        if self.device in RINGING_STATES:
            return AgentStatus.RINGING, ""
        all_paused = all(m.paused for m in self.members.values())
        reason = self.pause_reason() if all_paused else ""
        if reason == WRAPUP_REASON or (self.wrapup_until and self.wrapup_until > at):
            return AgentStatus.WRAP_UP, ""
        if all_paused:
            return AgentStatus.PAUSED, reason
        if self.device in UNREACHABLE:
            return AgentStatus.UNAVAILABLE, ""
        return AgentStatus.AVAILABLE, ""

    def snapshot(self) -> AgentSnapshot:
        return AgentSnapshot(
            interface=self.interface,
            extension=self.extension,
            name=self.name,
            status=self.status,
            since=self.since,
            reason=self.reason,
            queues=tuple(sorted(self.members)),
            paused_queues=tuple(self.paused_queues),
            linkedid=self.talking or self.ringing,
            queue=self.talk_queue or self.ring_queue,
            wrapup_until=self.wrapup_until,
        )

    def settle(self, at: datetime) -> AgentChange | None:
        """Recompute the status; the change, if any (a new reason is a change too). A pause
        that leaves the status as it is (asked during a call: it starts after it) is a change
        of the paused queues alone, which ends no stretch of the status."""
        status, reason = self.compute(at)
        paused = tuple(self.paused_queues)
        if status == self.status and reason == self.reason:
            if paused == self.announced_paused:
                return None
            self.announced_paused = paused
            return AgentChange(self.snapshot(), status, self.since, reason, at)
        previous, previous_since, previous_reason = self.status, self.since, self.reason
        self.status, self.reason, self.since = status, reason, at
        self.announced_paused = paused
        return AgentChange(self.snapshot(), previous, previous_since, previous_reason, at)
