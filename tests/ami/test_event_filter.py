"""Events nobody reads are dropped on arrival (before a typed event is made), and the calls
and the floor come out the same as from every event of the recorded sessions."""

from __future__ import annotations

import pytest

from ami.event_filter import EventFilter
from ami.events import to_event
from ami.floor import FloorBoard
from ami.link import PbxConfig
from ami.listener import PbxListener
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


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_raw_text_check_keeps_what_the_filter_keeps(scenario: str) -> None:
    """Refusing on the raw text (before parsing) drops nothing the filter would keep, and
    the calls and the floor come out the same as from every event."""
    keep = wanted()
    parser, plain, texts = AmiParser(keep=keep.keeps_text), AmiParser(), []
    for _, chunk in timeline(scenario):
        texts += parser.feed(chunk)
        plain.feed(chunk)
    kept_by_filter = [m for m in plain_messages(scenario) if m.kind != "Event" or keep(m)]
    assert [m for m in texts if m.kind != "Event" or keep(m)] == kept_by_filter
    assert parser.dropped + len(texts) == len(plain_messages(scenario))


def plain_messages(scenario: str) -> list[Message]:
    parser, messages = AmiParser(), []
    for _, chunk in timeline(scenario):
        messages += parser.feed(chunk)
    return messages


def test_the_raw_text_check_never_drops_an_answer_to_an_action_or_a_shutdown() -> None:
    keep = wanted().keeps_text
    assert not keep("Event: Newexten\r\nChannel: PJSIP/101-1\r\nApplication: NoOp")
    assert not keep("Event: VarSet\r\nVariable: __CRM_DID\r\nValue: 7495")
    assert keep("Event: VarSet\r\nVariable: MIXMONITOR_FILENAME\r\nValue: a.wav")
    assert keep("Event: Newexten\r\nActionID: crm-7\r\nApplication: NoOp")  # a list's item
    assert keep("Event: Shutdown\r\nShutdown: Cleanly") and keep("Response: Success")
    assert keep("Event: Hangup\r\nUniqueid: 1.1")


async def test_events_refused_unparsed_count_as_handled_over_tcp() -> None:
    import asyncio

    from ami.link import PbxLink

    sent: list[bytes] = []
    done = asyncio.Event()

    async def pbx(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        login = await reader.readuntil(b"\r\n\r\n")
        action_id = next(
            line.split(b": ", 1)[1] for line in login.split(b"\r\n") if line.startswith(b"ActionID")
        )
        writer.write(b"Response: Success\r\nActionID: " + action_id + b"\r\n\r\n")
        for block in (
            b"Event: Newexten\r\nApplication: NoOp\r\n\r\n",
            b"Event: Cdr\r\nSource: 101\r\n\r\n",
            b"Event: Hangup\r\nUniqueid: 1.1\r\nLinkedid: 1.1\r\nCause: 16\r\n\r\n",
        ):
            sent.append(block)
            writer.write(block)
        await writer.drain()
        await done.wait()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(pbx, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    heard: list[object] = []
    link = PbxLink(
        PbxConfig(name="t", host="127.0.0.1", port=port, username="u", secret="s"),
        intake=lambda event, at: heard.append(event),
        wants=wanted(),
    )
    await link.start()
    try:
        async with asyncio.timeout(5):
            while link.skipped + len(heard) < 3:  # noqa: ASYNC110 - counters, no event
                await asyncio.sleep(0.01)
    finally:
        await link.stop()
        done.set()
        server.close()
        await server.wait_closed()
    assert (link.skipped, len(heard)) == (2, 1) and link.last_event_at is not None
