"""Originate of a Local channel: the request, the Local pair it creates, the result event."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ami.protocol import Message
from ami.simulator.call import Call
from ami.simulator.model import UNKNOWN, LocalPair
from ami.simulator.ops import CALL

_CALLER_ID = re.compile(r'^\s*(?:"(?P<quoted>[^"]*)"|(?P<bare>[^<]*?))\s*<(?P<num>[^>]*)>\s*$')

REASON_FAILED, REASON_NO_ANSWER, REASON_ANSWERED, REASON_BUSY, REASON_CONGESTION = 0, 3, 4, 5, 8


def parse_caller_id(value: str) -> tuple[str, str]:
    """``"Ivan Petrov" <+79161234567>`` -> (number, name); a bare number has no name."""
    match = _CALLER_ID.match(value)
    if match is None:
        value = value.strip()
        return (value, UNKNOWN) if value else (UNKNOWN, UNKNOWN)
    name = (match.group("quoted") or match.group("bare") or "").strip()
    return match.group("num") or UNKNOWN, name or UNKNOWN


@dataclass(frozen=True, slots=True)
class OriginateRequest:
    """What an ``Originate`` action asked for."""

    channel: str  # Local/74951234567@from-pstn
    action_id: str = ""
    context: str = ""
    exten: str = ""
    priority: str = "1"
    application: str = ""
    data: str = ""
    caller_num: str = UNKNOWN
    caller_name: str = UNKNOWN
    timeout_s: float = 30
    variables: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    channel_id: str = ""
    other_channel_id: str = ""

    @classmethod
    def from_action(cls, action: Message, fields: Mapping[str, str]) -> OriginateRequest:
        """Build from an action (``fields``: its keys lower-cased, first values)."""
        number, name = parse_caller_id(fields.get("callerid", ""))
        variables = []
        for key, _ in action.items():
            if key.lower() == "variable":
                for item in action.getall(key):
                    for assignment in item.split(","):
                        var, _, value = assignment.partition("=")
                        variables.append((var.strip(), value))
        try:
            timeout = float(fields.get("timeout") or 30000) / 1000
        except ValueError:
            timeout = 30.0
        return cls(
            channel=fields.get("channel", ""),
            action_id=fields.get("actionid", ""),
            context=fields.get("context", ""),
            exten=fields.get("exten", ""),
            priority=fields.get("priority", "1") or "1",
            application=fields.get("application", ""),
            data=fields.get("data", ""),
            caller_num=number,
            caller_name=name,
            timeout_s=timeout,
            variables=tuple(variables),
            channel_id=fields.get("channelid", ""),
            other_channel_id=fields.get("otherchannelid", ""),
        )

    def local_target(self) -> tuple[str, str] | None:
        """(exten, context) of ``Local/<exten>@<context>[/n]``, or None."""
        match = re.fullmatch(r"Local/([^@/]+)@([^/]+)(?:/n)?", self.channel)
        return (match.group(1), match.group(2)) if match else None


def start_pair(call: Call, request: OriginateRequest, exten: str, context: str) -> LocalPair:
    """Create the originated Local pair: Newchannel x2 ... NewConnectedLine on ``;2``."""
    ids = (request.channel_id, request.other_channel_id or _other_id(request.channel_id))
    pair = call.local_pair(exten, context, ids)
    one, two = pair.channels
    call.newchannel(one, two)
    call.newexten(one, 1, "AppDial2", "(Outgoing Line)")
    call.varset(one, *reversed(request.variables))
    number, name = request.caller_num, request.caller_name
    call.newcallerid(one, number, name)
    call.newconnectedline(one, number, name)
    call.varset(two, *request.variables)
    two.connected_num, two.connected_name = number, name
    call.newcallerid(two, number, name)
    call.newconnectedline(two, number, name)
    return pair


def _other_id(channel_id: str) -> str:
    """The ``;2`` half's Uniqueid when only ChannelId was given (08a-c)."""
    return f"{channel_id};2" if channel_id else ""


def originate_response(
    call: Call, request: OriginateRequest, reason: int, pair: LocalPair | None
) -> None:
    """The OriginateResponse event (to every session, with the originator's ActionID)."""
    success = reason == REASON_ANSWERED and pair is not None
    pairs = [("ActionID", request.action_id)] if request.action_id else []
    pairs += [
        ("Response", "Success" if success else "Failure"),
        ("Channel", pair.one.name if success and pair else request.channel),
    ]
    if request.application:
        pairs += [("Application", request.application), ("Data", request.data)]
    else:
        pairs += [("Context", request.context), ("Exten", request.exten)]
    uniqueid = pair.one.uniqueid if success and pair else (request.channel_id or UNKNOWN)
    pairs += [
        ("Reason", str(reason)),
        ("Uniqueid", uniqueid),
        ("CallerIDNum", request.caller_num),
        ("CallerIDName", request.caller_name),
    ]
    call.pbx.emit("OriginateResponse", pairs, CALL)
