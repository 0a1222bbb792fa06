"""What the call tracker reports: frozen records, each holding a snapshot of the call.

The ``call`` of an update is a copy taken when the update was made, so it may be kept or
handed to another task while the tracker goes on changing its own state.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.calls.records import Call, Leg


@dataclass(frozen=True, slots=True)
class CallStarted:
    """A new conversation (a new Linkedid), or one found again by ``reconcile``."""

    call: Call


@dataclass(frozen=True, slots=True)
class CallRinging:
    """A leg started ringing at an agent (drives the screen-pop); ``agent`` is the extension."""

    call: Call
    leg: Leg
    agent: str


@dataclass(frozen=True, slots=True)
class CallAnswered:
    """A leg answered: an agent (``agent`` set) or, for outbound calls, the customer (``""``).
    ``replaces``: the Linkedid of the agent's own call that joined this one (a parked call
    picked up, 06d), whose pop this call's takes the place of."""

    call: Call
    leg: Leg
    agent: str
    replaces: str = ""


@dataclass(frozen=True, slots=True)
class CallUpdated:
    """Something else changed; ``change`` names it: a timeline kind (``queued``,
    ``left_queue``, ``abandoned``, ``hold``, ``unhold``, ``transfer``, ``recording``), a
    field (``caller``, ``direction``, ``legs``), or ``machine``: the dialplan's answering
    machine detection found one (AMDSTATUS=MACHINE)."""

    call: Call
    change: str


@dataclass(frozen=True, slots=True)
class AgentLeft:
    """An agent's leg ended while ringing (not answered) or after talking (hung up,
    transferred away). Sent before ``CallEnded`` when it is the end of the call."""

    call: Call
    leg: Leg
    agent: str


@dataclass(frozen=True, slots=True)
class CallEnded:
    """The last channel of the conversation hung up: outcome and durations are final.
    Sent exactly once per Linkedid; the tracker forgets the call afterwards."""

    call: Call


@dataclass(frozen=True, slots=True)
class CallMerged:
    """A call that only reached another one (a phone that picked a parked call up, 06d)
    became part of it, ``into`` (the Linkedid it joined): its legs went over, and it is no
    call of its own, so its stored row goes. Sent once, instead of ``CallEnded``."""

    call: Call
    into: str


@dataclass(frozen=True, slots=True)
class OriginateResult:
    """The outcome of an async ``Originate``, matched to it by ``action_id``.

    ``reason``: 0 failed/invalid/cancelled, 1 hung up, 3 no answer, 4 answered, 5 busy,
    8 congestion. ``uniqueid`` is None when Asterisk gave ``<unknown>`` (a failure without
    ``ChannelId``); ``linkedid`` is the call it belongs to when the tracker knows it.
    """

    action_id: str
    success: bool
    reason: int
    uniqueid: str | None
    linkedid: str | None
    channel: str = ""


TrackerUpdate = (
    CallStarted
    | CallRinging
    | CallAnswered
    | CallUpdated
    | AgentLeft
    | CallEnded
    | CallMerged
    | OriginateResult
)
