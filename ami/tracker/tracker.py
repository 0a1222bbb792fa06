"""``CallTracker``: AMI events in, call updates out. Pure in-memory, no I/O.

Feed every event in arrival order with the time it was received; after each (re)connect,
``reconcile`` with the CoreShowChannel events so calls missed meanwhile are neither left
as ghosts nor lost. Events of calls it never saw start are ignored until then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from ami import events as ev
from ami.tracker import channels, features, queues
from ami.tracker.adopt import adopt
from ami.tracker.book import CallBook
from ami.tracker.resync import reconcile
from ami.tracker.state import TrackerConfig, snapshot
from ami.tracker.updates import TrackerUpdate
from callcenter.calls.records import Call

log = logging.getLogger(__name__)

Handler = Callable[[CallBook, Any, datetime], list[TrackerUpdate]]

# The one list of event -> handler pairs; any other event (VarSet aside, the bulk of the
# traffic: Newexten, DeviceStateChange, Cdr ...) is dropped by a single dict lookup.
HANDLERS: dict[type, Handler] = {
    ev.VarSet: features.on_varset,
    ev.Newchannel: channels.on_newchannel,
    ev.NewCallerid: channels.on_new_callerid,
    ev.Newstate: channels.on_newstate,
    ev.DialBegin: channels.on_dial_begin,
    ev.DialEnd: channels.on_dial_end,
    ev.BridgeEnter: channels.on_bridge_enter,
    ev.Hangup: channels.on_hangup,
    ev.QueueCallerJoin: queues.on_join,
    ev.QueueCallerLeave: queues.on_leave,
    ev.QueueCallerAbandon: queues.on_abandon,
    ev.AgentCalled: queues.on_agent_called,
    ev.AgentConnect: queues.on_agent_connect,
    ev.AgentRingNoAnswer: queues.on_ring_no_answer,
    ev.Hold: features.on_hold,
    ev.Unhold: features.on_unhold,
    ev.BlindTransfer: features.on_blind_transfer,
    ev.AttendedTransfer: features.on_attended_transfer,
    ev.ParkedCall: features.on_parked,
    ev.UnParkedCall: features.on_parked,
    ev.MixMonitorStart: features.on_mixmonitor_start,
    ev.OriginateResponse: features.on_originate_response,
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CallTracker:
    """The state machine of every live call, keyed by Linkedid (legs by Uniqueid).

    Contexts classify a call by its first channel: ``inbound_contexts`` -> inbound,
    ``outbound_contexts`` -> outbound (the dialer's ``Local/<number>@customers``), and
    ``agent_contexts`` mark agents' legs. A call started in an agent context is internal
    (agent to agent) unless it dials a phone number or reaches an outbound context
    (click-to-call): then it is outbound. Any other context gives internal.

    Times follow the metrics note (see ``ami.tracker.outcome``): ``talk_seconds`` runs from
    the human answer to the end and includes hold, like AgentComplete TalkTime and the CDR
    billsec; ``hold_seconds`` is the part of it spent on hold.
    """

    def __init__(
        self,
        *,
        region: str = "RU",
        inbound_contexts: Iterable[str] = ("from-pstn",),
        outbound_contexts: Iterable[str] = ("customers", "outbound", "campaign", "dialer"),
        agent_contexts: Iterable[str] = ("agents",),
        clock: Callable[[], datetime] | None = None,
        max_live_calls: int = 50_000,
    ) -> None:
        config = TrackerConfig(
            region=region,
            inbound=frozenset(inbound_contexts),
            outbound=frozenset(outbound_contexts),
            agents=frozenset(agent_contexts),
        )
        self._book = CallBook(config, max_live_calls)
        self._clock = clock or _utc_now
        self._handlers = HANDLERS

    @property
    def event_types(self) -> frozenset[type]:
        """The events this tracker reads; any other is dropped."""
        return frozenset(self._handlers)

    def handle(self, event: object, at: datetime | float | None = None) -> list[TrackerUpdate]:
        """Apply one event received at ``at`` (a datetime, a unix time, or now by the clock);
        what changed. Never raises: an event that cannot be applied is logged and skipped."""
        handler = self._handlers.get(type(event))
        if handler is None:
            return []
        try:
            if not isinstance(at, datetime):
                at = self._clock() if at is None else datetime.fromtimestamp(at, UTC)
            return handler(self._book, event, at)
        except Exception:
            linkedid = getattr(getattr(event, "channel", None), "linkedid", "?")
            log.exception("call %s: cannot apply %r, skipped", linkedid, event)
            return []

    def reconcile(
        self,
        channels: Iterable[ev.CoreShowChannel],
        at: datetime | None = None,
        *,
        lost_at: datetime | None = None,
    ) -> list[TrackerUpdate]:
        """Match the live calls to Asterisk's channel list (after a reconnect). A call found
        gone ended between the last moment it was known live and ``at``: ``lost_at``, when
        the link last heard the PBX, or what a previous leader last heard (``adopt``), but
        never before its own last event. (The tracker's own last event is no such bound:
        events of the new connection come before the channel list.)"""
        items = [c for c in channels if isinstance(c, ev.CoreShowChannel)]
        heard = [t for t in (lost_at, self._book.heard_at) if t is not None]
        try:
            return reconcile(self._book, items, at or self._clock(), max(heard, default=None))
        except Exception:
            log.exception("call ?: reconcile with %d channels failed", len(items))
            return []

    def adopt(self, calls: Iterable[Call], *, heard_at: datetime | None, at: datetime) -> int:
        """Take over the calls a previous leader stored as live (a new process, a takeover):
        they replace what this tracker holds, so the next ``reconcile`` continues them or
        ends them bounded by ``heard_at``, what the previous leader last heard. Returns how
        many were adopted."""
        return adopt(self._book, calls, heard_at=heard_at, at=at)

    def is_live(self, linkedid: str) -> bool:
        """The call is being tracked and has not ended."""
        return linkedid in self._book.calls

    def live_linkedids(self) -> set[str]:
        """The Linkedids of the calls not ended yet."""
        return set(self._book.calls)

    def snapshot_live(self) -> list[Call]:
        """Copies of the calls not ended yet, oldest first."""
        return [snapshot(state.call) for state in self._book.calls.values()]
