"""Events nobody reads are dropped on arrival (before a typed event is made), and the calls
and the floor come out the same as from every event of the recorded sessions."""

from __future__ import annotations

import pytest

from ami.events import to_event
from ami.floor import FloorBoard
from ami.link import PbxConfig
from ami.listener import EventFilter, PbxListener
from ami.protocol import AmiParser, Message
from ami.tracker import CallTracker
from tests.ami.ami_support import SCENARIOS, received_at, timeline


def wanted() -> EventFilter:
    return EventFilter(CallTracker().event_types | FloorBoard().event_types)


def timed_messages(scenario: str) -> list[tuple[float, Message]]:
    parser, timed = AmiParser(), []
    for moment, chunk in timeline(scenario):
        timed += [(moment, message) for message in parser.feed(chunk)]
    return [(t, m) for t, m in timed if m.kind == "Event"]


def outcome(scenario: str, keep: EventFilter | None) -> tuple[list[str], list[str]]:
    """The tracker's and the board's updates (as text) from the session's events."""
    tracker, board = CallTracker(), FloorBoard()
    calls, floor = [], []
    for moment, message in timed_messages(scenario):
        if keep is not None and not keep(message):
            continue
        event, at = to_event(message), received_at(moment)
        calls += [repr(update) for update in tracker.handle(event, at)]
        floor += [repr(update) for update in board.handle(event, at)]
    return calls, floor


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_dropping_unread_events_changes_no_call_and_no_floor_update(scenario: str) -> None:
    assert outcome(scenario, wanted()) == outcome(scenario, None)


def test_dialplan_noise_is_dropped_and_the_variables_the_tracker_reads_are_kept() -> None:
    keep = wanted()
    assert not keep(Message({"Event": "Newexten", "Application": "NoOp"}))
    assert not keep(Message({"Event": "VarSet", "Variable": "__CRM_DID", "Value": "7495"}))
    assert not keep(Message({"Event": "Cdr"}))
    assert keep(Message({"Event": "VarSet", "Variable": "MIXMONITOR_FILENAME", "Value": "a"}))
    assert keep(Message({"Event": "VarSet", "Variable": "AMDSTATUS", "Value": "MACHINE"}))
    assert keep(Message({"Event": "Hangup"})) and keep(Message({"Event": "QueueMemberStatus"}))
    dropped = sum(1 for _, m in timed_messages("01_inbound_answered") if not keep(m))
    assert dropped > len(timed_messages("01_inbound_answered")) / 3  # most of the traffic


def test_a_dropped_event_counts_as_handled() -> None:
    listener = PbxListener(
        PbxConfig(name="t", host="127.0.0.1", port=1, username="u", secret="s"),
        None,  # type: ignore[arg-type]  # nothing is stored in this test
        tracker=CallTracker(),
    )
    listener.link.intake_message(Message({"Event": "Newexten"}), 1.0)
    listener.link.intake_message(Message({"Event": "Hangup", "Uniqueid": "1.1"}), 1.0)
    assert (listener.handled, listener.backlog) == (1, 1)  # one dropped, one waiting in order
    assert listener.link.last_event_at == 1.0
