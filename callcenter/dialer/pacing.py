"""How many calls a campaign places now. Pure: the caller passes the time and the floor.

Progressive: one call per free agent (an agent with no call in flight or waiting for them).

Predictive (after the metrics note, 2.2-2.3): every tick it counts the agents free now or
about to be (wrap-ups ending within the look-ahead L, the average time from dial to answer,
and talking agents, each finishing within L with the chance L / average talk time), and
the live answers already on their way: each call in flight, by how long it has rung,
answers with the chance measured on the last ~200 attempts (a call ringing longer than
people take to answer will ring out). It dials for ``k`` expected answers per such agent:
``new calls = round((k * agents - answers on the way) / p)`` with p the live-answer rate,
never more lines in flight than ``max_dial_ratio`` per agent.

Every few seconds the aggressiveness k follows the abandon rate of the last ~200 live
answers toward a target below the campaign's cap (60 % of it), and is halved at once when
that rate passes twice the target; the campaign dials progressively while it warms up (too
few live answers measured) or while its overall abandon rate nears the cap.

An abandon (the issue's rule): a customer who picked up and whom no agent took within the
campaign's grace time; the rate is abandoned / live answers (abandons included). Answering
machines are neither live answers nor abandons.
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from collections import deque
from dataclasses import dataclass, field

WINDOW_ATTEMPTS = 200  # finished attempts behind the answer rate and the ring times
WINDOW_ANSWERS = 200  # live answers behind the short-term abandon rate
WARMUP_ANSWERS = 50  # live answers measured before dialing ahead
MIN_RECENT_ANSWERS = 20  # fewer live answers say nothing about the abandon rate
TARGET_SHARE = 0.6  # aim at this share of the abandon cap
NEAR_CAP_SHARE = 0.9  # overall rate at this share of the cap: dial progressively
ADAPT_EVERY_S = 5.0
GAIN = 0.1  # k moves by up to this share ...
STEP_ANSWERS = 10  # ... per this many new live answers
K_START, K_MIN, K_MAX = 0.8, 0.2, 1.5
PRIOR_ANSWER_RATE, PRIOR_WEIGHT = 0.25, 20  # before measurements: a typical list
PRIOR_RING_S = (3.0, 20.0)  # people answer within this, until ring times are measured
DEFAULT_LOOK_AHEAD_S = 10.0
DEFAULT_TALK_S = 120.0


@dataclass(frozen=True)
class Floor:
    """What the campaign's agents and calls look like at this moment."""

    free_agents: int  # available now
    soon_free: int = 0  # wrap-up ends within the look-ahead
    on_call: int = 0  # talking
    ringing: tuple[float, ...] = ()  # calls in flight: seconds since each was dialed
    waiting: int = 0  # answered, waiting for an agent

    @property
    def in_flight(self) -> int:
        return len(self.ringing)


class Durations:
    """The last durations of one kind (sorted), for 'share longer than t'."""

    def __init__(self, size: int) -> None:
        self.order: deque[float] = deque()
        self.sorted: list[float] = []
        self.size = size

    def add(self, seconds: float) -> None:
        self.order.append(seconds)
        insort(self.sorted, seconds)
        if len(self.order) > self.size:
            old = self.order.popleft()
            del self.sorted[bisect_right(self.sorted, old) - 1]

    def __len__(self) -> int:
        return len(self.sorted)

    def longer_than(self, seconds: float) -> float:
        return 1.0 - bisect_right(self.sorted, seconds) / len(self.sorted)

    def mean(self) -> float:
        return sum(self.sorted) / len(self.sorted)


