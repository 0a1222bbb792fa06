"""After a reconnect ``reconcile`` matches the live calls to CoreShowChannels: calls whose
channels are gone end once, unknown channels become calls, known ones are left alone."""

from __future__ import annotations

from ami.events import AgentConnect, CoreShowChannel
from ami.tracker import (
    AgentLeft,
    CallAnswered,
    CallEnded,
    CallStarted,
    CallTracker,
    CallUpdated,
)
from callcenter.calls.records import Direction, Outcome
from tests.ami.ami_support import received_at, replay, timed_events

SCENARIO = "01_inbound_answered"  # CoreShowChannels was sent mid-call, at 7.009 s


def split_at_channel_list() -> tuple[list, list[CoreShowChannel], list, float]:
    """01's events before the CoreShowChannel answer, the answer, the events after it."""
    timed = timed_events(SCENARIO)
    listed = [i for i, (_, e) in enumerate(timed) if isinstance(e, CoreShowChannel)]
    channels = [e for _, e in timed if isinstance(e, CoreShowChannel)]
    moment = timed[listed[0]][0]
    return timed[: listed[0]], channels, timed[listed[-1] + 1 :], moment


def test_reconcile_with_no_channels_ends_live_calls_exactly_once() -> None:
    before, _, after, moment = split_at_channel_list()
    tracker = CallTracker()
    replay(tracker, before)

    first = tracker.reconcile([], received_at(moment))
    second = tracker.reconcile([], received_at(moment + 1))
    late = [u for _, u in replay(tracker, after) if isinstance(u, CallEnded)]

    left, ended = first
    assert isinstance(left, AgentLeft)
    assert left.agent == "101"  # the operator's page hears that the call is gone
    assert isinstance(ended, CallEnded)
    assert ended.call.outcome is Outcome.ANSWERED  # the agent had answered before the loss
    # it ended unheard: not at the reconcile but, with no word of when the link was lost,
    # when it was last seen (its last event), and says so
    last_seen = max(e.at for e in ended.call.timeline if e.kind != "lost_during_disconnect"
                    and e.kind != "ended")  # fmt: skip
    assert ended.call.ended_at == last_seen
    assert ended.call.end_uncertain and ended.call.ended_latest_at == received_at(moment)
    assert "lost_during_disconnect" in [e.kind for e in ended.call.timeline]
    assert all(leg.ended_at is not None for leg in ended.call.legs.values())
    assert second == []
    assert late == []
    assert tracker.snapshot_live() == []


def test_reconcile_with_the_same_channels_changes_nothing() -> None:
    before, channels, after, moment = split_at_channel_list()
    tracker = CallTracker()
    replay(tracker, before)
    live_before = tracker.snapshot_live()

    assert tracker.reconcile(channels, received_at(moment)) == []
    assert tracker.snapshot_live() == live_before
    ended = [u for _, u in replay(tracker, after) if isinstance(u, CallEnded)]
    plain = [u for _, u in replay(CallTracker(), timed_events(SCENARIO))]
    assert ended == [u for u in plain if isinstance(u, CallEnded)]


def test_reconcile_recovers_a_call_the_tracker_never_saw_start() -> None:
    _, channels, after, moment = split_at_channel_list()
    tracker = CallTracker()

    found = tracker.reconcile(channels, received_at(moment))
    started = found[0]
    assert isinstance(started, CallStarted)
    call = started.call
    assert call.direction is Direction.INBOUND
    assert (call.caller, call.callee) == ("+79161234567", "+74951234567")
    assert call.agents == ["101"]
    assert call.answered_at is not None
    assert abs((call.started_at - received_at(0)).total_seconds()) <= 1  # Duration 00:00:07
    assert [(type(u), u.agent) for u in found[1:]] == [(CallAnswered, "101")]  # type: ignore[union-attr]
    assert [e.kind for e in call.timeline][-1] == "recovered"

    ended = [u for _, u in replay(tracker, after) if isinstance(u, CallEnded)]
    (final,) = ended
    assert final.call.outcome is Outcome.ANSWERED
    assert len(final.call.legs) == 4
    assert tracker.snapshot_live() == []


