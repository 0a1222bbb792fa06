"""The tracker's own bookkeeping around the domain records (never handed out)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from callcenter.calls.records import Call, CallEvent, Leg

T = TypeVar("T")


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
    rang: set[str] = field(default_factory=set)  # uniqueids of legs that reached Ringing
    causes: list[tuple[int, bool]] = field(default_factory=list)  # (cause, leg answered)

    @property
    def linkedid(self) -> str:
        return self.call.linkedid


def seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def _copier(cls: type[T]) -> Callable[[T], T]:
    """A shallow copy of a ``cls`` that calls its constructor with every field, compiled
    from the fields: ``dataclasses.replace`` took four times as long, for every update."""
    values = ", ".join(f"o.{f.name}" for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    names: dict[str, Any] = {"cls": cls}
    exec(f"def copy(o): return cls({values})", names)  # noqa: S102 - our own field names
    return names["copy"]  # type: ignore[no-any-return]


_copy_call, _copy_leg = _copier(Call), _copier(Leg)


def snapshot(call: Call) -> Call:
    """A copy of the call that later changes do not reach (legs and lists copied)."""
    copy = _copy_call(call)
    copy.agents = list(call.agents)
    copy.legs = {uid: _copy_leg(leg) for uid, leg in call.legs.items()}
    copy.timeline = list(call.timeline)
    return copy


MAX_TIMELINE = 200


def note(state: CallState, at: datetime, kind: str, uniqueid: str = "", /, **detail: str) -> None:
    """Append to the call's timeline (bounded; ``ended`` always fits)."""
    timeline = state.call.timeline
    if len(timeline) >= MAX_TIMELINE and kind != "ended":
        return
    timeline.append(CallEvent(at=at, kind=kind, uniqueid=uniqueid, detail=detail))
