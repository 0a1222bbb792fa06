"""What the call tracker reports while a call goes on: ringing, answers, hold, transfers,
originate results; and that odd input, noise and interleaved calls do not disturb it."""

from __future__ import annotations

import heapq
import logging
from dataclasses import replace

import pytest

from ami.events import (
    AgentConnect,
    ChannelInfo,
    Hangup,
    MixMonitorStart,
    Newchannel,
    Newstate,
    UnknownEvent,
    VarSet,
    to_event,
)
from ami.tracker import (
    AgentLeft,
    CallAnswered,
    CallEnded,
    CallRinging,
    CallStarted,
    CallTracker,
    OriginateResult,
    TrackerUpdate,
)
from tests.ami.ami_support import SCENARIOS, received_at, replay, timed_events

CALLS = [s for s in SCENARIOS if not s.startswith("07")]
TIMELINE_KINDS = {"started", "queued", "ringing", "answered", "ring_ended", "agent_left"}
TIMELINE_KINDS |= {"hold", "unhold", "transfer", "abandoned", "left_queue", "ended"}
TIMELINE_KINDS |= {"dial_failed", "originate_failed"}  # read back by a new leader
TIMELINE_KINDS |= {"parked", "unparked"}


def updates(scenario: str) -> list[TrackerUpdate]:
    return [u for _, u in replay(CallTracker(), timed_events(scenario))]


def agent_moves(scenario: str) -> list[tuple[str, str]]:
    kinds = {CallRinging: "ringing", CallAnswered: "answered", AgentLeft: "left"}
    return [
        (kinds[type(u)], u.agent)
        for u in updates(scenario)
        if isinstance(u, CallRinging | CallAnswered | AgentLeft)
    ]


def test_01_rings_agent_101_before_the_answer_with_the_caller_known() -> None:
    found = updates("01_inbound_answered")
    ringing = [u for u in found if isinstance(u, CallRinging)]
    answered = [u for u in found if isinstance(u, CallAnswered)]

    assert [(u.agent, u.leg.channel) for u in ringing] == [("101", "Local/101@agents-0000000e;1")]
    assert found.index(ringing[0]) < found.index(answered[0])
    assert ringing[0].call.caller == "+79161234567"
    assert ringing[0].call.queue == "sales"
    assert answered[0].agent == "101"


def test_03_rings_101_without_answer_then_102_answers() -> None:
    assert agent_moves("03_inbound_ringnoanswer") == [
        ("ringing", "101"),
        ("left", "101"),
        ("ringing", "102"),
        ("answered", "102"),
        ("left", "102"),
    ]


def test_02_abandoned_call_rang_both_agents_and_nobody_answered() -> None:
    assert agent_moves("02_inbound_abandoned") == [
        ("ringing", "102"),
        ("left", "102"),
        ("ringing", "101"),
        ("left", "101"),
    ]


def test_campaign_call_is_answered_by_the_customer_then_by_agent_101() -> None:
    assert agent_moves("04a_outbound_answered") == [
        ("answered", ""),
        ("ringing", "101"),
        ("answered", "101"),
        ("left", "101"),
    ]


def test_click_to_call_rings_the_agent_first_then_the_customer_answers() -> None:
    found = updates("05_click_to_call")

    assert isinstance(found[0], CallStarted)
    assert found[0].call.caller == "101"
    assert agent_moves("05_click_to_call") == [
        ("ringing", "101"),
        ("answered", "101"),
        ("answered", ""),
        ("left", "101"),
    ]


def test_06a_blind_transfer_gives_each_agent_a_leg_with_its_own_talk_time() -> None:
    (ended,) = [u for u in updates("06a_blind_transfer") if isinstance(u, CallEnded)]
    agent_legs = {leg.agent: leg for leg in ended.call.legs.values() if leg.agent}

    assert sorted(agent_legs) == ["101", "102"]
    assert abs(agent_legs["101"].talk_seconds - 3) < 0.5
    assert abs(agent_legs["102"].talk_seconds - 8.5) < 0.5
    kinds = [e.kind for e in ended.call.timeline]
    assert kinds.index("transfer") < kinds.index("agent_left") < kinds.index("ended")
    (transfer,) = [e for e in ended.call.timeline if e.kind == "transfer"]
    assert transfer.detail["exten"] == "102"
    assert ended.call.hold_seconds == 0  # the Unhold without Hold of a transfer is ignored


def test_06c_hold_is_counted_on_the_agent_leg_and_the_call() -> None:
    (ended,) = [u for u in updates("06c_hold") if isinstance(u, CallEnded)]
    (agent_leg,) = [leg for leg in ended.call.legs.values() if leg.agent]

    assert abs(ended.call.hold_seconds - 4) < 0.5
    assert abs(agent_leg.hold_seconds - 4) < 0.5
    kinds = [e.kind for e in ended.call.timeline]
    assert kinds.index("answered") < kinds.index("hold") < kinds.index("unhold")


