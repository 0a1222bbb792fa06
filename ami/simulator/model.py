"""The simulated PBX state: channels, bridges, queues and their members."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ami.simulator.call import Call

UNKNOWN = "<unknown>"

DOWN, RING, RINGING, UP, BUSY = 0, 4, 5, 6, 7
STATE_DESC = {
    0: "Down",
    1: "Rsrvd",
    2: "OffHook",
    3: "Dialing",
    4: "Ring",
    5: "Ringing",
    6: "Up",
    7: "Busy",
    8: "Dialing Offhook",
    9: "Pre-ring",
}

# QueueMember* "Status" (ast_device_state numbers)
MEMBER_NOT_INUSE, MEMBER_INUSE, MEMBER_UNAVAILABLE = 1, 2, 5

CAUSE_TEXT = {
    0: "Unknown",
    16: "Normal Clearing",
    17: "User busy",
    19: "User alerting, no answer",
    21: "Call Rejected",
    34: "Circuit/channel congestion",
}


@dataclass(eq=False)
class Channel:
    """One channel (one half of a Local pair) and its current snapshot fields."""

    name: str
    uniqueid: str
    linkedid: str
    context: str
    exten: str
    created: float
    state: int = DOWN
    priority: int = 1
    caller_num: str = UNKNOWN
    caller_name: str = UNKNOWN
    connected_num: str = UNKNOWN
    connected_name: str = UNKNOWN
    application: str = ""
    app_data: str = ""
    answered: float | None = None
    bridge_id: str = ""
    alive: bool = True
    owner: Call | None = None

    @property
    def caller_id(self) -> str:
        """``"Name" <number>`` as in the Cdr ``CallerID`` field."""
        return f'"{self.caller_name}" <{self.caller_num}>'


@dataclass(eq=False)
class LocalPair:
    """``Local/<exten>@<context>-XXXXXXXX;1`` and ``;2``: ``one`` is the dialled side,
    ``two`` runs the dialplan."""

    one: Channel
    two: Channel
    device: str  # Local/101@agents

    @property
    def channels(self) -> tuple[Channel, Channel]:
        return (self.one, self.two)


@dataclass(eq=False)
class Bridge:
    uniqueid: str = field(default_factory=lambda: str(uuid.uuid4()))
    channels: list[Channel] = field(default_factory=list)


@dataclass(eq=False)
class Member:
    """A queue member. Calls taken and last call are shared by the interface across
    queues (``shared_lastcall = yes``), so ``AgentStats`` is one object per interface."""

    interface: str
    name: str
    state_interface: str
    stats: AgentStats
    membership: str = "static"
    penalty: int = 0
    login_time: int = 0
    last_pause: int = 0
    paused: bool = False
    paused_reason: str = ""
    ringinuse: bool = False
    in_call: bool = False

    @property
    def device(self) -> str:
        """The device whose state drives the member status (``Local/101@agents``)."""
        return self.state_interface.removesuffix("/n")

    @property
    def extension(self) -> str:
        """``101`` for ``Local/101@agents/n``; ``""`` when not an agent phone."""
        if not self.interface.startswith("Local/") or "@agents" not in self.interface:
            return ""
        return self.interface[len("Local/") :].split("@", 1)[0]


@dataclass(eq=False)
class AgentStats:
    calls_taken: int = 0
    last_call: int = 0  # epoch seconds, as shown in the events
    finished_at: float = 0.0  # on the PBX clock, for wrap-up time


@dataclass(eq=False)
class QueueCaller:
    call: Call
    channel: Channel
    joined_vt: float
    original_position: int
    ringing: bool = False


@dataclass(eq=False)
class Queue:
    name: str
    strategy: str = "rrmemory"
    timeout: float = 5
    retry: float = 1
    wrapuptime: float = 1
    members: list[Member] = field(default_factory=list)
    callers: list[QueueCaller] = field(default_factory=list)
    completed: int = 0
    abandoned: int = 0
    hold_time: int = 0
    talk_time: int = 0
    next_index: int = 0
    avail_inuse: bool = False

    def member(self, interface: str) -> Member | None:
        return next((m for m in self.members if m.interface == interface), None)

    def position(self, channel: Channel) -> int:
        for index, caller in enumerate(self.callers, start=1):
            if caller.channel is channel:
                return index
        return 0

    def record(self, *, hold: int, talk: int | None) -> None:
        """Update the rolling averages Asterisk keeps (new = (old * 3 + sample) / 4)."""
        self.hold_time = (self.hold_time * 3 + hold) // 4
        if talk is None:
            self.abandoned += 1
            return
        self.completed += 1
        self.talk_time = (self.talk_time * 3 + talk) // 4


class Ids:
    """Uniqueids (``<epoch>.<seq>``) and Local channel suffixes (``0000000e``)."""

    def __init__(self) -> None:
        self._sequence = itertools.count()
        self._local = itertools.count(1)

    def uniqueid(self, wall: float) -> str:
        return f"{int(wall)}.{next(self._sequence)}"

    def local_suffix(self) -> str:
        return f"{next(self._local):08x}"
