"""What the telephony adapter tells the domain about a call: plain records, no AMI types.

The AMI call tracker (``ami/tracker``) builds these from events; the calls service stores them.
A call is one conversation keyed by Asterisk's ``Linkedid``; each channel taking part is a leg
keyed by its ``Uniqueid``. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# A supervisor's listen, whisper or barge is originated with this prefix on its ChannelId
# (so its Linkedid): it is no conversation of the call center's, and is never tracked.
SPY_PREFIX = "crm-spy-"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class Outcome(StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"  # congestion, invalid number, channel unavailable...
    ABANDONED = "abandoned"  # the caller hung up while waiting in a queue


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One significant moment of a call, kept as its timeline (to show and to audit)."""

    at: datetime
    kind: str  # started, queued, ringing, answered, hold, unhold, transfer, parked, unparked,
    # left_queue, ended
    uniqueid: str = ""
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Leg:
    """One channel of the call; agents' legs carry the agent's interface or extension."""

    uniqueid: str
    channel: str
    started_at: datetime
    agent: str = ""  # the extension or queue member interface when this leg is an agent
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    hangup_cause: int | None = None
    talk_seconds: float = 0.0
    hold_seconds: float = 0.0


@dataclass(slots=True)
class Call:
    linkedid: str
    direction: Direction
    started_at: datetime
    caller: str = ""  # E.164 where it is a phone number, else as Asterisk gave it
    callee: str = ""
    queue: str = ""
    queued_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: Outcome | None = None  # set when the call has ended
    hangup_cause: int | None = None
    wait_seconds: float = 0.0  # time in queue (or ringing) before an answer or the end
    talk_seconds: float = 0.0
    hold_seconds: float = 0.0
    recording: str = ""
    agents: list[str] = field(default_factory=list)
    # ended while the CRM could not hear the PBX (link lost, CRM restarted): the call ended
    # between ``ended_at`` (the last moment it was known live) and ``ended_latest_at``
    # (when it was found gone), and its talk is bounded by what was heard
    end_uncertain: bool = False
    ended_latest_at: datetime | None = None
    legs: dict[str, Leg] = field(default_factory=dict)  # by Uniqueid
    timeline: list[CallEvent] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.ended_at is not None
