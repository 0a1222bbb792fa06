"""The AMI parser and encoder against the recorded Asterisk 22 transcripts."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from ami.protocol import AmiParser, Message, encode_action, parse_block
from tests.ami.ami_support import SCENARIOS, received, sent, timeline, transcript


def _block_kinds(data: bytes) -> Counter[str]:
    """Kinds counted straight from the bytes: each message ends with a blank line."""
    text = data.decode("utf-8").split("\r\n", 1)[1]  # the banner has no blank line
    return Counter(block.split(": ", 1)[0] for block in text.split("\r\n\r\n") if block)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_transcript_parses_into_its_events_and_responses(scenario: str) -> None:
    data = received(scenario)
    parser = AmiParser()

    messages = parser.feed(data)

    assert parser.banner == "Asterisk Call Manager/11.0.0"
    assert len(messages) == data.count(b"\r\n\r\n")
    assert Counter(m.kind for m in messages) == _block_kinds(data)
    assert {m.kind for m in messages} == {"Event", "Response"}
    assert messages[0].name == "Success"
    assert messages[0]["Message"] == "Authentication accepted"
    assert messages[-1].name == "Goodbye"


def test_transcript_01_counts_match_the_capture() -> None:
    names = Counter(m.name for m in transcript("01_inbound_answered") if m.kind == "Event")

    assert names["VarSet"] == 86
    assert names["Newexten"] == 21
    assert names["Newchannel"] == 4
    assert names["AgentConnect"] == 1


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_feeding_socket_reads_one_by_one_gives_the_same_messages(scenario: str) -> None:
    parser = AmiParser()

    messages = [m for _, chunk in timeline(scenario) for m in parser.feed(chunk)]

    assert messages == transcript(scenario)


@pytest.mark.parametrize("scenario", ["07b_misc_actions", "04b_outbound_busy", "07_queue_actions"])
def test_feeding_byte_by_byte_gives_the_same_messages(scenario: str) -> None:
    data, parser = received(scenario), AmiParser()

    messages = [m for i in range(len(data)) for m in parser.feed(data[i : i + 1])]

    assert messages == transcript(scenario)


def test_a_message_split_inside_its_lines_waits_for_the_rest() -> None:
    parser = AmiParser(expect_banner=False)

    assert parser.feed(b"Response: Success\r\nActionID: 07b_misc_actions-8\r\n") == []
    messages = parser.feed(b"Variable: AGENT101_MODE\r\nValue: answer\r\n\r\nEvent: X\r\n\r")
    messages += parser.feed(b"\n")

    assert messages == [
        {"Response": "Success", "ActionID": "07b_misc_actions-8", "Variable": "AGENT101_MODE"}
        | {"Value": "answer"},
        {"Event": "X"},
    ]


def test_repeated_keys_keep_every_value_in_order() -> None:
    block = "Event: Status\r\nChanVariable: A=1\r\nChanVariable: B=2\r\nChannel: PJSIP/1-01"

    message = parse_block(block)

    assert message is not None
    assert message["ChanVariable"] == ["A=1", "B=2"]
    assert message.getall("ChanVariable") == ["A=1", "B=2"]
    assert message.first("ChanVariable") == "A=1"
    assert message.getall("Channel") == ["PJSIP/1-01"]
    assert message.getall("Missing") == []


def test_values_keep_colons_and_empty_values_stay_empty() -> None:
    newexten = next(
        m
        for m in transcript("01_inbound_answered")
        if m.name == "Newexten" and m.first("Application") == "NoOp"
    )

    assert (
        newexten["AppData"] == 'Inbound call from "Ivan Petrov" <+79161234567> to DID 74951234567'
    )
    assert newexten["AccountCode"] == ""
    assert parse_block("Event: X\r\nData: a: b: c\r\nEmpty:") == {
        "Event": "X",
        "Data": "a: b: c",
        "Empty": "",
    }


def test_command_output_of_asterisk_22_is_a_normal_response() -> None:
    command = next(m for m in transcript("07b_misc_actions") if m.first("ActionID").endswith("-7"))

    assert command.kind == "Response"
    assert command["Message"] == "Command output follows"
    assert command.getall("Output") == [
        "Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-26 17:34:24 UTC"
    ]


def test_legacy_follows_response_becomes_output_lines_even_with_blank_lines() -> None:
    parser = AmiParser(expect_banner=False)
    data = (
        b"Response: Follows\r\nPrivilege: Command\r\nActionID: c-1\r\n"
        b"Channel  Location\nSIP/1-01  s@default:1\n\r\n\r\nmore: output\n--END COMMAND--\r\n\r\n"
        b"Event: Ping\r\n\r\n"
    )

    messages = parser.feed(data)

    assert messages[0]["Response"] == "Follows"
    assert messages[0]["ActionID"] == "c-1"
    assert messages[0].getall("Output") == [
        "Channel  Location",
        "SIP/1-01  s@default:1",
        "more: output",
    ]
    assert messages[1] == {"Event": "Ping"}


def test_malformed_block_is_logged_skipped_and_the_next_message_parses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    parser = AmiParser(expect_banner=False)
    garbage = b"Event: Broken\r\nthis line has no separator\r\n\r\n\x00\xff\xfe\x01junk\r\n\r\n"

    with caplog.at_level(logging.WARNING, logger="ami.protocol"):
        messages = parser.feed(garbage + b"Event: Hangup\r\nCause: 16\r\n\r\n")

    assert messages == [{"Event": "Hangup", "Cause": "16"}]
    assert sum("malformed" in r.getMessage() for r in caplog.records) == 2


def test_invalid_utf8_is_replaced_and_the_event_kept(caplog: pytest.LogCaptureFixture) -> None:
    parser = AmiParser(expect_banner=False)

    with caplog.at_level(logging.WARNING, logger="ami.protocol"):
        messages = parser.feed(
            b"Event: Hangup\r\nCallerIDName: Ivan \xcf\xe5\xf2\xf0\xee\xe2\r\n\r\n"
        )

    assert messages[0]["Event"] == "Hangup"
    assert messages[0]["CallerIDName"].startswith("Ivan \ufffd")
    assert any("invalid UTF-8" in r.getMessage() for r in caplog.records)


def test_utf8_caller_names_are_decoded() -> None:
    name = "Иван Петров"
    data = f"Event: Newchannel\r\nCallerIDName: {name}\r\n\r\n".encode()
    parser = AmiParser(expect_banner=False)

    messages = [m for i in range(len(data)) for m in parser.feed(data[i : i + 1])]

    assert messages == [{"Event": "Newchannel", "CallerIDName": name}]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_actions_sent_in_the_capture_parse_and_encode_back_byte_exact(scenario: str) -> None:
    data = sent(scenario)

    actions = AmiParser(expect_banner=False).feed(data)
    encoded = b"".join(
        encode_action(a.name, [(k, v) for k, v in _pairs(a)], a.first("ActionID")) for a in actions
    )

    assert len(actions) == data.count(b"\r\n\r\n")
    assert all(a.kind == "Action" for a in actions)
    assert encoded == data


def _pairs(action: Message) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in action.items():
        if key not in ("Action", "ActionID"):
            pairs.extend((key, item) for item in (value if isinstance(value, list) else [value]))
    return pairs


def test_encode_action_round_trips_with_repeated_keys_and_flags() -> None:
    data = encode_action(
        "Originate",
        {
            "Channel": "Local/101@agents",
            "Async": True,
            "Timeout": 30000,
            "Variable": ["A=1", "B=2"],
        },
        action_id="crm-7",
    )

    (message,) = AmiParser(expect_banner=False).feed(data)

    assert data.startswith(b"Action: Originate\r\nActionID: crm-7\r\n")
    assert data.endswith(b"\r\n\r\n")
    assert message.kind == "Action"
    assert message.name == "Originate"
    assert message["Async"] == "true"
    assert message["Timeout"] == "30000"
    assert message.getall("Variable") == ["A=1", "B=2"]


@pytest.mark.parametrize(
    "bad", [{"Channel": "x\r\nAction: Hangup"}, {"Bad\nKey": "v"}, {"A:B": "v"}]
)
def test_encode_action_refuses_line_breaks_that_would_inject_actions(bad: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        encode_action("Originate", bad, action_id="x")


def test_parser_without_banner_takes_the_first_line_as_a_message() -> None:
    parser = AmiParser()

    assert parser.feed(b"Event: FullyBooted\r\n\r\n") == [{"Event": "FullyBooted"}]
    assert parser.banner is None


def test_an_endless_message_is_dropped_instead_of_growing_forever(
    caplog: pytest.LogCaptureFixture,
) -> None:
    parser = AmiParser(expect_banner=False)

    with caplog.at_level(logging.WARNING, logger="ami.protocol"):
        parser.feed(b"Event: X\r\nData: " + b"x" * (5 * 1024 * 1024))
        messages = parser.feed(b"\r\n\r\nEvent: Y\r\n\r\n")

    assert messages[-1] == {"Event": "Y"}
    assert any("dropping" in r.getMessage() for r in caplog.records)


def test_message_kind_and_name_come_from_the_first_key() -> None:
    message = parse_block("Response: Error\r\nActionID: 1\r\nMessage: No such channel")

    assert message is not None
    assert (message.kind, message.name) == ("Response", "Error")
    assert isinstance(message, dict)