def test_reconcile_ends_legs_that_vanished_and_keeps_the_call() -> None:
    before, channels, _, moment = split_at_channel_list()
    tracker = CallTracker()
    replay(tracker, before)
    callers_only = [c for c in channels if "@from-pstn" in c.channel.channel]

    found = tracker.reconcile(callers_only, received_at(moment))

    assert [type(u) for u in found] == [AgentLeft, CallUpdated]
    (live,) = tracker.snapshot_live()
    agent_legs = [leg for leg in live.legs.values() if "@agents" in leg.channel]
    assert all(leg.ended_at < received_at(moment) for leg in agent_legs)  # type: ignore[operator]
    assert all(leg.ended_at >= leg.answered_at for leg in agent_legs)  # type: ignore[operator]


def test_reconcile_adds_an_agent_answer_missed_during_the_disconnect() -> None:
    before, channels, after, moment = split_at_channel_list()
    cut = next(i for i, (_, e) in enumerate(before) if isinstance(e, AgentConnect))
    tracker = CallTracker()
    replay(tracker, [(t, e) for t, e in before[:cut] if t < 5])  # lost from the answer on

    found = tracker.reconcile(channels, received_at(moment))

    assert [type(u) for u in found] == [CallAnswered, CallUpdated]
    ended = [u for _, u in replay(tracker, after) if isinstance(u, CallEnded)]
    assert ended[0].call.outcome is Outcome.ANSWERED
    assert ended[0].call.agents == ["101"]


def test_a_call_lost_with_the_link_ends_when_the_link_was_lost_within_what_was_seen() -> None:
    before, _, _, moment = split_at_channel_list()
    answered = next(i for i, (_, e) in enumerate(before) if isinstance(e, AgentConnect))
    heard_until = before[answered][0]
    for lost, expected in (
        (heard_until + 1.5, heard_until + 1.5),  # the link knew the PBX was there later on
        (heard_until - 3.0, heard_until),  # never before the call's own last event
        (moment + 60.0, moment),  # nor after it was found gone
    ):
        tracker = CallTracker()
        replay(tracker, before[: answered + 1])
        found = tracker.reconcile([], received_at(moment), lost_at=received_at(lost))
        (ended,) = [u for u in found if isinstance(u, CallEnded)]
        call = ended.call
        assert call.ended_at == received_at(expected), lost
        assert (call.end_uncertain, call.ended_latest_at) == (True, received_at(moment))
        assert call.talk_seconds == (call.ended_at - call.answered_at).total_seconds()  # type: ignore[operator]
        assert all(leg.ended_at and leg.ended_at <= call.ended_at for leg in call.legs.values())
        lost_note = next(e for e in call.timeline if e.kind == "lost_during_disconnect")
        assert lost_note.at == call.ended_at
        assert lost_note.detail["found_at"] == received_at(moment).isoformat()


def test_calls_that_end_while_heard_are_never_marked_uncertain() -> None:
    tracker = CallTracker()
    ended = [u for _, u in replay(tracker, timed_events(SCENARIO)) if isinstance(u, CallEnded)]
    assert [(e.call.end_uncertain, e.call.ended_latest_at) for e in ended] == [(False, None)]


def test_a_channel_listed_after_its_hangup_was_heard_never_brings_its_call_back() -> None:
    """A list read in the same breath as the Hangups (or from a PBX whose list lags its
    events) still holds the channels: a heard Hangup is final, the call stays ended."""
    _, channels, _, moment = split_at_channel_list()
    tracker = CallTracker()
    (ended,) = [u for _, u in replay(tracker, timed_events(SCENARIO)) if isinstance(u, CallEnded)]

    assert tracker.reconcile(channels, received_at(moment + 30)) == []
    assert tracker.snapshot_live() == []
    assert not ended.call.end_uncertain


def test_an_adopted_call_with_no_live_leg_ends_at_the_resync_once() -> None:
    """A call stored live whose every leg is stored ended (a dead leader's last word): no
    Hangup will ever come for it, so the resync ends it, bounded by what was heard."""
    before, _, _, moment = split_at_channel_list()
    tracker = CallTracker()
    replay(tracker, before)
    (call,) = tracker.snapshot_live()
    last = max(e.at for e in call.timeline)
    for leg in call.legs.values():
        leg.ended_at = last
    heir = CallTracker()
    heir.adopt([call], heard_at=last, at=received_at(moment))

    (ended,) = [u for u in heir.reconcile([], received_at(moment)) if isinstance(u, CallEnded)]

    assert ended.call.ended_at == last and ended.call.end_uncertain
    assert ended.call.outcome is Outcome.ANSWERED
    assert heir.reconcile([], received_at(moment + 1)) == []
    assert heir.snapshot_live() == []
