"""Queue events: callers joining and leaving, agents rung, members changed.

Units are in the field names: ``RingTime`` is milliseconds in AgentRingNoAnswer
(``ring_time_ms``) but seconds in AgentConnect (``ring_time_s``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ami.events._spec import nested, number, text
from ami.events.calls import ChannelEvent
from ami.events.common import AmiEvent, ChannelInfo, QueueMemberInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCallerJoin(ChannelEvent):
    queue: str = text("Queue")
    position: int = number("Position")
    count: int = number("Count")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCallerLeave(ChannelEvent):
    queue: str = text("Queue")
    position: int = number("Position")
    count: int = number("Count")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCallerAbandon(ChannelEvent):
    queue: str = text("Queue")
    position: int = number("Position")
    original_position: int = number("OriginalPosition")
    hold_time_s: int = number("HoldTime")


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentEvent(ChannelEvent):
    """An agent (queue member) event: ``channel`` is the caller, ``dest`` the agent leg."""

    dest: ChannelInfo = nested(ChannelInfo, "Dest")
    queue: str = text("Queue")
    interface: str = text("Interface")
    member_name: str = text("MemberName")


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentCalled(AgentEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentConnect(AgentEvent):
    hold_time_s: int = number("HoldTime")
    ring_time_s: int = number("RingTime")


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentComplete(AgentEvent):
    """``reason``: ``caller``, ``agent`` or ``transfer``."""

    hold_time_s: int = number("HoldTime")
    talk_time_s: int = number("TalkTime")
    reason: str = text("Reason")


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentRingNoAnswer(AgentEvent):
    ring_time_ms: int = number("RingTime")


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentDump(AgentEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMemberEvent(AmiEvent):
    """A queue member changed; ``member`` holds its whole state after the change."""

    member: QueueMemberInfo = nested(QueueMemberInfo)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMemberAdded(QueueMemberEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMemberRemoved(QueueMemberEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMemberPause(QueueMemberEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMemberStatus(QueueMemberEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMemberRinginuse(QueueMemberEvent):
    """Note the spelling: the event is ``QueueMemberRinginuse``, the action
    ``QueueMemberRingInUse``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMemberPenalty(QueueMemberEvent):
    pass
