"""Calls played by the simulator, compared with the recorded transcripts."""

from __future__ import annotations

import pytest

from ami.events import AgentComplete, AgentConnect, to_event
from ami.simulator import PbxSimulator
from tests.ami.ami_support import (
    AmiClient,
    burst_mismatch,
    call_event_names,
    campaign,
    inbound,
    run_call,
    transcript,
    transcript_bursts,
)

# -- calls compared with the transcripts --------------------------------------------------


async def test_inbound_answered_call_is_transcript_01(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    pause = {"Queue": "sales", "Interface": "Local/102@agents/n", "Paused": "true"}
    await manager.action("QueuePause", {**pause, "Reason": "setup"})  # as in the capture

    names = await run_call(
        pbx, manager, inbound("74951234567", "15", '"Ivan Petrov" <+79161234567>')
    )

    assert names == call_event_names(transcript("01_inbound_answered"))


async def test_inbound_answered_call_has_the_recorded_durations(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    await manager.action(
        "QueuePause", {"Queue": "sales", "Interface": "Local/102@agents/n", "Paused": "true"}
    )

    await run_call(pbx, manager, inbound("74951234567", "15", '"Ivan Petrov" <+79161234567>'))

    events = [to_event(m) for m in manager.messages]
    (connect,) = [e for e in events if isinstance(e, AgentConnect)]
    (complete,) = [e for e in events if isinstance(e, AgentComplete)]
    assert (connect.hold_time_s, connect.ring_time_s) == (2, 2)
    assert (complete.talk_time_s, complete.reason) == (11, "caller")
    linkedids = {m["Linkedid"] for m in manager.messages if "Linkedid" in m}
    assert len(linkedids) == 1


async def test_abandoned_call_is_transcript_02(pbx: PbxSimulator, manager: AmiClient) -> None:
    pbx.set_agent("101", mode="noanswer")
    pbx.set_agent("102", mode="noanswer")

    names = await run_call(pbx, manager, inbound("74951234567", "10", '"Olga S" <+79031112233>'))

    assert burst_mismatch(transcript_bursts("02_inbound_abandoned"), names) == ""
    abandon = await manager.event("QueueCallerAbandon")
    assert (abandon["Position"], abandon["OriginalPosition"], abandon["HoldTime"]) == (
        "1",
        "1",
        "8",
    )
    no_answer = await manager.event("AgentRingNoAnswer")
    assert no_answer["RingTime"] == "5000"


async def test_ring_no_answer_then_answer_is_transcript_03(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    pbx.set_agent("101", mode="noanswer")
    pbx.set_agent("102", talk_s=8)

    names = await run_call(pbx, manager, inbound("74951234568", "30", '"Petr" <+79267654321>'))

    assert burst_mismatch(transcript_bursts("03_inbound_ringnoanswer"), names) == ""
    complete = await manager.event("AgentComplete")
    assert (complete["Reason"], complete["Queue"], complete["MemberName"]) == (
        "agent",
        "support",
        "Agent 102",
    )


@pytest.mark.parametrize(
    ("scenario", "number", "reason"),
    [
        ("04a_outbound_answered", "89161234561", "4"),
        ("04b_outbound_busy", "89161234562", "5"),
        ("04d_outbound_congestion", "89161234564", "8"),
        ("04e_outbound_invalid", "89161234569", "0"),
    ],
)
async def test_outbound_originate_is_its_transcript(
    pbx: PbxSimulator, manager: AmiClient, scenario: str, number: str, reason: str
) -> None:
    pbx.pbx.globals["CUSTOMER_TALK"] = "8"

    names = await run_call(pbx, manager, campaign(number))

    assert burst_mismatch(transcript_bursts(scenario), names) == ""
    result = await manager.event("OriginateResponse")
    assert result["Reason"] == reason


async def test_busy_originate_is_exactly_04b_and_echoes_the_action_id(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    recorded = transcript("04b_outbound_busy")
    start = len(manager.messages)

    action_id = await manager.send("Originate", campaign("89161234562"))
    await manager.response(action_id)
    await pbx.wait_idle()
    await manager.action("Ping")

    names = call_event_names(manager.messages[start:])
    assert names == call_event_names(recorded)
    result = await manager.event("OriginateResponse")
    (expected,) = [m for m in recorded if m.name == "OriginateResponse"]
    assert result["ActionID"] == action_id
    assert {k: v for k, v in result.items() if k != "ActionID"} == {
        k: v for k, v in expected.items() if k != "ActionID"
    }


async def test_channel_id_names_the_channels_and_the_failed_response(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    fields = campaign("89161234562", ChannelId="crm-call-0001", OtherChannelId="crm-call-0001-2")

    names = await run_call(pbx, manager, fields)

    assert burst_mismatch(transcript_bursts("04g_outbound_channelid"), names) == ""
    result = await manager.event("OriginateResponse")
    assert result["Uniqueid"] == "crm-call-0001"
    assert {m["Linkedid"] for m in manager.messages if "Linkedid" in m} == {"crm-call-0001"}


async def test_hangup_of_a_ringing_outbound_call_cancels_it_like_04f(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    start = len(manager.messages)
    await manager.action("Originate", campaign("89161234563", Timeout="30000"))
    ringing = await manager.event("DialState", DialStatus="RINGING")

    response = await manager.action("Hangup", {"Channel": ringing["DestChannel"], "Cause": "16"})
    await pbx.wait_idle()
    await manager.action("Ping")

    assert response["Message"] == "Channel Hungup"
    names = call_event_names(manager.messages[start:])
    assert burst_mismatch(transcript_bursts("04f_outbound_cancelled"), names) == ""
    assert (await manager.event("OriginateResponse"))["Reason"] == "0"


async def test_click_to_call_is_transcript_05(pbx: PbxSimulator, manager: AmiClient) -> None:
    pbx.pbx.globals["CUSTOMER_TALK"] = "6"
    fields = [("Channel", "Local/101@agents"), ("Context", "outbound"), ("Exten", "89161234561")]
    fields += [("Priority", "1"), ("CallerID", '"Call to 89161234561" <89161234561>')]

    names = await run_call(pbx, manager, [*fields, ("Timeout", "30000"), ("Async", "true")])

    assert burst_mismatch(transcript_bursts("05_click_to_call"), names) == ""
    result = await manager.event("OriginateResponse")
    assert (result["Response"], result["Context"], result["Exten"]) == (
        "Success",
        "outbound",
        "89161234561",
    )


async def test_click_to_call_of_a_number_the_dialplan_cannot_route_is_05b(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    fields = [("Channel", "Local/101@agents"), ("Context", "outbound"), ("Exten", "89161234569")]
    fields += [("Priority", "1"), ("CallerID", '"Call to 89161234569" <89161234569>')]

    names = await run_call(pbx, manager, [*fields, ("Timeout", "30000"), ("Async", "true")])

    assert burst_mismatch(transcript_bursts("05b_click_to_call_invalid"), names) == ""
    result = await manager.event("OriginateResponse")
    assert result["Response"] == "Success"  # the agent's phone answered: the dial failed after
    gone = [m for m in manager.messages if m.name == "Hangup" and "@customers-" in m["Channel"]]
    assert [m["Cause"] for m in gone] == ["0", "0"]
    assert not any(
        m.name == "DialBegin" and "customers" in m.get("DialString", "") for m in manager.messages
    )


async def test_blind_transfer_of_the_agent_leg(pbx: PbxSimulator, manager: AmiClient) -> None:
    pbx.set_agent("102", talk_s=8)
    await manager.action("Originate", inbound("74951234568", "40", '"Anna" <+79165550101>'))
    connected = await manager.event("AgentConnect")

    response = await manager.action(
        "BlindTransfer",
        {"Channel": connected["DestChannel"], "Context": "internal", "Exten": "102"},
    )
    transfer = await manager.event("BlindTransfer")
    complete = await manager.event("AgentComplete")
    dial = await manager.event("DialBegin", DialString="102@agents/n")
    await pbx.wait_idle()

    assert response["Message"] == "Transfer succeeded"
    assert (transfer["Result"], transfer["Extension"]) == ("Success", "102")
    assert transfer["TransfererChannel"] == connected["DestChannel"]
    assert complete["Reason"] == "transfer"
    assert dial["Channel"] == connected["Channel"]


async def test_hold_with_the_feature_code_like_06c(pbx: PbxSimulator, manager: AmiClient) -> None:
    await manager.action("Originate", inbound("74951234568", "30", '"Ivan" <+79161234567>'))
    connected = await manager.event("AgentConnect")
    agent, caller = connected["DestChannel"], connected["Channel"]

    for digit in "*8":
        await manager.action("PlayDTMF", {"Channel": agent, "Digit": digit, "Receive": "true"})
    await manager.event("Unhold")
    await pbx.wait_idle()

    after = [
        m
        for m in manager.messages
        if m.name in ("Hold", "Unhold", "MusicOnHoldStart", "MusicOnHoldStop")
    ]
    assert [(m.name, m["Channel"]) for m in after[-4:]] == [
        ("Hold", agent),
        ("MusicOnHoldStart", caller),
        ("Unhold", agent),
        ("MusicOnHoldStop", caller),
    ]
    assert [m["Digit"] for m in manager.messages if m.name == "DTMFEnd"] == ["*", "8"]


@pytest.mark.parametrize(
    ("mode", "options"), [("listen", "qE"), ("whisper", "qwE"), ("barge", "qBE")]
)
async def test_a_supervisor_listens_in_like_08(
    pbx: PbxSimulator, manager: AmiClient, mode: str, options: str
) -> None:
    pbx.set_agent("101", talk_s=8)
    await manager.action("Originate", inbound("74951234568", "60", '"Ivan" <+79161234567>'))
    agent = (await manager.event("AgentConnect"))["DestChannel"]
    fields = [("Channel", "Local/103@agents"), ("Context", "crm-spy"), ("Exten", mode)]
    fields += [("Priority", "1"), ("Async", "true"), ("ChannelId", f"crm-spy-{mode}-1")]
    response = await manager.action("Originate", [*fields, ("Variable", f"CRM_SPY_ON={agent}")])
    start = await manager.event("ChanSpyStart")
    stop = await manager.event("ChanSpyStop", within_s=10)
    await pbx.wait_idle()

    assert response["Response"] == "Success"
    assert (start["SpyeeChannel"], start["SpyerLinkedid"]) == (agent, f"crm-spy-{mode}-1")
    assert stop["SpyerUniqueid"] == f"crm-spy-{mode}-1"
    spy_app = [
        m for m in manager.messages if m.name == "Newexten" and m["Application"] == "ChanSpy"
    ]
    assert spy_app and spy_app[0]["AppData"] == f"{agent},{options}"
    gone = [m for m in manager.messages if m.name == "Hangup" and m["Channel"] == agent]
    assert manager.messages.index(gone[0]) < manager.messages.index(stop)  # E: ends with the call
    halves = {
        m["Uniqueid"] for m in manager.messages if m.name == "Newchannel" and "103@" in m["Channel"]
    }
    assert halves == {f"crm-spy-{mode}-1", f"crm-spy-{mode}-1;2"}  # as Asterisk names them


async def test_attended_transfer_holds_then_hands_the_caller_over_like_06b(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    pbx.set_agent("102", ring_s=2, talk_s=300)
    await manager.action("Originate", inbound("74951234568", "400", '"Ivan" <+79161234567>'))
    connected = await manager.event("AgentConnect")
    agent, caller = connected["DestChannel"], connected["Channel"]
    fields = {"Channel": agent, "Context": "internal", "Exten": "102"}

    response = await manager.action("Atxfer", fields)
    await manager.wait_for(
        lambda m: m.name == "DialEnd" and m.get("DestChannel", "").startswith("Local/102@")
    )
    await manager.action("Hangup", {"Channel": agent, "Cause": "16"})  # the CRM completes it
    transfer = await manager.event("AttendedTransfer")
    await pbx.wait_idle(within_s=20)
    await manager.wait_for(lambda m: m.name == "Hangup" and "from-pstn" in m["Channel"])

    assert response["Message"] == "Atxfer successfully queued"  # as Asterisk 22 says it
    assert (transfer["Result"], transfer["OrigTransfererChannel"]) == ("Success", agent)
    assert transfer["TransfereeChannel"] == caller
    assert transfer["TransferTargetChannel"].startswith("Local/102@agents-")
    names = [m.name for m in manager.messages if m.name in ("Hold", "MusicOnHoldStart",
             "MusicOnHoldStop", "AttendedTransfer", "AgentComplete")]  # fmt: skip
    assert names[-5:] == ["Hold", "MusicOnHoldStart", "MusicOnHoldStop", "AttendedTransfer",
                          "AgentComplete"]  # fmt: skip
    complete = [m for m in manager.messages if m.name == "AgentComplete"][-1]
    assert complete["Reason"] == "transfer"
    ended = [m for m in manager.messages if m.name == "Hangup" and "102@agents" in m["Channel"]]
    assert len(ended) == 2  # the target talked, then hung up


async def test_an_unanswered_attended_transfer_gives_the_caller_back(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    pbx.set_agent("102", mode="noanswer")
    pbx.set_agent("101", talk_s=40)
    await manager.action("Originate", inbound("74951234568", "60", '"Ivan" <+79161234567>'))
    agent = (await manager.event("AgentConnect"))["DestChannel"]
    await manager.action("Atxfer", {"Channel": agent, "Context": "internal", "Exten": "102"})
    await manager.event("Unhold")
    await manager.event("MusicOnHoldStop")
    complete = await manager.event("AgentComplete", within_s=10)
    await pbx.wait_idle()
    assert complete["Reason"] != "transfer"  # the call went on with the first agent
    assert not any(m.name == "AttendedTransfer" for m in manager.messages)


async def test_park_puts_the_caller_in_space_701_like_06d(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    await manager.action("Originate", inbound("74951234568", "40", '"Ivan" <+79161234567>'))
    connected = await manager.event("AgentConnect")
    agent, caller = connected["DestChannel"], connected["Channel"]
    fields = {"Channel": caller, "TimeoutChannel": agent, "Timeout": "30000"}

    response = await manager.action("Park", fields)
    parked = await manager.event("ParkedCall")
    complete = await manager.event("AgentComplete")
    await pbx.wait_idle()
    await manager.wait_for(lambda m: m.name in ("ParkedCallGiveUp", "ParkedCallTimeOut"))

    assert response["Message"] == "Park successful"
    assert (parked["ParkeeChannel"], parked["ParkingSpace"]) == (caller, "701")
    assert parked["ParkerDialString"] == "Local/101@agents"
    assert complete["Reason"] == "transfer"
    agent_gone = [m for m in manager.messages if m.name == "Hangup" and m["Channel"] == agent]
    caller_gone = [m for m in manager.messages if m.name == "Hangup" and m["Channel"] == caller]
    assert manager.messages.index(agent_gone[0]) < manager.messages.index(caller_gone[0])
    assert any(m.name in ("ParkedCallGiveUp", "ParkedCallTimeOut") for m in manager.messages)


async def test_atxfer_and_park_of_a_channel_in_no_call_are_refused(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    for action, fields in [
        ("Atxfer", {"Channel": "Local/999@agents-00000001;1", "Exten": "102"}),
        ("Atxfer", {"Exten": "102"}),
        ("Park", {"Channel": "PJSIP/nobody-00000001"}),
    ]:
        response = await manager.action(action, fields)
        assert response["Response"] == "Error", (action, fields)
