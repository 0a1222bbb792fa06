"""Typed events read from the recorded transcripts."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from ami.events import (
    EVENT_TYPES,
    AgentComplete,
    AgentConnect,
    AmiEvent,
    BlindTransfer,
    Cdr,
    ChannelEvent,
    DialBegin,
    DialEnd,
    FullyBooted,
    Hangup,
    Hold,
    MusicOnHoldStart,
    OriginateResponse,
    Response,
    UnknownEvent,
    VarSet,
    to_event,
)
from ami.protocol import Message
from tests.ami.ami_support import SCENARIOS, events_of, only, transcript


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_event_with_a_class_is_typed_and_the_rest_is_unknown(scenario: str) -> None:
    for message in transcript(scenario):
        event = to_event(message)
        if message.kind == "Response":
            assert isinstance(event, Response)
        elif message.name in EVENT_TYPES:
            assert type(event) is EVENT_TYPES[message.name]
        else:
            assert isinstance(event, UnknownEvent)
            assert event.name == message.name
            assert event.fields is message


def test_event_table_names_are_the_class_names_except_known_spellings() -> None:
    for name, cls in EVENT_TYPES.items():
        assert cls.__name__ == name
        assert dataclasses.is_dataclass(cls)
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert hasattr(cls, "__slots__")


def test_01_agent_connect_has_hold_and_ring_time_in_seconds() -> None:
    (connect,) = only("01_inbound_answered", AgentConnect)

    assert connect.hold_time_s == 2
    assert connect.ring_time_s == 2
    assert connect.queue == "sales"
    assert connect.member_name == "Agent 101"
    assert connect.interface == "Local/101@agents/n"
    assert connect.channel.channel == "Local/74951234567@from-pstn-0000000d;2"
    assert connect.dest.channel == "Local/101@agents-0000000e;1"
    assert connect.dest.exten == "74951234567"


def test_01_every_channel_of_the_call_carries_the_first_uniqueid_as_linkedid() -> None:
    events = events_of("01_inbound_answered")
    channels = [e.channel for e in events if isinstance(e, ChannelEvent)]
    dests = [e.dest for e in events if isinstance(e, DialBegin | DialEnd | AgentConnect)]

    assert len(channels) > 30
    assert {c.linkedid for c in channels + dests} == {"1795715043.26"}
    assert channels[0].uniqueid == "1795715043.26"


@pytest.mark.parametrize(
    ("scenario", "response", "reason"),
    [
        ("04a_outbound_answered", "Success", 4),
        ("04b_outbound_busy", "Failure", 5),
        ("04c_outbound_noanswer", "Failure", 3),
        ("04d_outbound_congestion", "Failure", 8),
        ("04e_outbound_invalid", "Failure", 0),
        ("04f_outbound_cancelled", "Failure", 0),
        ("05_click_to_call", "Success", 4),
    ],
)
def test_originate_response_reason(scenario: str, response: str, reason: int) -> None:
    (result,) = only(scenario, OriginateResponse)

    assert (result.response, result.reason) == (response, reason)
    assert result.action_id == f"{scenario}-2"
    assert result.success is (response == "Success")


def test_04b_failed_originate_has_no_uniqueid_and_the_dial_string_as_channel() -> None:
    (result,) = only("04b_outbound_busy", OriginateResponse)

    assert result.uniqueid == "<unknown>"
    assert not result.has_uniqueid
    assert result.channel == "Local/89161234562@customers"
    assert (result.context, result.exten) == ("campaign", "101")
    assert (result.caller_id_num, result.caller_id_name) == ("74951234567", "ACME Sales")


def test_04g_failed_originate_carries_the_channel_id() -> None:
    (result,) = only("04g_outbound_channelid", OriginateResponse)

    assert result.uniqueid == "crm-call-0001"
    assert result.has_uniqueid


def test_an_originated_dial_has_no_calling_channel() -> None:
    begin = only("04b_outbound_busy", DialBegin)[0]
    end = only("04b_outbound_busy", DialEnd)[0]

    assert begin.channel is None
    assert begin.dest.channel == "Local/89161234562@customers-00000056;1"
    assert begin.dial_string == "89161234562@customers"
    assert end.dial_status == "BUSY"


def test_01_cdr_durations() -> None:
    cdr = only("01_inbound_answered", Cdr)[0]

    assert (cdr.duration_s, cdr.billable_s, cdr.disposition) == (16, 15, "ANSWERED")
    assert cdr.caller_id == '"Ivan Petrov" <+79161234567>'
    assert cdr.uniqueid == "1795715043.26"


def test_06a_blind_transfer() -> None:
    (transfer,) = only("06a_blind_transfer", BlindTransfer)
    reasons = [c.reason for c in only("06a_blind_transfer", AgentComplete)]

    assert transfer.result == "Success"
    assert transfer.transferer.channel == "Local/101@agents-00000024;1"
    assert transfer.transferee is not None
    assert transfer.transferee.channel == "Local/74951234568@from-pstn-00000023;2"
    assert transfer.is_external
    assert (transfer.context, transfer.extension) == ("internal", "102")
    assert transfer.bridge.bridge_num_channels == 2
    assert reasons == ["transfer"]


def test_06c_hold_and_music() -> None:
    (hold,) = only("06c_hold", Hold)
    music = only("06c_hold", MusicOnHoldStart)

    assert hold.music_class == "default"
    assert hold.channel.channel == "Local/101@agents-0000002b;1"
    assert music[-1].music_class == "default"


def test_varset_keeps_only_what_the_crm_needs() -> None:
    varset = only("01_inbound_answered", VarSet)[0]

    assert dataclasses.asdict(varset) == {
        "name": "TARGETQ",
        "value": "sales",
        "uniqueid": "1795715043.27",
        "linkedid": "1795715043.26",
    }


def test_unknown_events_keep_their_name_and_fields() -> None:
    event = to_event(
        Message({"Event": "DeviceStateChange", "Device": "Queue:sales", "State": "INUSE"})
    )

    assert isinstance(event, UnknownEvent)
    assert event.name == "DeviceStateChange"
    assert event.fields["State"] == "INUSE"


def test_responses_are_typed() -> None:
    messages = transcript("07_queue_actions")
    errors = [to_event(m) for m in messages if m.name == "Error"]

    assert all(isinstance(e, Response) and not e.ok for e in errors)
    assert isinstance(errors[0], Response)
    assert errors[0].message == "Unable to remove interface: Not there"
    assert errors[0].action_id == "07_queue_actions-16"


def test_a_bad_number_falls_back_to_the_default_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = Message(
        {"Event": "Hangup", "Channel": "PJSIP/1-01", "Cause": "abc", "Cause-txt": "?"}
    )

    with caplog.at_level(logging.WARNING, logger="ami.events"):
        event = to_event(message)

    assert isinstance(event, Hangup)
    assert event.cause == 0
    assert event.channel.channel == "PJSIP/1-01"
    assert any("bad Cause" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"Event": ""},
        {"Event": "FullyBooted", "Uptime": ["1", "2"]},
        {"Event": "QueueMemberStatus", "Paused": "maybe", "Status": "x"},
        {"Event": "DialBegin"},
        {"Something": "else"},
    ],
)
def test_to_event_never_raises(fields: dict[str, str | list[str]]) -> None:
    event = to_event(Message(fields))

    assert isinstance(event, AmiEvent | Response)


def test_repeated_value_uses_the_first() -> None:
    event = to_event(Message({"Event": "FullyBooted", "Uptime": ["1", "2"], "Status": "x"}))

    assert isinstance(event, FullyBooted)
    assert event.uptime_s == 1


def test_events_are_frozen() -> None:
    (connect,) = only("01_inbound_answered", AgentConnect)

    with pytest.raises(dataclasses.FrozenInstanceError):
        connect.queue = "other"  # type: ignore[misc]
