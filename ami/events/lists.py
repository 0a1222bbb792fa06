"""Events that answer list actions (CoreShowChannels, QueueStatus, QueueSummary, Status).

Each carries the ``ActionID`` of the action; the list ends with a ``...Complete`` event
holding ``ListItems`` (the number of items sent).
"""

from __future__ import annotations

from dataclasses import dataclass

from ami.events._spec import decimal, duration, flag, nested, number, text
from ami.events.common import AmiEvent, ChannelInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class ListComplete(AmiEvent):
    action_id: str = text("ActionID")
    event_list: str = text("EventList")
    list_items: int = number("ListItems")


@dataclass(frozen=True, slots=True, kw_only=True)
class CoreShowChannel(AmiEvent):
    action_id: str = text("ActionID")
    channel: ChannelInfo = nested(ChannelInfo)
    application: str = text("Application")
    application_data: str = text("ApplicationData")
    duration_s: int = duration("Duration")
    bridge_id: str = text("BridgeId")


@dataclass(frozen=True, slots=True, kw_only=True)
class CoreShowChannelsComplete(ListComplete):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueParams(AmiEvent):
    action_id: str = text("ActionID")
    queue: str = text("Queue")
    max: int = number("Max")
    strategy: str = text("Strategy")
    calls: int = number("Calls")
    hold_time_s: int = number("Holdtime")
    talk_time_s: int = number("TalkTime")
    completed: int = number("Completed")
    abandoned: int = number("Abandoned")
    service_level: int = number("ServiceLevel")
    service_level_perf: float = decimal("ServicelevelPerf")
    service_level_perf2: float = decimal("ServicelevelPerf2")
    weight: int = number("Weight")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMember(AmiEvent):
    """One member in a QueueStatus answer (``name``/``location`` are the MemberName and
    Interface of the QueueMember* events)."""

    action_id: str = text("ActionID")
    queue: str = text("Queue")
    name: str = text("Name")
    location: str = text("Location")
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
    wrapuptime: int = number("Wrapuptime")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueEntry(AmiEvent):
    """A caller waiting in a queue (QueueStatus answer)."""

    action_id: str = text("ActionID")
    queue: str = text("Queue")
    position: int = number("Position")
    channel: str = text("Channel")
    uniqueid: str = text("Uniqueid")
    caller_id_num: str = text("CallerIDNum")
    caller_id_name: str = text("CallerIDName")
    connected_line_num: str = text("ConnectedLineNum")
    connected_line_name: str = text("ConnectedLineName")
    wait_s: int = number("Wait")
    priority: int = number("Priority")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueStatusComplete(ListComplete):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueSummary(AmiEvent):
    action_id: str = text("ActionID")
    queue: str = text("Queue")
    logged_in: int = number("LoggedIn")
    available: int = number("Available")
    callers: int = number("Callers")
    hold_time_s: int = number("HoldTime")
    talk_time_s: int = number("TalkTime")
    longest_hold_time_s: int = number("LongestHoldTime")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueSummaryComplete(ListComplete):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Status(AmiEvent):
    """One channel in a Status answer."""

    action_id: str = text("ActionID")
    channel: ChannelInfo = nested(ChannelInfo)
    type: str = text("Type")
    dnid: str = text("DNID")
    bridge_id: str = text("BridgeID")
    application: str = text("Application")
    data: str = text("Data")
    seconds: int = number("Seconds")


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusComplete(ListComplete):
    items: int = number("Items")
