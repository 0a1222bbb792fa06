"""The simulator's load-test options: many queues with agents of their own, long talks."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from ami.simulator import PbxSimulator, TrafficConfig
from ami.simulator.__main__ import arguments_of, simulator_config
from tests.ami.ami_support import AmiClient


@pytest.fixture
async def small_floor() -> AsyncIterator[tuple[PbxSimulator, AmiClient]]:
    """``--queues 3 --agents-per-queue 2``, accelerated, with a logged-in client."""
    config = simulator_config(arguments_of(["--queues", "3", "--agents-per-queue", "2"]))
    simulator = PbxSimulator(dataclasses.replace(config, speed=0.01))
    await simulator.start()
    client = await AmiClient.connect(simulator.port)
    await client.login()
    yield simulator, client
    await client.close()
    await simulator.stop()


async def test_queues_option_gives_every_queue_its_own_agents_and_did(
    small_floor: tuple[PbxSimulator, AmiClient],
) -> None:
    simulator, client = small_floor

    answer = await client.listing("QueueStatus", {}, "QueueStatusComplete")

    params = [m["Queue"] for m in answer if m.name == "QueueParams"]
    members = [(m["Queue"], m["Location"]) for m in answer if m.name == "QueueMember"]
    assert params == ["queue01", "queue02", "queue03"]
    assert members == [
        (f"queue0{1 + ext // 2}", f"Local/{1000 + ext}@agents/n") for ext in range(6)
    ]
    assert answer[-1]["ListItems"] == "9"
    assert dict(simulator.config.dids) == {
        "74952000001": "queue01",
        "74952000002": "queue02",
        "74952000003": "queue03",
    }


async def test_a_call_to_a_queues_did_is_answered_by_one_of_its_agents(
    small_floor: tuple[PbxSimulator, AmiClient],
) -> None:
    simulator, client = small_floor

    await simulator.inbound_call(did="74952000002", patience_s=60, talk_s=3)
    connected = await client.event("AgentConnect")
    await simulator.wait_idle()

    assert connected["Queue"] == "queue02"
    assert connected["Interface"] in ("Local/1002@agents/n", "Local/1003@agents/n")


async def test_generated_long_talks_are_not_cut_by_the_callers_wait(
    pbx: PbxSimulator, manager: AmiClient
) -> None:
    long_talks = TrafficConfig(
        calls_per_minute=600, answer_rate=1, abandon_rate=0, talk_s=(250, 250), seed=3
    )

    pbx.start_traffic(long_talks)
    completed = await manager.event("AgentComplete", within_s=15)
    await pbx.stop_traffic()

    assert int(completed["TalkTime"]) >= 249  # more than the 180 s patience in the queue


def test_talk_seconds_set_how_long_generated_calls_talk() -> None:
    assert arguments_of(["--talk-seconds", "120:240"]).talk_seconds == (120.0, 240.0)
    assert arguments_of(["--talk-seconds", "30"]).talk_seconds == (30.0, 30.0)
    assert arguments_of([]).talk_seconds == (15, 90)


@pytest.mark.parametrize(
    "argv",
    [["--talk-seconds", "240:120"], ["--talk-seconds", "long"], ["--agents", "5", "--queues", "2"]],
)
def test_contradictory_load_options_are_refused(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        arguments_of(argv)

    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err
