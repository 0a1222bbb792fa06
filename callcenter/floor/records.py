"""What the telephony adapter tells the domain about agents and queues: plain records.

The AMI floor board (``ami/floor``) builds these from queue events; ``callcenter.floor.store``
keeps them. An agent is a queue member interface (``PJSIP/101``, ``Local/101@agents/n``); a
stint is one caller's visit to one queue, as Asterisk's queue_log counts them (ENTERQUEUE, then
CONNECT and COMPLETE*, or ABANDON): queue figures are sums over stints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

WRAPUP_REASON = "Wrap-up"
"""The pause reason the CRM sets while an agent is in its own (CRM-timed) wrap-up."""


class AgentStatus(StrEnum):
    AVAILABLE = "available"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"
    UNAVAILABLE = "unavailable"  # logged in, but the device is unreachable
    LOGGED_OUT = "logged_out"


class StintOutcome(StrEnum):
    WAITING = "waiting"
    CONNECTED = "connected"  # an agent took it; talking
    COMPLETED = "completed"  # the agent call ended (COMPLETECALLER/COMPLETEAGENT/TRANSFER)
    ABANDONED = "abandoned"  # app_queue's abandon: hang-up, timeout, empty queue
    EXITED = (
        "exited"  # left another way (a key pressed, a redirect): neither answered nor abandoned
    )
    LOST = "lost"  # ended while the PBX link was down: times unknown, left out of figures


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    interface: str
    extension: str
    name: str
    status: AgentStatus
    since: datetime
    reason: str = ""  # the pause reason
    queues: tuple[str, ...] = ()  # queues the agent is logged into
    paused_queues: tuple[str, ...] = ()
    linkedid: str = ""  # the call ringing or talking
    queue: str = ""  # the queue of that call, if it came from one
    wrapup_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AgentChange:
    """An agent's status changed at ``at``; ``previous`` ran from ``previous_since``."""

    agent: AgentSnapshot
    previous: AgentStatus
    previous_since: datetime
    previous_reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Stint:
    key: str  # "<caller uniqueid>/<queue>/<entered epoch>"
    queue: str
    linkedid: str
    uniqueid: str
    caller: str
    entered_at: datetime
    outcome: StintOutcome
    position: int = 0
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    wait_seconds: int | None = None  # Asterisk's own figure (CONNECT/ABANDON wait)
    talk_seconds: int | None = None  # AgentComplete TalkTime (the whole bridge)
    agent: str = ""  # the member interface that took it
    ended_by: str = ""  # caller | agent | transfer


@dataclass(frozen=True, slots=True)
class QueueSeen:
    """A queue as the PBX describes it (QueueStatus); its members are in agent records."""

    name: str
    strategy: str = ""
    service_level_seconds: int = 0
    members: tuple[str, ...] = field(default_factory=tuple)
