"""Random inbound traffic, so a running CRM always has calls to show."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ami.simulator.simulator import PbxSimulator

log = logging.getLogger(__name__)

NAMES = (
    "Ivan Petrov",
    "Olga Sidorova",
    "Petr Ivanov",
    "Anna Smirnova",
    "Sergey Kuznetsov",
    "Maria Popova",
    "Dmitry Volkov",
    "Elena Sokolova",
)


@dataclass(frozen=True, slots=True)
class TrafficConfig:
    """Shape of the generated traffic (seconds are simulated seconds).

    ``answer_rate``: share of calls whose agents answer when rung (the others ring out
    until the caller gives up). ``abandon_rate``: share of callers with little patience
    (they hang up after ``short_patience_s`` even if an agent would answer later); the
    others wait up to ``patience_s`` in the queue and stay on for the whole talk.
    """

    calls_per_minute: float = 6
    answer_rate: float = 0.85
    abandon_rate: float = 0.1
    talk_s: tuple[float, float] = (15, 90)
    ring_s: tuple[float, float] = (1, 4)
    patience_s: float = 180
    short_patience_s: tuple[float, float] = (4, 12)
    caller_hangs_up_share: float = 0.5
    known_callers: tuple[str, ...] = ()  # E.164 numbers most calls come from (a demo's clients)
    known_share: float = 0.7
    seed: int | None = None


class TrafficGenerator:
    def __init__(self, simulator: PbxSimulator, config: TrafficConfig) -> None:
        self.simulator = simulator
        self.config = config
        self.random = random.Random(config.seed)  # traffic shapes, not security

    async def run(self) -> None:
        if self.config.calls_per_minute <= 0:
            return
        rate = self.config.calls_per_minute / 60
        while True:
            pause = self.random.expovariate(rate) * self.simulator.pbx.speed
            await asyncio.sleep(pause)
            try:
                await self._one_call()
            except Exception:  # keep generating whatever one call did
                log.exception("traffic: could not start a call")

    async def _one_call(self) -> None:
        config, pick = self.config, self.random
        dids = list(self.simulator.config.dids)
        if config.known_callers and pick.random() < config.known_share:
            caller = pick.choice(config.known_callers)
        else:
            caller = "+7916" + "".join(pick.choice("0123456789") for _ in range(7))
        abandons = pick.random() < config.abandon_rate
        short_patience = pick.uniform(*config.short_patience_s) if abandons else None
        talk = pick.uniform(*config.talk_s)
        # the caller's Wait(): an impatient caller's few seconds, else long enough to wait
        # ``patience_s`` in the queue and then talk (a long talk is never cut by it)
        patience = short_patience if short_patience is not None else config.patience_s + talk
        caller_hangs_up = pick.random() < config.caller_hangs_up_share
        linkedid = await self.simulator.inbound_call(
            caller,
            pick.choice(dids),
            name=pick.choice(NAMES),
            patience_s=round(patience),
            agent_answers=pick.random() < config.answer_rate,
            ring_s=round(pick.uniform(*config.ring_s)),
            talk_s=round(talk if not caller_hangs_up else talk + 600),
            caller_talk_s=round(talk) if caller_hangs_up else None,
        )
        log.info("traffic: call %s from %s", linkedid, caller)
