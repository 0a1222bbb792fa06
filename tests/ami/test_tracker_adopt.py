"""A new leader adopts the calls stored as live: whatever moment the previous one died at, the
call goes on to the same record as if nobody had died; a Hangup before its Newchannel ends
the call instead of leaving it live for ever."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from ami.events import CoreShowChannel, Hangup, Newchannel
from ami.tracker import CallEnded, CallTracker
from ami.tracker.book import HUNG_UP_MAX
from callcenter.calls.records import Call, Outcome
from tests.ami.ami_support import SCENARIOS, received_at, replay, timed_events

CALL_SCENARIOS = [s for s in SCENARIOS if not s.startswith("07")]  # 07: queue actions only


def events(scenario: str) -> list[tuple[float, object]]:
    return [(t, e) for t, e in timed_events(scenario) if not isinstance(e, CoreShowChannel)]


def final(updates: list) -> dict[str, Call]:
    return {u.call.linkedid: u.call for _, u in updates if isinstance(u, CallEnded)}


def comparable(call: Call) -> tuple:
    legs = sorted(
        (leg.uniqueid, leg.agent, leg.answered_at, leg.ended_at, leg.hangup_cause)
        for leg in call.legs.values()
    )
    return (call.direction, call.caller, call.callee, call.queue, call.queued_at,
            call.answered_at, call.ended_at, call.outcome, call.wait_seconds,
            call.talk_seconds, call.hold_seconds, tuple(call.agents), tuple(legs))  # fmt: skip


@pytest.mark.parametrize("scenario", CALL_SCENARIOS)
def test_a_call_adopted_at_any_moment_ends_as_if_nobody_had_died(scenario: str) -> None:
    timed = events(scenario)
    expected = final(replay(CallTracker(), timed))
    assert expected, scenario
    for cut in range(1, len(timed)):
        before = CallTracker()
        replay(before, timed[:cut])
        stored = before.snapshot_live()  # what the dead leader had stored
        heir = CallTracker()
        heir.adopt(stored, heard_at=received_at(timed[cut - 1][0]), at=received_at(0))
        after = final(replay(heir, timed[cut:]))
        ended_before = final(replay(CallTracker(), timed[:cut]))
        got = {**ended_before, **after}
        assert set(got) == set(expected), (scenario, cut)
        for linkedid, call in expected.items():
            assert comparable(got[linkedid]) == comparable(call), (scenario, cut, linkedid)
        assert heir.snapshot_live() == []


def test_adopted_answered_call_found_gone_ends_when_last_heard_not_at_the_resync() -> None:
    timed = events("01_inbound_answered")
    answered = next(i for i, (_, u) in enumerate(timed) if type(u).__name__ == "AgentConnect")
    before = CallTracker()
    replay(before, timed[: answered + 1])
    (stored,) = before.snapshot_live()
    heard = received_at(timed[answered][0] + 2.5)  # the old leader heard the PBX until then
    heir = CallTracker()
    heir.adopt([stored], heard_at=heard, at=heard + timedelta(seconds=20))

    (ended,) = [u for u in heir.reconcile([], heard + timedelta(seconds=19))
                if isinstance(u, CallEnded)]  # fmt: skip
    call = ended.call
    assert call.outcome is Outcome.ANSWERED
    assert call.answered_at == stored.answered_at  # kept, not rebuilt: no "talk 0"
    assert call.ended_at == heard and call.end_uncertain
    assert call.ended_latest_at == heard + timedelta(seconds=19)
    assert call.talk_seconds == (heard - stored.answered_at).total_seconds()  # type: ignore[operator]
    assert [e.kind for e in call.timeline][-3:] == ["adopted", "lost_during_disconnect", "ended"]


def test_adopting_replaces_what_a_previous_term_held() -> None:
    timed = events("01_inbound_answered")
    tracker = CallTracker()
    replay(tracker, timed[:10])
    assert tracker.snapshot_live()
    assert tracker.adopt([], heard_at=None, at=received_at(0)) == 0
    assert tracker.snapshot_live() == []


def _hangup_first(scenario: str) -> list[tuple[float, object]]:
    """The scenario with its first channel's Hangup delivered right before its Newchannel."""
    timed = events(scenario)
    new = next(i for i, (_, e) in enumerate(timed) if isinstance(e, Newchannel))
    uid = timed[new][1].channel.uniqueid  # type: ignore[attr-defined]
    hang = next(i for i, (_, e) in enumerate(timed)
                if isinstance(e, Hangup) and e.channel.uniqueid == uid)  # fmt: skip
    moved = timed.pop(hang)
    timed.insert(new, (timed[new][0], moved[1]))
    return timed


@pytest.mark.parametrize("scenario", CALL_SCENARIOS)
def test_a_hangup_before_its_newchannel_never_leaves_a_call_live(scenario: str) -> None:
    tracker = CallTracker()
    updates = replay(tracker, _hangup_first(scenario))
    ended = [u.call.linkedid for _, u in updates if isinstance(u, CallEnded)]
    assert tracker.snapshot_live() == []
    assert len(ended) == len(set(ended))  # each call recorded once


def test_hangups_of_unseen_channels_are_remembered_within_a_bound() -> None:
    first = timed_events("01_inbound_answered")
    hangup = next(e for _, e in first if isinstance(e, Hangup))
    tracker = CallTracker()
    for n in range(HUNG_UP_MAX + 500):
        channel = dataclasses.replace(hangup.channel, uniqueid=f"x.{n}")
        tracker.handle(Hangup(channel=channel, cause=16), received_at(n))
    book = tracker._book
    assert len(book.hung_up) == HUNG_UP_MAX
    assert "x.0" not in book.hung_up and f"x.{HUNG_UP_MAX + 499}" in book.hung_up
