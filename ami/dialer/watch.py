"""The dialer's calls as the tracker reports them, and what each attempt came to. Pure.

The listener hands over every tracker update whose call (or Originate) carries the dialer's
prefix; ``CallWatch`` keeps one ``DialerCall`` per attempt and ``decide`` says when its
outcome is known, by the rules of the metrics note (2.4, 3):

- the dialplan's answering-machine detection found a machine: ``machine``;
- the customer answered and an agent took the call within the grace time: ``answered``;
  no agent within the grace time (whether one comes later or never): ``abandoned``
  (preview calls ring the agent first: answered when the customer picks up);
- the call ended unanswered: from its hangup cause / dial status / Originate reason as the
  tracker classified it (``busy``, ``no_answer``, ``failed``), and ``congestion`` for the
  carrier's trouble (Reason 8, causes 34, 38, 41, 42);
- the Originate failed before any channel existed: from its Reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ami.tracker.updates import (
    CallAnswered,
    CallEnded,
    CallUpdated,
    OriginateResult,
    TrackerUpdate,
)
from callcenter.calls.records import Call
from callcenter.dialer.attempts import PREFIX

CONGESTION_CAUSES = frozenset({34, 38, 41, 42})
REASON_OUTCOME = {0: "failed", 1: "no_answer", 3: "no_answer", 5: "busy", 8: "congestion"}
NO_CHANNEL_WAIT = timedelta(seconds=5)  # a failed Originate's channels may still report


@dataclass
class DialerCall:
    action_id: str
    campaign_id: int | None = None
    dialed_at: datetime | None = None
    target: str = ""  # the agent extension it was dialed for ("" = the queue)
    answered_at: datetime | None = None
    connected_at: datetime | None = None
    agent: str = ""
    machine: bool = False
    failed_reason: int | None = None
    failed_at: datetime | None = None
    has_channels: bool = False
    ended: Call | None = None
    outcome: str = ""  # decided (written, or to be written)
    written: bool = False
    progress: bool = False  # times or agent to write
    heard_at: datetime | None = None


@dataclass
class CallWatch:
    calls: dict[str, DialerCall] = field(default_factory=dict)

    def track(self, action_id: str) -> DialerCall:
        call = self.calls.get(action_id)
        if call is None:
            call = self.calls[action_id] = DialerCall(action_id)
        return call

    def hear(self, update: TrackerUpdate, at: float) -> None:
        """Take one tracker update of a dialer call (the caller checked the prefix)."""
        moment = datetime.fromtimestamp(at, UTC)
        if isinstance(update, OriginateResult):
            call = self.track(update.action_id)
            call.heard_at = moment
            if not update.success:
                call.failed_reason, call.failed_at = update.reason, moment
                call.has_channels = call.has_channels or update.linkedid is not None
            return
        call = self.track(update.call.linkedid)
        call.heard_at, call.has_channels = moment, True
        if isinstance(update, CallAnswered):
            if update.agent:
                call.connected_at = call.connected_at or moment
                call.agent = call.agent or update.agent
            else:
                call.answered_at = call.answered_at or moment
            call.progress = True
        elif isinstance(update, CallUpdated) and update.change == "machine":
            call.machine = True
        elif isinstance(update, CallEnded):
            call.ended, call.progress = update.call, True

    def live(self, campaign_id: int) -> list[DialerCall]:
        return [c for c in self.calls.values() if c.campaign_id == campaign_id and not c.ended]

    def forget_done(self) -> None:
        """Drop the calls whose outcome is written and which have ended."""
        for key in [k for k, c in self.calls.items() if c.written and c.ended and not c.progress]:
            del self.calls[key]


def is_dialer(key: str) -> bool:
    return key.startswith(PREFIX)


def decide(call: DialerCall, now: datetime, grace: timedelta) -> str:
    """The attempt's outcome if it is known by ``now``, else ""."""
    if call.outcome:
        return call.outcome
    if call.machine:
        return "machine"
    if call.answered_at is not None:
        if call.connected_at is not None and call.connected_at - call.answered_at <= grace:
            return "answered"
        if call.connected_at is not None or now - call.answered_at > grace:
            return "abandoned"
        if call.ended is not None:
            return "abandoned"
        return ""
    if call.ended is not None:
        return _unanswered(call.ended, call.failed_reason)
    failed, failed_at = call.failed_reason, call.failed_at
    quiet = not call.has_channels and failed_at is not None and now - failed_at > NO_CHANNEL_WAIT
    if failed is not None and quiet:  # no channel will report it
        return REASON_OUTCOME.get(failed, "failed")
    return ""


def _unanswered(ended: Call, reason: int | None) -> str:
    if ended.answered_at is not None or ended.queued_at is not None:  # picked up, unheard
        return "answered" if ended.agents else "abandoned"
    if reason == 8 or ended.hangup_cause in CONGESTION_CAUSES:
        return "congestion"
    outcome = ended.outcome.value if ended.outcome else "failed"
    return outcome if outcome in ("busy", "no_answer", "failed") else "failed"
