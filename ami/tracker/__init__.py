"""The call tracker: turns typed AMI events into ``callcenter.calls.records`` calls.

``CallTracker.handle(event, at)`` returns the updates below; see ``ami.tracker.outcome``
for how outcome, hangup cause and durations are decided.
"""

from ami.tracker.tracker import HANDLERS, CallTracker
from ami.tracker.updates import (
    AgentLeft,
    CallAnswered,
    CallEnded,
    CallMerged,
    CallRinging,
    CallStarted,
    CallUpdated,
    OriginateResult,
    TrackerUpdate,
)

__all__ = [
    "AgentLeft",
    "CallAnswered",
    "CallEnded",
    "CallMerged",
    "CallRinging",
    "CallStarted",
    "CallTracker",
    "CallUpdated",
    "HANDLERS",
    "OriginateResult",
    "TrackerUpdate",
]