@dataclass
class Pacer:
    """The pacing of one campaign; feed it every finished attempt and live answer."""

    mode: str
    max_dial_ratio: float = 3.0
    abandon_cap_percent: float = 3.0
    grace_s: float = 2.0
    warmup_answers: int = WARMUP_ANSWERS
    k: float = K_START
    adapted_at: float | None = None
    answered: deque[bool] = field(default_factory=lambda: deque(maxlen=WINDOW_ATTEMPTS))
    recent_lives: deque[bool] = field(default_factory=lambda: deque(maxlen=WINDOW_ANSWERS))
    lives: int = 0  # since the campaign started
    abandons: int = 0
    lives_seen: int = 0  # live answers when k was last adapted
    talk_s: float = DEFAULT_TALK_S
    ratio: float = 1.0  # lines in flight per agent, as last dialed
    live_rings: Durations = field(default_factory=lambda: Durations(WINDOW_ATTEMPTS))
    dead_rings: Durations = field(default_factory=lambda: Durations(WINDOW_ATTEMPTS))

    # -- measurements ---------------------------------------------------------------------

    def attempt_finished(self, *, live: bool, seconds: float | None = None) -> None:
        """An attempt came to an end after ``seconds`` from the dial: a live answer, or not
        (busy, no answer, failed, machine)."""
        self.answered.append(live)
        if seconds is not None and seconds >= 0:
            (self.live_rings if live else self.dead_rings).add(seconds)

    def call_handled(self, *, talk_seconds: float) -> None:
        """An agent finished talking to a customer (the handle time behind the look-ahead)."""
        if talk_seconds > 0:
            self.talk_s += 0.05 * (talk_seconds - self.talk_s)

    def live_answer(self, *, abandoned: bool) -> None:
        """A live answer whose fate is known: an agent took it in time, or not."""
        self.recent_lives.append(abandoned)
        self.lives += 1
        self.abandons += int(abandoned)

    # -- figures --------------------------------------------------------------------------

    @property
    def answer_rate(self) -> float:
        """Live answers per attempt, pulled toward a typical rate while little is known."""
        hits = sum(self.answered) + PRIOR_ANSWER_RATE * PRIOR_WEIGHT
        return max(0.02, hits / (len(self.answered) + PRIOR_WEIGHT))

    @property
    def abandon_rate(self) -> float:
        """Abandoned / live answers since the start, in percent."""
        return 100.0 * self.abandons / self.lives if self.lives else 0.0

    @property
    def recent_abandon_rate(self) -> float:
        lives = len(self.recent_lives)
        return 100.0 * sum(self.recent_lives) / lives if lives else 0.0

    @property
    def look_ahead_s(self) -> float:
        """How long a call takes from the dial to a live answer, on average."""
        if len(self.live_rings) < MIN_RECENT_ANSWERS:
            return DEFAULT_LOOK_AHEAD_S
        return self.live_rings.mean()

    @property
    def dials_ahead(self) -> bool:
        """Whether it is dialing predictively now (not warming up, not held at the cap)."""
        if self.mode != "predictive" or self.lives < self.warmup_answers:
            return False
        return self.abandon_rate < NEAR_CAP_SHARE * self.abandon_cap_percent

    @property
    def dial_ratio(self) -> float:
        """Lines in flight per free (or about free) agent, as last dialed; 1 when not ahead."""
        return self.ratio if self.dials_ahead else 1.0

    # -- decisions ------------------------------------------------------------------------

    def calls_to_place(self, floor: Floor, now: float) -> int:
        """How many calls to dial now (time ``now`` in seconds, any origin)."""
        self._adapt(now)
        idle = max(0, floor.free_agents - floor.waiting)
        if not self.dials_ahead:
            return max(0, idle - floor.in_flight)
        agents = max(0.0, floor.free_agents + self.about_free(floor) - floor.waiting)
        coming = sum(self.answer_chance(age) for age in floor.ringing)
        wanted = (self.k * agents - coming) / self.answer_rate
        most = self.max_dial_ratio * agents - floor.in_flight
        calls = max(0, math.floor(min(wanted, most) + 0.5))
        if agents > 0:
            self.ratio = min(max((floor.in_flight + calls) / agents, 1.0), self.max_dial_ratio)
        return calls

    def about_free(self, floor: Floor) -> float:
        """Agents expected to be free for a call answered now: wrap-ups ending within the
        look-ahead, and talking agents finishing within the abandon grace time (each with
        the chance ``grace / average talk``: a call ends at no time the dialer knows)."""
        finishing = floor.on_call * min(1.0, self.grace_s / max(self.talk_s, 1.0))
        return floor.soon_free + finishing

    def answer_chance(self, age: float) -> float:
        """The chance that a call ringing for ``age`` seconds is answered by a person."""
        p = self.answer_rate
        if len(self.live_rings) >= MIN_RECENT_ANSWERS:
            live = self.live_rings.longer_than(age)
        else:
            low, high = PRIOR_RING_S
            live = min(1.0, max(0.0, (high - age) / (high - low)))
        dead = self.dead_rings.longer_than(age) if len(self.dead_rings) >= 20 else 1.0
        both = p * live + (1 - p) * dead
        return p * live / both if both > 0 else 0.0

    def _adapt(self, now: float) -> None:
        if self.adapted_at is not None and now - self.adapted_at < ADAPT_EVERY_S:
            return
        self.adapted_at = now
        if self.mode != "predictive" or len(self.recent_lives) < MIN_RECENT_ANSWERS:
            return
        target = TARGET_SHARE * self.abandon_cap_percent
        rate = self.recent_abandon_rate
        if rate > 2 * target:
            self.k = max(K_MIN, self.k / 2)
            return
        if not self.dials_ahead:
            self.lives_seen = self.lives
            return  # learn nothing from calls dialed one per free agent
        news, self.lives_seen = self.lives - self.lives_seen, self.lives
        step = GAIN * min(news, STEP_ANSWERS) / STEP_ANSWERS  # moves as fast as news come
        self.k = min(max(self.k * (1 + step * (target - rate) / target), K_MIN), K_MAX)
