"""The one table of AMI event name -> typed event class, and ``to_event``."""

from __future__ import annotations

import logging

from ami.events import calls, lists, queues
from ami.events._spec import RawFields, build
from ami.events.common import AmiEvent, Response, UnknownEvent

log = logging.getLogger(__name__)

EVENT_TYPES: dict[str, type[AmiEvent]] = {
    # channels and calls
    "Newchannel": calls.Newchannel,
    "Newstate": calls.Newstate,
    "NewCallerid": calls.NewCallerid,
    "NewConnectedLine": calls.NewConnectedLine,
    "Hangup": calls.Hangup,
    "HangupRequest": calls.HangupRequest,
    "SoftHangupRequest": calls.SoftHangupRequest,
    "DialBegin": calls.DialBegin,
    "DialState": calls.DialState,
    "DialEnd": calls.DialEnd,
    "BridgeCreate": calls.BridgeCreate,
    "BridgeEnter": calls.BridgeEnter,
    "BridgeLeave": calls.BridgeLeave,
    "BridgeDestroy": calls.BridgeDestroy,
    "Hold": calls.Hold,
    "Unhold": calls.Unhold,
    "MusicOnHoldStart": calls.MusicOnHoldStart,
    "MusicOnHoldStop": calls.MusicOnHoldStop,
    "MixMonitorStart": calls.MixMonitorStart,
    "MixMonitorStop": calls.MixMonitorStop,
    "BlindTransfer": calls.BlindTransfer,
    "AttendedTransfer": calls.AttendedTransfer,
    "ChanSpyStart": calls.ChanSpyStart,
    "ParkedCall": calls.ParkedCall,
    "UnParkedCall": calls.UnParkedCall,
    "ChanSpyStop": calls.ChanSpyStop,
    "OriginateResponse": calls.OriginateResponse,
    "Cdr": calls.Cdr,
    "VarSet": calls.VarSet,
    "FullyBooted": calls.FullyBooted,
    # queues
    "QueueCallerJoin": queues.QueueCallerJoin,
    "QueueCallerLeave": queues.QueueCallerLeave,
    "QueueCallerAbandon": queues.QueueCallerAbandon,
    "AgentCalled": queues.AgentCalled,
    "AgentConnect": queues.AgentConnect,
    "AgentComplete": queues.AgentComplete,
    "AgentRingNoAnswer": queues.AgentRingNoAnswer,
    "AgentDump": queues.AgentDump,
    "QueueMemberAdded": queues.QueueMemberAdded,
    "QueueMemberRemoved": queues.QueueMemberRemoved,
    "QueueMemberPause": queues.QueueMemberPause,
    "QueueMemberStatus": queues.QueueMemberStatus,
    "QueueMemberRinginuse": queues.QueueMemberRinginuse,
    "QueueMemberPenalty": queues.QueueMemberPenalty,
    # answers to list actions
    "CoreShowChannel": lists.CoreShowChannel,
    "CoreShowChannelsComplete": lists.CoreShowChannelsComplete,
    "QueueParams": lists.QueueParams,
    "QueueMember": lists.QueueMember,
    "QueueEntry": lists.QueueEntry,
    "QueueStatusComplete": lists.QueueStatusComplete,
    "QueueSummary": lists.QueueSummary,
    "QueueSummaryComplete": lists.QueueSummaryComplete,
    "Status": lists.Status,
    "StatusComplete": lists.StatusComplete,
}


def _text(message: RawFields, key: str) -> str:
    value = message.get(key, "")
    return value[0] if isinstance(value, list) and value else str(value or "")


def to_response(message: RawFields) -> Response:
    """Read a ``Response:`` message."""
    return Response(
        response=_text(message, "Response"),
        action_id=_text(message, "ActionID"),
        message=_text(message, "Message"),
        fields=message,
    )


def to_event(message: RawFields) -> AmiEvent | Response:
    """Turn a parsed message into its typed event (or a ``Response``). Never raises.

    Names not in ``EVENT_TYPES`` give ``UnknownEvent``; so does a message that cannot be
    read at all (it is logged). A single bad value only falls back to its field default.
    """
    name = _text(message, "Event")
    if not name:
        if "Response" in message:
            return to_response(message)
        return UnknownEvent(name="", fields=message)
    cls = EVENT_TYPES.get(name)
    if cls is None:
        return UnknownEvent(name=name, fields=message)
    try:
        return build(cls, message, name)
    except Exception:  # never let one event break the consumer
        log.exception("AMI: cannot read %s event %r", name, dict(message))
        return UnknownEvent(name=name, fields=message)
