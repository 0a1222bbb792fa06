"""``python -m ami.simulator --port 5038 --calls-per-minute 6``: a PBX to develop against."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
from types import MappingProxyType

from ami.simulator.config import QueueConfig, SimulatorConfig
from ami.simulator.simulator import PbxSimulator
from ami.simulator.traffic import TrafficConfig

log = logging.getLogger("ami.simulator")


def arguments_of(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ami.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5038)
    parser.add_argument("--username", default="crm")
    parser.add_argument("--secret", default="crmsecret")
    parser.add_argument("--calls-per-minute", type=float, default=6.0)
    parser.add_argument("--answer-rate", type=float, default=0.85)
    parser.add_argument("--abandon-rate", type=float, default=0.1)
    parser.add_argument("--speed", type=float, default=1.0, help="0.1 = ten times faster")
    parser.add_argument("--no-noise", action="store_true", help="no VarSet/Newexten events")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--timestamps",
        action="store_true",
        help="add Timestamp: to events (manager.conf timestampevents = yes)",
    )
    parser.add_argument(
        "--wait-for-signal",
        action="store_true",
        help="start the traffic on SIGUSR1 (benchmarks: once their clients are ready)",
    )
    parser.add_argument(
        "--agents",
        type=int,
        default=0,
        help="N agents 1000..1000+N-1 in every queue instead of 101 and 102",
    )
    parser.add_argument(
        "--queues",
        type=int,
        default=0,
        help="N queues queue01.. instead of support and sales, each with its own agents "
        "and DID (load tests; see --agents-per-queue)",
    )
    parser.add_argument("--agents-per-queue", type=int, default=10, metavar="M")
    parser.add_argument(
        "--talk-seconds",
        type=_span,
        default=TrafficConfig().talk_s,
        metavar="MIN:MAX",
        help="how long answered calls talk (default 15:90)",
    )
    parser.add_argument("--verbose", "-v", action="store_true")
    arguments = parser.parse_args(argv)
    if arguments.queues and arguments.agents:
        parser.error("give either --agents or --queues")
    return arguments


def _span(value: str) -> tuple[float, float]:
    low, _, high = value.partition(":")
    try:
        span = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not MIN:MAX seconds: {value!r}") from None
    if not 0 <= span[0] <= span[1]:
        raise argparse.ArgumentTypeError(f"not 0 <= MIN <= MAX: {value!r}")
    return span


def many_agents(count: int) -> tuple[QueueConfig, ...]:
    """Both queues with ``count`` agents, extensions 1000 and up (for load tests)."""
    members = tuple((f"Local/{1000 + i}@agents/n", f"Agent {1000 + i}") for i in range(count))
    return (
        QueueConfig("support", strategy="linear", members=members),
        QueueConfig("sales", strategy="rrmemory", members=members),
    )


def many_queues(count: int, per_queue: int) -> tuple[tuple[QueueConfig, ...], dict[str, str]]:
    """``count`` queues queue01.. of ``per_queue`` agents each (extensions 1000 and up, no
    agent in two queues), and their DIDs 74952000001.. (for load tests)."""
    queues, dids = [], {}
    for q in range(count):
        first = 1000 + q * per_queue
        members = tuple(
            (f"Local/{ext}@agents/n", f"Agent {ext}") for ext in range(first, first + per_queue)
        )
        name = f"queue{q + 1:02d}"
        queues.append(QueueConfig(name, strategy="rrmemory", members=members))
        dids[f"7495{2000001 + q:07d}"] = name
    return tuple(queues), dids


def simulator_config(arguments: argparse.Namespace) -> SimulatorConfig:
    config = SimulatorConfig(
        username=arguments.username,
        secret=arguments.secret,
        speed=arguments.speed,
        noise=not arguments.no_noise,
        timestamp_events=arguments.timestamps,
    )
    if arguments.agents:
        config = dataclasses.replace(config, queues=many_agents(arguments.agents))
    if arguments.queues:
        queues, dids = many_queues(arguments.queues, arguments.agents_per_queue)
        config = dataclasses.replace(config, queues=queues, dids=MappingProxyType(dids))
    return config


async def _serve(arguments: argparse.Namespace) -> None:
    simulator = PbxSimulator(simulator_config(arguments))
    port = await simulator.start(arguments.host, arguments.port)
    traffic = TrafficConfig(
        calls_per_minute=arguments.calls_per_minute,
        answer_rate=arguments.answer_rate,
        abandon_rate=arguments.abandon_rate,
        talk_s=arguments.talk_seconds,
        seed=arguments.seed,
    )
    if arguments.wait_for_signal:
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGUSR1, simulator.start_traffic, traffic
        )
    else:
        simulator.start_traffic(traffic)
    log.info(
        "AMI on %s:%d, %.1f calls/min; Ctrl-C to stop",
        arguments.host,
        port,
        traffic.calls_per_minute,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
        await simulator.stop_traffic()
        await simulator.server.drain(within_s=60)  # deliver what is buffered before counting
    finally:
        # what each client was sent, for benchmarks that account for every event
        print(json.dumps({"events_sent": simulator.server.sent_by_client}), flush=True)
        await simulator.stop()


def main(argv: list[str] | None = None) -> None:
    arguments = arguments_of(argv)
    level = logging.DEBUG if arguments.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(arguments))


if __name__ == "__main__":
    main()
