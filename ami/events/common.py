"""Blocks shared by many events (a channel snapshot, a bridge) and the generic types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ami.events._spec import flag, number, text

UNKNOWN = "<unknown>"
"""What Asterisk prints for an unset caller id, connected line or uniqueid."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelInfo:
    """A channel snapshot: the keys every channel event carries (``Dest``... for the peer).

    Caller id fields hold ``<unknown>`` (``UNKNOWN``) when Asterisk has none. Linkedid is
    the uniqueid of the first channel of the call: use it to group the legs of one call.
    """

    channel: str = text("Channel")
    channel_state: int = number("ChannelState")
    channel_state_desc: str = text("ChannelStateDesc")
    caller_id_num: str = text("CallerIDNum")
    caller_id_name: str = text("CallerIDName")
    connected_line_num: str = text("ConnectedLineNum")
    connected_line_name: str = text("ConnectedLineName")
    account_code: str = text("AccountCode")
    context: str = text("Context")
    exten: str = text("Exten")
    priority: int = number("Priority")
    uniqueid: str = text("Uniqueid")
    linkedid: str = text("Linkedid")


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeInfo:
    """The bridge block of Bridge* and transfer events."""

    bridge_uniqueid: str = text("BridgeUniqueid")
    bridge_type: str = text("BridgeType")
    bridge_technology: str = text("BridgeTechnology")
    bridge_creator: str = text("BridgeCreator")
    bridge_name: str = text("BridgeName")
    bridge_num_channels: int = number("BridgeNumChannels")
    bridge_video_source_mode: str = text("BridgeVideoSourceMode")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMemberInfo:
    """The member block of the QueueMember* events (``Status`` is a device state number:
    1 not in use, 2 in use, 3 busy, 5 unavailable, 6 ringing ...)."""

    queue: str = text("Queue")
    member_name: str = text("MemberName")
    interface: str = text("Interface")
    state_interface: str = text("StateInterface")
    membership: str = text("Membership")
    penalty: int = number("Penalty")
    calls_taken: int = number("CallsTaken")
    last_call: int = number("LastCall")
    last_pause: int = number("LastPause")
    login_time: int = number("LoginTime")
    in_call: bool = flag("InCall")
    status: int = number("Status")
    paused: bool = flag("Paused")
    paused_reason: str = text("PausedReason")
    ringinuse: bool = flag("Ringinuse")
    wrapuptime: int = number("Wrapuptime")


@dataclass(frozen=True, slots=True)
class AmiEvent:
    """Base of every typed event."""


@dataclass(frozen=True, slots=True)
class UnknownEvent(AmiEvent):
    """An event with no typed class (or that could not be read): its name and raw fields."""

    name: str
    fields: Mapping[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Response:
    """An action response: ``Success``, ``Error``, ``Goodbye`` ... and its fields."""

    response: str
    action_id: str = ""
    message: str = ""
    fields: Mapping[str, str | list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.response in ("Success", "Goodbye", "Follows")
