"""The call tracker on the recorded transcripts: each finished call, checked against what
Asterisk itself wrote about it (Cdr events, AgentConnect/AgentComplete, QueueCallerAbandon).

Which CDR stands for what (cdr_manager writes one per channel, Duration/billsec in whole
seconds, so the tracker must agree within 1 s):

* the conversation: the CDR of the call's first channel (UniqueID == Linkedid); its
  Duration is the call's start -> end. Its disposition is NOT the call's answer for inbound
  calls: the IVR answers the caller before the queue.
* an agent: the CDR of the ``;2`` half of ``Local/1XX@agents`` (Destination = the
  extension). That half runs the agent's phone, so its disposition says whether the agent
  answered and its billsec is the agent leg's talk time (hold included).
* the customer of an outbound call: the CDR of the ``;2`` half of
  ``Local/<number>@customers``, which runs the customer's phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pytest

from ami.events import AgentComplete, AgentConnect, Cdr, ChanSpyStart, QueueCallerAbandon
from ami.tracker import CallEnded, CallTracker, TrackerUpdate
from callcenter.calls.records import SPY_PREFIX, Call, Direction, Outcome
from tests.ami.ami_support import only, replay, timed_events

IN, OUT = Direction.INBOUND, Direction.OUTBOUND
ANSWERED, ABANDONED = Outcome.ANSWERED, Outcome.ABANDONED
BUSY, NO_ANSWER, FAILED = Outcome.BUSY, Outcome.NO_ANSWER, Outcome.FAILED
ACME, SALES_DID, SUPPORT_DID = "+74951234567", "+74951234567", "+74951234568"
AGENT_CHANNEL = re.compile(r"^Local/\d+@agents-[0-9a-f]+;2$")
CUSTOMER_CHANNEL = re.compile(r"^Local/\d+@customers-[0-9a-f]+;2$")
CDR_OUTCOME = {"ANSWERED": ANSWERED, "BUSY": BUSY, "NO ANSWER": NO_ANSWER}
CDR_OUTCOME |= {"CONGESTION": FAILED, "FAILED": FAILED}


@dataclass(frozen=True)
class Expected:
    direction: Direction
    caller: str
    callee: str
    queue: str
    outcome: Outcome
    hangup_cause: int
    agents: tuple[str, ...] = ()


EXPECTED = {
    "01_inbound_answered": Expected(IN, "+79161234567", SALES_DID, "sales", ANSWERED, 16, ("101",)),
    "02_inbound_abandoned": Expected(IN, "+79031112233", SALES_DID, "sales", ABANDONED, 0),
    "03_inbound_ringnoanswer": Expected(
        IN, "+79267654321", SUPPORT_DID, "support", ANSWERED, 16, ("102",)
    ),
    "04a_outbound_answered": Expected(OUT, ACME, "+79161234561", "", ANSWERED, 16, ("101",)),
    "04b_outbound_busy": Expected(OUT, ACME, "+79161234562", "", BUSY, 17),
    "04c_outbound_noanswer": Expected(OUT, ACME, "+79161234563", "", NO_ANSWER, 19),
    "04d_outbound_congestion": Expected(OUT, ACME, "+79161234564", "", FAILED, 34),
    "04e_outbound_invalid": Expected(OUT, ACME, "+79161234569", "", FAILED, 0),
    "04f_outbound_cancelled": Expected(OUT, ACME, "+79161234563", "", NO_ANSWER, 16),
    "04g_outbound_channelid": Expected(OUT, ACME, "+79161234562", "", BUSY, 17),
    "05_click_to_call": Expected(OUT, "101", "+79161234561", "", ANSWERED, 16, ("101",)),
    # the agent's phone rang and answered; the number could not be routed: failed, not no answer
    "05b_click_to_call_invalid": Expected(OUT, "101", "+79161234569", "", FAILED, 16, ("101",)),
    "06a_blind_transfer": Expected(
        IN, "+79165550101", SUPPORT_DID, "support", ANSWERED, 16, ("101", "102")
    ),
    # Atxfer: 101 consulted 102, then hung up to complete; the caller talked on with 102
    "06b_attended_transfer": Expected(
        IN, "+79161234567", SUPPORT_DID, "support", ANSWERED, 16, ("101", "102")
    ),
    "06c_hold": Expected(IN, "+79161234567", SUPPORT_DID, "support", ANSWERED, 16, ("101",)),
}
# a supervisor listened to, whispered to or barged into 101's call: still that one call
SPIED = ["08a_chanspy_listen", "08b_chanspy_whisper", "08c_chanspy_barge"]
EXPECTED |= {
    s: Expected(IN, "+79161234567", SUPPORT_DID, "support", ANSWERED, 16, ("101",)) for s in SPIED
}
CALLS = list(EXPECTED)
QUEUE_ANSWERED = [
    "01_inbound_answered",
    "03_inbound_ringnoanswer",
    "06a_blind_transfer",
    "06c_hold",
]


@cache
def updates_of(scenario: str) -> tuple[TrackerUpdate, ...]:
    return tuple(update for _, update in replay(CallTracker(), timed_events(scenario)))


def finished(scenario: str) -> Call:
    (ended,) = [u for u in updates_of(scenario) if isinstance(u, CallEnded)]
    return ended.call


def cdrs(scenario: str, channel: re.Pattern[str]) -> list[Cdr]:
    return [cdr for cdr in only(scenario, Cdr) if channel.match(cdr.channel)]


def duration_of(call: Call) -> float:
    assert call.ended_at is not None
    return (call.ended_at - call.started_at).total_seconds()


@pytest.mark.parametrize("scenario", CALLS)
def test_the_finished_call_is_classified_like_the_scenario(scenario: str) -> None:
    call, expected = finished(scenario), EXPECTED[scenario]

    assert call.direction is expected.direction
    assert (call.caller, call.callee) == (expected.caller, expected.callee)
    assert call.queue == expected.queue
    assert call.outcome is expected.outcome
    assert call.hangup_cause == expected.hangup_cause
    assert tuple(call.agents) == expected.agents


@pytest.mark.parametrize("scenario", CALLS)
def test_each_conversation_ends_exactly_once_and_is_then_forgotten(scenario: str) -> None:
    tracker = CallTracker()
    updates = [u for _, u in replay(tracker, timed_events(scenario))]

    ended = [u for u in updates if isinstance(u, CallEnded)]
    assert len(ended) == 1
    assert {u.call.linkedid for u in updates if hasattr(u, "call")} == {ended[0].call.linkedid}
    assert updates.index(ended[0]) == max(i for i, u in enumerate(updates) if hasattr(u, "call"))
    assert tracker.snapshot_live() == []


@pytest.mark.parametrize("scenario", CALLS)
def test_call_duration_is_the_cdr_duration_of_its_first_channel(scenario: str) -> None:
    call = finished(scenario)
    (cdr,) = [cdr for cdr in only(scenario, Cdr) if cdr.uniqueid == call.linkedid]

    assert abs(duration_of(call) - cdr.duration_s) <= 1


@pytest.mark.parametrize("scenario", CALLS)
def test_answered_or_not_agrees_with_the_cdr_of_the_human_leg(scenario: str) -> None:
    call = finished(scenario)
    human = CUSTOMER_CHANNEL if call.direction is OUT else AGENT_CHANNEL
    records = cdrs(scenario, human)

    answered = any(cdr.disposition == "ANSWERED" for cdr in records)
    assert (call.outcome is ANSWERED) == answered
    assert (call.answered_at is not None) == answered


@pytest.mark.parametrize("scenario", [s for s in CALLS if EXPECTED[s].direction is OUT])
def test_outbound_outcome_and_talk_agree_with_the_customer_cdr(scenario: str) -> None:
    call = finished(scenario)
    (cdr,) = cdrs(scenario, CUSTOMER_CHANNEL)

    assert call.outcome is CDR_OUTCOME[cdr.disposition]
    assert abs(call.talk_seconds - cdr.billable_s) <= 1


@pytest.mark.parametrize("scenario", CALLS)
def test_each_agent_leg_agrees_with_the_cdr_of_its_agent_channel(scenario: str) -> None:
    call = finished(scenario)
    legs = {leg.channel: leg for leg in call.legs.values()}

    for cdr in cdrs(scenario, AGENT_CHANNEL):
        leg = legs[cdr.channel[:-1] + "1"]  # the agent leg is the ;1 half
        assert leg.agent == cdr.destination
        assert (leg.answered_at is not None) == (cdr.disposition == "ANSWERED")
        assert abs(leg.talk_seconds - cdr.billable_s) <= 1
    halves = [leg for leg in call.legs.values() if leg.channel.endswith(";2") and leg.agent]
    assert halves == []  # the ;2 half is never counted as an agent


@pytest.mark.parametrize("scenario", QUEUE_ANSWERED)
def test_queue_wait_and_agent_talk_agree_with_app_queue(scenario: str) -> None:
    call = finished(scenario)
    first_connect = only(scenario, AgentConnect)[0]

    assert abs(call.wait_seconds - first_connect.hold_time_s) <= 1
    for complete in only(scenario, AgentComplete):
        leg = call.legs[complete.dest.uniqueid]
        assert abs(leg.talk_seconds - complete.talk_time_s) <= 1


@pytest.mark.parametrize("scenario", ["01_inbound_answered", "03_inbound_ringnoanswer"])
def test_talk_of_a_queue_call_is_agent_complete_talk_time(scenario: str) -> None:
    (complete,) = only(scenario, AgentComplete)

    assert abs(finished(scenario).talk_seconds - complete.talk_time_s) <= 1


def test_talk_includes_hold_like_agent_complete_talk_time() -> None:
    call = finished("06c_hold")
    (complete,) = only("06c_hold", AgentComplete)

    assert complete.talk_time_s == 13
    assert abs(call.hold_seconds - 4) < 0.5
    assert abs(call.talk_seconds - complete.talk_time_s) <= 1


def test_abandoned_call_waits_as_long_as_queue_caller_abandon_says() -> None:
    call = finished("02_inbound_abandoned")
    (abandon,) = only("02_inbound_abandoned", QueueCallerAbandon)

    assert abs(call.wait_seconds - abandon.hold_time_s) <= 1
    assert call.talk_seconds == 0
    assert call.answered_at is None


def test_transferred_call_talks_from_the_first_answer_to_the_end() -> None:
    """06a: agent 101's TalkTime, then the caller's Dial to 102 (its CDR's billsec)."""
    call = finished("06a_blind_transfer")
    (complete,) = only("06a_blind_transfer", AgentComplete)
    (to_102,) = [c for c in only("06a_blind_transfer", Cdr) if c.last_application == "Dial"]

    assert abs(call.talk_seconds - (complete.talk_time_s + to_102.billable_s)) <= 1


def test_outbound_wait_is_the_ringing_before_the_customer_answered() -> None:
    campaign, click = finished("04a_outbound_answered"), finished("05_click_to_call")

    assert abs(campaign.wait_seconds - 2) < 0.1  # the customer answers after 2 s
    assert abs(click.wait_seconds - 4) < 0.1  # 2 s at agent 101, then 2 s at the customer


@pytest.mark.parametrize("scenario", SPIED)
def test_a_supervisor_listening_in_is_no_call_and_no_leg_of_the_spied_call(scenario: str) -> None:
    """The spy is originated with ``ChannelId: crm-spy-...``: none of its channels is tracked,
    whatever its events (ChanSpyStart names the agent's leg as the spyee)."""
    (start,) = [m for m in only(scenario, ChanSpyStart)]
    call = finished(scenario)
    assert start.spyee.channel in {leg.channel for leg in call.legs.values()}
    assert start.spyer.linkedid.startswith(SPY_PREFIX)
    touched = {u.call.linkedid for u in updates_of(scenario) if hasattr(u, "call")}
    assert touched == {call.linkedid}
    assert not any("supervisors" in leg.channel for leg in call.legs.values())


def test_park_and_pick_up_are_in_the_callers_timeline_and_the_caller_stays_the_caller() -> None:
    calls = [u.call for u in updates_of("06d_park") if isinstance(u, CallEnded)]
    [parked] = [c for c in calls if c.queue == "support"]
    kinds = [(e.kind, e.detail.get("space", "")) for e in parked.timeline]
    assert ("parked", "701") in kinds and ("unparked", "701") in kinds
    assert kinds.index(("parked", "701")) < kinds.index(("unparked", "701"))
    assert parked.caller == "+79161234567"  # not 102, whose number the channel echoed
    assert parked.outcome is ANSWERED and "101" in parked.agents


def test_the_attended_transfer_is_in_the_timeline_with_both_agents() -> None:
    call = finished("06b_attended_transfer")
    [transfer] = [e for e in call.timeline if e.kind == "transfer"]
    assert (transfer.detail["kind"], transfer.detail["result"]) == ("attended", "Success")
    assert transfer.detail["agent"] == "101"
