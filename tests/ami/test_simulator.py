"""The PBX simulator over real TCP: sessions, lists and several clients."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ami.events import AmiEvent, Response, UnknownEvent, to_event
from ami.events.registry import EVENT_TYPES
from ami.protocol import Message
from ami.simulator import PbxSimulator, TrafficConfig
from tests.ami.ami_support import AmiClient, call_event_names, campaign, run_call, transcript

Connect = Callable[[], Awaitable[AmiClient]]


# -- sessions ------------------------------------------------------------------------------


async def test_login_is_accepted_and_fully_booted_follows(connect: Connect) -> None:
    client = await connect()

    response = await client.login()
    booted = await client.event("FullyBooted")

    assert list(response.items()) == [
        ("Response", "Success"),
        ("ActionID", response.first("ActionID")),
        ("Message", "Authentication accepted"),
    ]
    assert booted["Status"] == "Fully Booted"
    assert client.parser.banner == "Asterisk Call Manager/11.0.0"


async def test_wrong_secret_is_refused_like_asterisk_and_the_connection_closed(
    connect: Connect,
) -> None:
    client = await connect()

    response = await client.login(secret="wrong")
    await asyncio.wait_for(client.closed.wait(), 5)

    assert (response["Response"], response["Message"]) == ("Error", "Authentication failed")


async def test_actions_before_login_are_refused(connect: Connect) -> None:
    client = await connect()

    response = await client.action("QueueStatus")

    assert (response["Response"], response["Message"]) == ("Error", "Permission denied")


async def test_ping(manager: AmiClient) -> None:
    response = await manager.action("Ping")

    assert [k for k in response] == ["Response", "ActionID", "Ping", "Timestamp"]
    assert response["Ping"] == "Pong"
    assert float(response["Timestamp"]) > 1_700_000_000


async def test_logoff_says_goodbye_and_closes(manager: AmiClient) -> None:
    response = await manager.action("Logoff")
    await asyncio.wait_for(manager.closed.wait(), 5)

    assert (response["Response"], response["Message"]) == ("Goodbye", "Thanks for all the fish.")


async def test_unknown_action_gets_the_asterisk_error(manager: AmiClient) -> None:
    recorded = [m for m in transcript("07b_misc_actions") if m.first("ActionID").endswith("-12")]

    response = await manager.action("NoSuchAction")

    assert response["Message"] == recorded[0]["Message"]
    assert response["Response"] == "Error"


async def test_events_off_means_no_events(pbx: PbxSimulator, connect: Connect) -> None:
    quiet, loud = await connect(), await connect()
    await quiet.login(events="off")
    await loud.login()

    await run_call(pbx, loud, campaign("89161234562"))
    await quiet.action("Ping")

    assert [m for m in quiet.messages if m.kind == "Event"] == []
    assert "OriginateResponse" in call_event_names(loud.messages)


# -- lists ---------------------------------------------------------------------------------


async def test_empty_core_show_channels_and_status_match_transcript_07b(
    manager: AmiClient,
) -> None:
    recorded = transcript("07b_misc_actions")

    channels = await manager.listing("CoreShowChannels", {}, "CoreShowChannelsComplete")
    status = await manager.listing("Status", {}, "StatusComplete")

    for got, suffix in ((channels, "-5"), (status, "-6")):
        expected = [m for m in recorded if m.first("ActionID").endswith(suffix)]
        assert [_without_id(m) for m in got] == [_without_id(m) for m in expected]
        assert [tuple(m) for m in got] == [tuple(m) for m in expected]


def _without_id(message: Message) -> dict[str, str | list[str]]:
    return {key: value for key, value in message.items() if key != "ActionID"}


async def test_core_show_channels_during_a_call(pbx: PbxSimulator, manager: AmiClient) -> None:
    recorded = [m for m in transcript("01_inbound_answered") if m.name == "CoreShowChannel"]
    await pbx.inbound_call(talk_s=60, patience_s=60)
    await manager.event("AgentConnect")

    answer = await manager.listing("CoreShowChannels", {}, "CoreShowChannelsComplete")

    channels = [m for m in answer if m.name == "CoreShowChannel"]
    assert len(channels) == 4
    assert {tuple(m) for m in channels} == {tuple(m) for m in recorded}
    assert {m["Application"] for m in channels} == {m["Application"] for m in recorded}


# -- several clients, robustness -------------------------------------------------------------


async def test_two_clients_both_receive_the_call(pbx: PbxSimulator, connect: Connect) -> None:
    first, second = await connect(), await connect()
    await first.login()
    await second.login()

    linkedid = await pbx.inbound_call(patience_s=8, talk_s=3)
    await pbx.wait_idle()
    await first.action("Ping")
    await second.action("Ping")

    names_first, names_second = call_event_names(first.messages), call_event_names(second.messages)
    assert names_first == names_second
    assert "AgentComplete" in names_first
    assert any(m.first("Linkedid") == linkedid for m in second.messages)


async def test_a_client_leaving_mid_call_does_not_disturb_the_others(
    pbx: PbxSimulator, connect: Connect
) -> None:
    leaving, staying = await connect(), await connect()
    await leaving.login()
    await staying.login()

    await pbx.inbound_call(patience_s=8, talk_s=3)
    await leaving.event("QueueCallerJoin")
    leaving.writer.transport.abort()  # the socket goes away without a Logoff
    await pbx.wait_idle()
    await staying.action("Ping")
    late = await connect()

    assert "AgentComplete" in call_event_names(staying.messages)
    assert (await late.login())["Response"] == "Success"


async def test_simulated_events_are_all_typed_and_consistent(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    await pbx.inbound_call(patience_s=8, talk_s=3)
    await pbx.outbound_call("89161234561")
    await pbx.click_to_call("102", "89161234562")
    await pbx.wait_idle()
    await manager.action("Ping")

    events: list[AmiEvent | Response] = [to_event(m) for m in manager.messages]
    unknown = {e.name for e in events if isinstance(e, UnknownEvent)}
    assert not unknown & set(EVENT_TYPES)
    assert unknown <= {"LocalBridge", "DeviceStateChange", "Newexten", "SuccessfulAuth"}
    assert not pbx.pbx.channels


async def test_noise_can_be_switched_off() -> None:
    simulator = PbxSimulator(speed=0.01, noise=False)
    await simulator.start()
    client = await AmiClient.connect(simulator.port)
    try:
        await client.login()
        await simulator.inbound_call(patience_s=8, talk_s=3)
        await simulator.wait_idle()
        await client.action("Ping")
        names = {m.name for m in client.messages}
        assert "AgentConnect" in names
        assert not names & {"VarSet", "Newexten"}
    finally:
        await client.close()
        await simulator.stop()


async def test_traffic_generator_keeps_calls_coming(pbx: PbxSimulator, manager: AmiClient) -> None:
    pbx.start_traffic(TrafficConfig(calls_per_minute=600, seed=7, talk_s=(5, 10)))
    for _ in range(3):
        await manager.event("QueueCallerJoin")
        manager.messages.clear()
    await pbx.stop_traffic()

    assert pbx.pbx.call_count >= 3


async def test_panoramisk_manager_talks_to_the_simulator(pbx: PbxSimulator) -> None:
    from panoramisk import Manager

    names: list[str] = []
    manager = Manager(
        host="127.0.0.1", port=pbx.port, username="crm", secret="crmsecret", ping_delay=0
    )
    manager.register_event("*", lambda _manager, message: names.append(message.Event))
    await manager.connect()
    try:
        pong = await manager.send_action({"Action": "Ping"})
        status = await manager.send_action({"Action": "QueueStatus", "Queue": "sales"})
        await pbx.inbound_call(patience_s=8, talk_s=3)
        await pbx.wait_idle()
        await manager.send_action({"Action": "Ping"})
    finally:
        manager.close()

    assert pong.Ping == "Pong"
    assert [m.get("Event", m.get("Response")) for m in status] == [
        "Success",
        "QueueParams",
        "QueueMember",
        "QueueMember",
        "QueueStatusComplete",
    ]
    assert "AgentConnect" in names


async def test_garbage_from_a_client_is_skipped(manager: AmiClient) -> None:
    manager.writer.write(b"\x00\xff garbage without separator\r\n\r\n")

    response = await manager.action("Ping")

    assert response["Ping"] == "Pong"


async def test_scenario_drivers_hang_up_over_the_api(pbx: PbxSimulator, manager: AmiClient) -> None:
    linkedid = await pbx.outbound_call("89161234563", channel_id="crm-call-7")
    ringing = await manager.event("DialState", DialStatus="RINGING")

    assert pbx.hangup(ringing["DestChannel"])
    await pbx.wait_idle()
    result = await manager.event("OriginateResponse")

    assert linkedid == "crm-call-7"
    assert (result["Response"], result["Reason"], result["Uniqueid"]) == (
        "Failure",
        "0",
        "crm-call-7",
    )
    assert not pbx.hangup("Local/nothing-00000000;1")
