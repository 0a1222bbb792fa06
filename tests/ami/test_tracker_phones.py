"""Calls between real phones (PJSIP channels, no Local pairs), built event by event: the
transcripts only hold Local channels, while production agents sit on SIP phones."""

from __future__ import annotations

from dataclasses import replace

from ami.events import ChannelInfo, DialBegin, Hangup, Newchannel, Newstate
from ami.tracker import CallAnswered, CallEnded, CallRinging, CallTracker
from callcenter.calls.records import Direction, Outcome
from tests.ami.ami_support import replay

DOWN, RING, RINGING, UP = 0, 4, 5, 6


def channel(name: str, uid: str, context: str, exten: str, state: int) -> ChannelInfo:
    return ChannelInfo(
        channel=name,
        uniqueid=uid,
        linkedid="1.1",
        context=context,
        exten=exten,
        channel_state=state,
        caller_id_num="101",
    )


def phone_call(dialed: str, dialed_context: str, number: str) -> list[tuple[float, object]]:
    """PJSIP/101 calls ``number``; ``dialed`` rings 2 s, talks 5 s and hangs up."""
    caller = channel("PJSIP/101-00000001", "1.1", "agents", number, RING)
    callee = channel(dialed, "1.2", dialed_context, number, DOWN)
    return [
        (0.0, Newchannel(channel=caller)),
        (0.0, Newchannel(channel=callee)),
        (0.0, DialBegin(channel=caller, dest=callee, dial_string=number)),
        (0.0, Newstate(channel=replace(callee, channel_state=RINGING))),
        (2.0, Newstate(channel=replace(callee, channel_state=UP))),
        (2.0, Newstate(channel=replace(caller, channel_state=UP))),
        (7.0, Hangup(channel=callee, cause=16)),
        (7.0, Hangup(channel=caller, cause=16)),
    ]


def test_agent_to_agent_call_is_internal_and_answered_by_the_callee() -> None:
    updates = [
        u for _, u in replay(CallTracker(), phone_call("PJSIP/102-00000002", "agents", "102"))
    ]

    assert [(type(u), u.agent) for u in updates if isinstance(u, CallRinging | CallAnswered)] == [
        (CallRinging, "102"),
        (CallAnswered, "102"),
    ]
    (ended,) = [u.call for u in updates if isinstance(u, CallEnded)]
    assert ended.direction is Direction.INTERNAL
    assert (ended.caller, ended.callee) == ("101", "102")
    assert ended.outcome is Outcome.ANSWERED
    assert ended.agents == ["102"]
    assert (ended.wait_seconds, ended.talk_seconds) == (2.0, 5.0)
    caller_leg = ended.legs["1.1"]
    assert caller_leg.agent == "101"
    assert caller_leg.talk_seconds == 5.0  # the caller's phone is Up once the callee answers


def test_agent_dialing_a_number_from_the_phone_is_outbound() -> None:
    updates = replay(CallTracker(), phone_call("PJSIP/trunk-00000002", "from-pstn", "89161234561"))

    (ended,) = [u.call for _, u in updates if isinstance(u, CallEnded)]
    assert ended.direction is Direction.OUTBOUND
    assert (ended.caller, ended.callee) == ("101", "+79161234561")
    assert ended.outcome is Outcome.ANSWERED
    assert ended.answered_at is not None
    assert ended.agents == []  # nobody was rung: the agent placed the call
