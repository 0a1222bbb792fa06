"""Field lists of the simulated events, in Asterisk 22's exact key order."""

from __future__ import annotations

import time

from ami.simulator.model import STATE_DESC, Bridge, Channel, LocalPair, Member, Queue

Pairs = list[tuple[str, str]]


def channel_pairs(channel: Channel, prefix: str = "") -> Pairs:
    """The channel snapshot block (``Channel`` ... ``Linkedid``), keys prefixed."""
    return [
        (f"{prefix}Channel", channel.name),
        (f"{prefix}ChannelState", str(channel.state)),
        (f"{prefix}ChannelStateDesc", STATE_DESC.get(channel.state, "Unknown")),
        (f"{prefix}CallerIDNum", channel.caller_num),
        (f"{prefix}CallerIDName", channel.caller_name),
        (f"{prefix}ConnectedLineNum", channel.connected_num),
        (f"{prefix}ConnectedLineName", channel.connected_name),
        (f"{prefix}Language", "en"),
        (f"{prefix}AccountCode", ""),
        (f"{prefix}Context", channel.context),
        (f"{prefix}Exten", channel.exten),
        (f"{prefix}Priority", str(channel.priority)),
        (f"{prefix}Uniqueid", channel.uniqueid),
        (f"{prefix}Linkedid", channel.linkedid),
    ]


def bridge_pairs(bridge: Bridge) -> Pairs:
    return [
        ("BridgeUniqueid", bridge.uniqueid),
        ("BridgeType", "basic"),
        ("BridgeTechnology", "simple_bridge"),
        ("BridgeCreator", "<unknown>"),
        ("BridgeName", "<unknown>"),
        ("BridgeNumChannels", str(len(bridge.channels))),
        ("BridgeVideoSourceMode", "none"),
    ]


def local_bridge_pairs(pair: LocalPair, *, optimization: bool) -> Pairs:
    return [
        *channel_pairs(pair.one, "LocalOne"),
        *channel_pairs(pair.two, "LocalTwo"),
        ("Context", pair.one.context),
        ("Exten", pair.one.exten),
        ("LocalOptimization", "Yes" if optimization else "No"),
    ]


def _common_member(member: Member, status: int) -> Pairs:
    return [
        ("StateInterface", member.state_interface),
        ("Membership", member.membership),
        ("Penalty", str(member.penalty)),
        ("CallsTaken", str(member.stats.calls_taken)),
        ("LastCall", str(member.stats.last_call)),
        ("LastPause", str(member.last_pause)),
        ("LoginTime", str(member.login_time)),
        ("InCall", "1" if member.in_call else "0"),
        ("Status", str(status)),
        ("Paused", "1" if member.paused else "0"),
        ("PausedReason", member.paused_reason),
    ]


def member_event_pairs(queue: Queue, member: Member, status: int) -> Pairs:
    """Fields of QueueMemberStatus/Added/Removed/Pause/Penalty/Ringinuse."""
    return [
        ("Queue", queue.name),
        ("MemberName", member.name),
        ("Interface", member.interface),
        *_common_member(member, status),
        ("Ringinuse", "1" if member.ringinuse else "0"),
        ("Wrapuptime", "0"),
    ]


def member_list_pairs(queue: Queue, member: Member, status: int, action_id: str) -> Pairs:
    """Fields of the QueueMember event of a QueueStatus answer."""
    return [
        ("Queue", queue.name),
        ("Name", member.name),
        ("Location", member.interface),
        *_common_member(member, status),
        ("Wrapuptime", "0"),
        ("ActionID", action_id),
    ]


def cdr_time(wall: float | None) -> str:
    return "" if wall is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(wall))


def cdr_pairs(
    channel: Channel,
    *,
    destination: str,
    destination_context: str,
    dest_channel: str,
    application: tuple[str, str],
    span: tuple[float, float | None, float],
    disposition: str,
) -> Pairs:
    """One Cdr event; ``span`` is (start, answer or None, end) wall times."""
    start, answer, end = span
    return [
        ("AccountCode", ""),
        ("Source", channel.caller_num),
        ("Destination", destination),
        ("DestinationContext", destination_context),
        ("CallerID", channel.caller_id),
        ("Channel", channel.name),
        ("DestinationChannel", dest_channel),
        ("LastApplication", application[0]),
        ("LastData", application[1]),
        ("StartTime", cdr_time(start)),
        ("AnswerTime", cdr_time(answer)),
        ("EndTime", cdr_time(end)),
        ("Duration", str(round(end - start))),
        ("BillableSeconds", str(round(end - answer) if answer is not None else 0)),
        ("Disposition", disposition),
        ("AMAFlags", "DOCUMENTATION"),
        ("UniqueID", channel.uniqueid),
        ("UserField", ""),
    ]
