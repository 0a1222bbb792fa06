"""Settings of the simulated PBX; the defaults mirror the capture configs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

AGENT_MEMBERS = (("Local/101@agents/n", "Agent 101"), ("Local/102@agents/n", "Agent 102"))
# what the demo campaign's customers do, as (outcome, weight): most answer
DEMO_DIALER_MIX = (("answer", 6.0), ("busy", 1.0), ("no_answer", 2.0), ("machine", 1.0))


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """One queue of queues.conf (``timeout``, ``retry``, ``wrapuptime`` in seconds)."""

    name: str
    strategy: str = "rrmemory"
    members: tuple[tuple[str, str], ...] = AGENT_MEMBERS
    timeout: float = 5
    retry: float = 1
    wrapuptime: float = 1


def _default_globals() -> Mapping[str, str]:
    values = {"CUSTOMER_TALK": "3"}
    for agent in ("101", "102", "103"):
        values |= {f"AGENT{agent}_MODE": "answer", f"AGENT{agent}_RING": "2"}
        values[f"AGENT{agent}_TALK"] = "30"
    return MappingProxyType(values)


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """How the simulator behaves.

    ``speed`` scales every wait (0.01 runs a 10 s call in 0.1 s; 0 does not wait at all).
    ``noise`` adds the VarSet/Newexten events that make most of the real traffic.
    ``dialplan_globals`` are the [globals] of extensions.conf: agent behaviour
    (``AGENT101_MODE`` answer|noanswer|busy|congestion, ``_RING``, ``_TALK`` seconds) and
    ``CUSTOMER_TALK``; AMI ``Setvar`` without a channel changes them at run time.
    """

    username: str = "crm"
    secret: str = "crmsecret"  # noqa: S105 - the demo PBX credentials of the capture
    speed: float = 1.0
    # the simulated clock's start (unix time; None: now). A PBX started again after a crash
    # goes on from the old one's clock, as a real one's wall clock would: uniqueids
    # (<epoch>.<seq>, the sequence restarting at 0) never repeat the old ones
    clock_start: float | None = None
    noise: bool = True
    queues: tuple[QueueConfig, ...] = (
        QueueConfig("support", strategy="linear"),
        QueueConfig("sales", strategy="rrmemory"),
    )
    dids: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({"74951234567": "sales", "74951234568": "support"})
    )
    dialplan_globals: Mapping[str, str] = field(default_factory=_default_globals)
    welcome_s: float = 1.5
    queue_max_wait_s: float = 120
    auth_failure_delay_s: float = 1.0
    max_client_buffer: int = 4 * 1024 * 1024
    timestamp_events: bool = False  # add ``Timestamp:`` to events, as timestampevents = yes
    # the CRM's dialer (ami/simulator/dialer.py): its context, what customers do, as
    # (outcome, weight) pairs (empty: by the number's last digit), how long they wait
    dialer_context: str = "dialer"
    dialer_mix: tuple[tuple[str, float], ...] = ()
    dialer_patience_s: float = 10.0


def demo_config(campaign_queue: str, extension: str) -> SimulatorConfig:
    """The demo's PBX: the capture's queues, and a queue of its own for the demo campaign
    whose one agent no inbound call reaches (no DID leads to it), so the campaign has an
    agent however busy inbound keeps the others; its customers mostly answer."""
    member = (f"Local/{extension}@agents/n", f"Agent {extension}")
    defaults = SimulatorConfig()
    return SimulatorConfig(
        queues=(*defaults.queues, QueueConfig(campaign_queue, members=(member,))),
        dialer_mix=DEMO_DIALER_MIX,
    )