@pytest.mark.parametrize("scenario", CALLS)
def test_the_timeline_has_only_significant_moments(scenario: str) -> None:
    calls = [u.call for u in updates(scenario) if isinstance(u, CallEnded)]
    assert calls  # one, or two when a parked caller is picked up by another call (06d)
    for call in calls:
        kinds = [e.kind for e in call.timeline]
        assert kinds[0] == "started"
        assert kinds[-1] == "ended"
        assert set(kinds) <= TIMELINE_KINDS
        assert [e.at for e in call.timeline] == sorted(e.at for e in call.timeline)


@pytest.mark.parametrize(
    ("scenario", "success", "reason", "uniqueid", "linkedid"),
    [
        ("01_inbound_answered", True, 4, "1795715043.26", "1795715043.26"),
        ("04b_outbound_busy", False, 5, None, None),
        ("04d_outbound_congestion", False, 8, None, None),
        ("04g_outbound_channelid", False, 5, "crm-call-0001", "crm-call-0001"),
        ("05_click_to_call", True, 4, "1795715488.182", "1795715488.182"),
    ],
)
def test_originate_results_are_reported_by_action_id(
    scenario: str, success: bool, reason: int, uniqueid: str | None, linkedid: str | None
) -> None:
    (result,) = [u for u in updates(scenario) if isinstance(u, OriginateResult)]

    assert result.action_id == f"{scenario}-2"
    assert (result.success, result.reason) == (success, reason)
    assert (result.uniqueid, result.linkedid) == (uniqueid, linkedid)


def test_interleaved_calls_give_the_same_results_as_each_call_alone() -> None:
    alone = {
        u.call.linkedid: u.call
        for scenario in CALLS
        for u in updates(scenario)
        if isinstance(u, CallEnded)
    }
    feeds = [[(t, n, e) for n, (t, e) in enumerate(timed_events(s))] for s in CALLS]
    merged = [(t, e) for t, _, e in heapq.merge(*feeds, key=lambda item: item[0])]
    together = [u for _, u in replay(CallTracker(), merged)]

    ended = {u.call.linkedid: u.call for u in together if isinstance(u, CallEnded)}
    assert len([u for u in together if isinstance(u, CallEnded)]) == len(alone)
    assert ended == alone


def test_recording_file_and_start_are_kept() -> None:
    tracker, timed = CallTracker(), timed_events("01_inbound_answered")
    cut = next(i for i, (_, e) in enumerate(timed) if isinstance(e, AgentConnect)) + 1
    replay(tracker, timed[:cut])
    connect = timed[cut - 1][1]
    assert isinstance(connect, AgentConnect)
    agent = connect.dest
    file = "/var/spool/asterisk/monitor/1795715043.26.wav"
    injected = [
        (
            5.5,
            VarSet(
                name="MIXMONITOR_FILENAME",
                value=file,
                uniqueid=agent.uniqueid,
                linkedid=agent.linkedid,
            ),
        ),  # fmt: skip
        (5.5, MixMonitorStart(channel=agent)),
    ]
    replay(tracker, injected)
    ended = [u for _, u in replay(tracker, timed[cut:]) if isinstance(u, CallEnded)]

    assert ended[0].call.recording == file
    (recording,) = [e for e in ended[0].call.timeline if e.kind == "recording"]
    assert recording.detail["file"] == file


def test_odd_events_are_skipped_without_raising(caplog: pytest.LogCaptureFixture) -> None:
    tracker, at = CallTracker(), received_at(0)
    stranger = ChannelInfo(channel="PJSIP/x-00000001", uniqueid="9.1", linkedid="9.0")
    odd: list[object] = [
        None,
        "Event: Hangup",
        UnknownEvent(name="Newexten", fields={}),
        to_event({"Event": "Hangup", "Cause": "abc"}),
        to_event({"Event": "Newstate"}),
        Hangup(channel=stranger, cause=16),
        Newstate(channel=stranger),
        Newchannel(channel=replace(stranger, linkedid="")),
        Newchannel(channel=None),  # type: ignore[arg-type]
    ]
    with caplog.at_level(logging.WARNING):
        for event in odd:
            assert tracker.handle(event, at) == []
    assert tracker.snapshot_live() == []
    assert "cannot apply" in caplog.text


def test_a_late_event_does_not_revive_an_ended_call() -> None:
    tracker, timed = CallTracker(), timed_events("04e_outbound_invalid")
    replay(tracker, timed)

    again = replay(tracker, [(t, e) for t, e in timed if isinstance(e, Newchannel | Hangup)])
    assert again == []
    assert tracker.snapshot_live() == []


def test_live_calls_are_bounded_and_the_evicted_one_ends_once() -> None:
    tracker = CallTracker(max_live_calls=1)
    feeds = [timed_events("01_inbound_answered"), timed_events("02_inbound_abandoned")]
    merged = list(heapq.merge(*feeds, key=lambda item: item[0]))

    ended = [u.call for _, u in replay(tracker, merged) if isinstance(u, CallEnded)]
    assert sorted(call.linkedid for call in ended) == ["1795715043.26", "1795715063.30"]
    assert "evicted" in [e.kind for e in ended[0].timeline]
    assert tracker.snapshot_live() == []
