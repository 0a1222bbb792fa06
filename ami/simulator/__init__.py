"""A simulated Asterisk 22 AMI server for tests, demos and benchmarks.

It speaks AMI over real TCP (banner, Login, Events, actions, lists) and plays the call
scenarios of the recorded transcripts (tests/fixtures/ami): inbound queue calls,
abandoned calls, outbound campaign calls, click-to-call, blind transfer and hold.
"""

from ami.simulator.config import QueueConfig, SimulatorConfig
from ami.simulator.simulator import PbxSimulator
from ami.simulator.traffic import TrafficConfig

__all__ = ["PbxSimulator", "QueueConfig", "SimulatorConfig", "TrafficConfig"]
