"""The tracker's own bookkeeping around the domain records (never handed out)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from callcenter.calls.records import Call, CallEvent, Leg


class Role(Enum):
    AGENT = "agent"  # a channel to (or of) an agent: Local/101@agents-..;1, PJSIP/101-..
    HALF = "half"  # the ;2 half of an agent's Local channel: same agent, not counted again
    PARTY = "party"  # anything else: the caller, the customer, IVR or trunk legs


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    region: str
    inbound: frozenset[str]
    outbound: frozenset[str]
    agents: frozenset[str]


@dataclass(slots=True)
class LegState:
    leg: Leg
    role: Role
    dialed: bool  # created Down: someone dialed it (it rings), rather than it calling in
    partner: str = ""  # a Local half: uniqueid of the other half
    rang: bool = False  # CallRinging sent
    hold_since: datetime | None = None
    dial_status: str = ""  # first final dial status (NOANSWER, BUSY, CANCEL ...)


@dataclass(slots=True)
class CallState:
    call: Call
    first: str  # uniqueid of the channel that started the call
    legs: dict[str, LegState] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)  # uniqueids not hung up yet
    local_ones: dict[str, str] = field(default_factory=dict)  # Local base name -> ;1 uniqueid
    on_hold: int = 0  # legs on hold now
    hold_since: datetime | None = None
    agent_answered_at: datetime | None = None
    queue_left_at: datetime | None = None
    abandoned: bool = False
    originate_reason: int | None = None
    dial_status: str = ""  # last final DialEnd status other than ANSWER
    rang: bool = False  # some leg reached the Ringing state
    causes: list[tuple[int, bool]] = field(default_factory=list)  # (cause, leg answered)

    @property
    def linkedid(self) -> str:
        return self.call.linkedid


def seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def snapshot(call: Call) -> Call:
    """A copy of the call that later changes do not reach (legs and lists copied)."""
    return dataclasses.replace(
        call,
        agents=list(call.agents),
        legs={uid: dataclasses.replace(leg) for uid, leg in call.legs.items()},
        timeline=list(call.timeline),
    )


MAX_TIMELINE = 200


def note(state: CallState, at: datetime, kind: str, uniqueid: str = "", /, **detail: str) -> None:
    """Append to the call's timeline (bounded; ``ended`` always fits)."""
    timeline = state.call.timeline
    if len(timeline) >= MAX_TIMELINE and kind != "ended":
        return
    timeline.append(CallEvent(at=at, kind=kind, uniqueid=uniqueid, detail=detail))
