"""Queue actions and lists of the simulator, worded and shaped like transcript 07."""

from __future__ import annotations

from ami.protocol import Message
from ami.simulator import PbxSimulator
from tests.ami.ami_support import AmiClient, transcript


def keys(messages: list[Message], name: str) -> list[tuple[str, ...]]:
    return [tuple(m) for m in messages if m.name == name]


async def test_queue_status_has_the_shape_of_transcript_07(manager: AmiClient) -> None:
    recorded = [m for m in transcript("07_queue_actions") if m.first("ActionID").endswith("-3")]

    answer = await manager.listing("QueueStatus", {}, "QueueStatusComplete")

    assert [m.name for m in answer] == [m.name for m in recorded]
    for name in ("QueueParams", "QueueMember", "QueueStatusComplete"):
        assert keys(answer, name) == keys(recorded, name)
    assert answer[0]["Message"] == "Queue status will follow"
    assert [m["Queue"] for m in answer if m.name == "QueueParams"] == ["support", "sales"]
    assert answer[-1]["ListItems"] == "6"


async def test_queue_summary_and_member_filter_have_the_transcript_shape(
    manager: AmiClient,
) -> None:
    recorded = transcript("07_queue_actions")
    summary = [m for m in recorded if m.first("ActionID").endswith("-2")]
    filtered = [m for m in recorded if m.first("ActionID").endswith("-5")]
    await manager.action("QueueAdd", {"Queue": "sales", "Interface": "Local/103@agents/n"})

    got_summary = await manager.listing("QueueSummary", {}, "QueueSummaryComplete")
    got_filtered = await manager.listing(
        "QueueStatus", {"Queue": "sales", "Member": "Local/103@agents/n"}, "QueueStatusComplete"
    )

    assert [tuple(m) for m in got_summary] == [tuple(m) for m in summary]
    assert [tuple(m) for m in got_filtered] == [tuple(m) for m in filtered]


# -- queue actions -------------------------------------------------------------------------


async def test_queue_pause_with_reason_shows_in_events_and_queue_status(manager: AmiClient) -> None:
    fields = {"Queue": "sales", "Interface": "Local/101@agents/n", "Paused": "true"}

    response = await manager.action("QueuePause", {**fields, "Reason": "Lunch"})
    event = await manager.event("QueueMemberPause")
    listing = await manager.listing(
        "QueueStatus", {"Queue": "sales", "Member": "Local/101@agents/n"}, "QueueStatusComplete"
    )

    assert response["Message"] == "Interface paused successfully"
    assert (event["Paused"], event["PausedReason"], event["Queue"]) == ("1", "Lunch", "sales")
    (member,) = [m for m in listing if m.name == "QueueMember"]
    assert (member["Paused"], member["PausedReason"]) == ("1", "Lunch")
    unpaused = await manager.action("QueuePause", {**fields, "Paused": "false"})
    assert unpaused["Message"] == "Interface unpaused successfully"


async def test_queue_pause_without_queue_pauses_every_queue(manager: AmiClient) -> None:
    await manager.action(
        "QueuePause", {"Interface": "Local/102@agents/n", "Paused": "true", "Reason": "Meeting"}
    )
    await manager.action("Ping")

    pauses = [m for m in manager.messages if m.name == "QueueMemberPause"]
    assert [(m["Queue"], m["PausedReason"]) for m in pauses] == [
        ("support", "Meeting"),
        ("sales", "Meeting"),
    ]


async def test_queue_action_errors_are_worded_like_asterisk(manager: AmiClient) -> None:
    recorded = {
        m.first("ActionID").rsplit("-", 1)[1]: m
        for m in transcript("07_queue_actions")
        if m.kind == "Response"
    }
    sent = [
        ("16", "QueueRemove", {"Queue": "sales", "Interface": "Local/199@agents/n"}),
        ("17", "QueueAdd", {"Queue": "nosuchqueue", "Interface": "Local/103@agents/n"}),
        (
            "18",
            "QueuePause",
            {"Queue": "sales", "Interface": "Local/199@agents/n", "Paused": "true"},
        ),
        ("19", "QueueAdd", {"Queue": "sales", "Interface": "Local/101@agents/n"}),
    ]

    for number, action, fields in sent:
        response = await manager.action(action, fields)
        assert response["Response"] == "Error"
        assert response["Message"] == recorded[number]["Message"]


async def test_queue_add_and_remove_emit_member_events(manager: AmiClient) -> None:
    added = await manager.action(
        "QueueAdd",
        {"Queue": "sales", "Interface": "PJSIP/103", "MemberName": "Agent 103", "Penalty": "1"},
    )
    event = await manager.event("QueueMemberAdded")
    removed = await manager.action("QueueRemove", {"Queue": "sales", "Interface": "PJSIP/103"})
    gone = await manager.event("QueueMemberRemoved")

    assert added["Message"] == "Added interface to queue"
    assert (event["MemberName"], event["Membership"], event["Penalty"]) == (
        "Agent 103",
        "dynamic",
        "1",
    )
    assert event["Status"] == "5"  # no such endpoint on this PBX: unavailable
    assert removed["Message"] == "Removed interface from queue"
    assert gone["Interface"] == "PJSIP/103"


async def test_queue_status_lists_waiting_callers(pbx: PbxSimulator, manager: AmiClient) -> None:
    linkedid = await pbx.inbound_call(agent_answers=False, patience_s=60)
    join = await manager.event("QueueCallerJoin")

    listing = await manager.listing("QueueStatus", {"Queue": "sales"}, "QueueStatusComplete")

    (entry,) = [m for m in listing if m.name == "QueueEntry"]
    assert (entry["Queue"], entry["Position"], entry["Channel"]) == ("sales", "1", join["Channel"])
    assert entry["CallerIDNum"] == "+79161234567"
    assert join["Linkedid"] == linkedid
    (params,) = [m for m in listing if m.name == "QueueParams"]
    assert params["Calls"] == "1"
