"""What ``FloorBoard`` hands out: agent changes, stints, queues seen, and wrap-up pauses to ask
the PBX for. Its own module so that both sides of the board (``board.py``, ``callers.py``)
can name them.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.floor.records import AgentChange, QueueSeen, Stint


@dataclass(frozen=True, slots=True)
class WrapupPause:
    """Ask the PBX to pause (or unpause) ``interface`` in all its queues for the wrap-up."""

    interface: str
    paused: bool


FloorUpdate = AgentChange | Stint | QueueSeen | WrapupPause

__all__ = ["FloorUpdate", "WrapupPause"]
