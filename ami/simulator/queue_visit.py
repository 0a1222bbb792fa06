"""A caller waiting in a queue: join, ring members in turn, abandon or get connected.

Timing follows queues.conf: each member rings at most ``timeout`` s, then ``retry`` s pass
before the next try. The caller (``;1``, running Wait(patience)) hangs up at its deadline:
while a member rings that is transcript 02, otherwise an abandon with nobody ringing.
"""

from __future__ import annotations

import logging
import math
import random
from typing import TYPE_CHECKING

from ami.simulator.agent_leg import ANSWER, AgentLeg, QueueRing
from ami.simulator.call import HANGUP, Interrupt
from ami.simulator.model import Channel, LocalPair, Member, Queue, QueueCaller
from ami.simulator.queue_talk import QueueTalk

if TYPE_CHECKING:
    from ami.simulator.dialer import DialerCall
    from ami.simulator.inbound import InboundCall

log = logging.getLogger(__name__)

TIMEOUT = Interrupt(kind="timeout", channel=Channel("", "", "", "", "", 0.0))
"""Returned by ``QueueVisit._wait`` when the caller's patience or Queue()'s limit ran out."""


class QueueVisit:
    """One stay of one caller in one queue."""

    def __init__(
        self, call: InboundCall | DialerCall, queue: Queue, pair: LocalPair, deadline: float | None
    ):
        self.call = call
        self.queue = queue
        self.pair = pair
        self.deadline = deadline if deadline is not None else math.inf
        self.max_wait_at = call.vt + call.pbx.config.queue_max_wait_s
        self.joined_vt = call.vt
        self.attempts: list[tuple[AgentLeg, bool]] = []  # (leg, answered)
        self._linear_next = 0

    @property
    def leg(self) -> Channel:
        """The caller's ``;2``: the channel that is in the queue."""
        return self.pair.two

    def hold_s(self) -> int:
        return round(self.call.vt - self.joined_vt)

    async def run(self) -> None:
        self._join()
        while True:
            member = self._pick()
            if member is None:
                if not await self._sleep(self.queue.retry):
                    return
                continue
            outcome = await self._ring(member)
            if outcome != "next" or not await self._sleep(self.queue.retry):
                return

    def _join(self) -> None:
        call, queue = self.call, self.queue
        position = len(queue.callers) + 1
        queue.callers.append(QueueCaller(call, self.leg, self.joined_vt, position))
        if position == 1:
            call.pbx.devstate(f"Queue:{queue.name}", "RINGING")
        count = ("Count", str(len(queue.callers)))
        call.emit_channel(
            "QueueCallerJoin", self.leg, ("Queue", queue.name), ("Position", str(position)), count
        )
        call.emit_channel("MusicOnHoldStart", self.leg, ("Class", "default"))

    def leave(self) -> None:
        call, queue = self.call, self.queue
        position = queue.position(self.leg)
        queue.callers = [c for c in queue.callers if c.channel is not self.leg]
        if not queue.callers:
            call.pbx.devstate(f"Queue:{queue.name}", "NOT_INUSE")
        extra = (
            ("Queue", queue.name),
            ("Position", str(position)),
            ("Count", str(len(queue.callers))),
        )
        call.emit_channel("QueueCallerLeave", self.leg, *extra)

    # -- choosing a member ----------------------------------------------------------------

    def _ordered(self) -> list[Member]:
        members, strategy = list(self.queue.members), self.queue.strategy
        if strategy == "rrmemory":
            start = self.queue.next_index % max(len(members), 1)
            return members[start:] + members[:start]
        if strategy == "linear":
            start = self._linear_next % max(len(members), 1)
            return members[start:] + members[:start]
        if strategy == "leastrecent":
            return sorted(members, key=lambda m: m.stats.last_call)
        if strategy == "fewestcalls":
            return sorted(members, key=lambda m: m.stats.calls_taken)
        if strategy == "random":
            return random.sample(members, len(members))
        return members

    def _pick(self) -> Member | None:
        pbx, queue = self.call.pbx, self.queue
        free = [m for m in self._ordered() if m.extension and pbx.is_available(queue, m)]
        ahead = 0
        for caller in queue.callers:
            if caller.channel is self.leg:
                break
            ahead += 0 if caller.ringing else 1
        if ahead >= len(free):
            return None  # autofill: only as many waiting callers ring as members are free
        member = free[0]
        index = queue.members.index(member) + 1
        queue.next_index = index
        self._linear_next = index
        return member

    # -- time passing ---------------------------------------------------------------------

    def _limit(self) -> float:
        return min(self.deadline, self.max_wait_at) - self.call.vt

    async def _sleep(self, seconds: float) -> bool:
        """Wait in the queue; False (after the caller left) if the caller is gone."""
        interrupt = await self._wait(seconds, ())
        if interrupt is None:
            return True
        if self._caller_hung_up(interrupt):
            self._abandon(None)
        else:
            self._give_up()
        return False

    async def _wait(self, seconds: float, agent_channels: tuple[Channel, ...]) -> Interrupt | None:
        """Wait up to ``seconds``. Returns None if they passed; a hangup of the caller or
        of ``agent_channels``; or ``TIMEOUT`` when the caller's time is up first."""
        end = self.call.vt + seconds
        while True:
            remaining, limit = end - self.call.vt, self._limit()
            interrupt = await self.call.wait(min(remaining, limit))
            if interrupt is None:
                return None if remaining < limit else TIMEOUT
            if interrupt.kind == HANGUP and (
                self._caller_hung_up(interrupt) or interrupt.channel in agent_channels
            ):
                return interrupt
            log.info("call %s: %s ignored while queued", self.call.linkedid, interrupt.kind)

    def _caller_hung_up(self, interrupt: Interrupt) -> bool:
        return interrupt.kind == HANGUP and interrupt.channel in self.pair.channels

    def _give_up(self) -> None:
        if self.call.vt + 1e-9 >= self.deadline:
            self._abandon(None)
        else:
            self._timeout()

    async def _ring(self, member: Member) -> str:
        """Ring ``member``: "answered" (call done), "next" (try another) or "gone"."""
        call = self.call
        agent = AgentLeg(call, member.extension, self.leg, QueueRing(self.queue, member, call.did))
        me = next(c for c in self.queue.callers if c.channel is self.leg)
        me.ringing = True
        agent.start()
        kind, after = agent.outcome(self.queue.timeout)
        interrupt = await self._wait(after, agent.pair.channels)
        me.ringing = False
        if interrupt is TIMEOUT:
            if call.vt + 1e-9 >= self.deadline:
                self._abandon(agent)
            else:
                self._timeout(agent)
            return "gone"
        if interrupt is not None and self._caller_hung_up(interrupt):
            self._abandon(agent)
            return "gone"
        if interrupt is None and kind == ANSWER:
            self.attempts.append((agent, True))
            await QueueTalk(self, agent, member).run()
            return "answered"
        self.attempts.append((agent, False))
        agent.no_answer()  # timed out, busy, or its channel was hung up over AMI
        return "next"

    # -- endings --------------------------------------------------------------------------

    def caller_cdrs(self) -> None:
        """One Cdr of the caller's ``;2`` per member rung (transcript 02)."""
        call, leg = self.call, self.leg
        app = ("Queue", f"{self.queue.name},tT,,,120")
        if not self.attempts:
            call.cdr(leg, application=app)
        for index, (agent, answered) in enumerate(self.attempts):
            since = leg.created if index == 0 else agent.started
            disposition = "ANSWERED" if answered else "NO ANSWER"
            answer = leg.answered if index == 0 else agent.started
            call.cdr(
                leg,
                dest_channel=agent.one.name,
                application=app,
                since=since,
                answered=answer,
                disposition=disposition,
            )

    def hang_up_caller(self, cause: int) -> None:
        """The caller's pair goes once the agent has left (transcript 03 order)."""
        call = self.call
        caller, leg = self.pair.channels
        if leg.context == "from-pstn":
            call.newexten(leg, 10, "NoOp", "Queue result: CONTINUE")
        call.hangup_request(leg, cause, soft=True)
        call.hangup_request(caller, cause)
        self.caller_cdrs()
        call.hangup(leg, cause)
        call.hangup(caller, cause)
        call.cdr(caller)
        for _ in range(2):
            call.pbx.devstate(self.pair.device, "NOT_INUSE")

    def _abandon(self, agent: AgentLeg | None) -> None:
        """The caller hangs up while queued (transcript 02 when a member is ringing)."""
        call, queue = self.call, self.queue
        caller, leg = self.pair.channels
        call.hangup_request(leg, 0)
        call.hangup(caller, 0)
        call.cdr(caller)
        call.emit_channel("MusicOnHoldStop", leg)
        if agent is not None:
            call.dial_end(leg, agent.one, "CANCEL")
        call.pbx.devstate(self.pair.device, "NOT_INUSE")
        if agent is not None:
            call.dial_end(leg, agent.one, "CANCEL")
            agent.drop_after_cancel()
            self.attempts.append((agent, False))
        self.caller_cdrs()
        position = queue.position(leg)
        original = next((c.original_position for c in queue.callers if c.channel is leg), position)
        extra = [("Queue", queue.name), ("Position", str(position))]
        extra += [("OriginalPosition", str(original)), ("HoldTime", str(self.hold_s()))]
        call.emit_channel("QueueCallerAbandon", leg, *extra)
        queue.record(hold=self.hold_s(), talk=None)
        if agent is not None:
            call.cdr(agent.two, disposition="FAILED")
        self.leave()
        call.hangup_request(leg, 16, soft=True)
        call.hangup(leg, 0)
        if agent is not None:
            call.pbx.set_device_busy(agent.pair.device, False)
            call.pbx.devstate(agent.pair.device, "NOT_INUSE")
        call.pbx.devstate(self.pair.device, "NOT_INUSE")
        if agent is not None:
            call.hangup_request(agent.two, 16, soft=True)
            call.hangup(agent.two, 0)
            call.pbx.devstate(agent.pair.device, "NOT_INUSE")

    def _timeout(self, agent: AgentLeg | None = None) -> None:
        """Queue() gave up after its 120 s: the caller leaves and the dialplan hangs up."""
        call = self.call
        caller, leg = self.pair.channels
        if agent is not None:
            self.attempts.append((agent, False))
            agent.no_answer()
        call.emit_channel("MusicOnHoldStop", leg)
        self.leave()
        call.newexten(leg, 10, "NoOp", "Queue result: TIMEOUT")
        call.newexten(leg, 11, "Hangup")
        self.caller_cdrs()
        call.hangup_request(caller, 16)
        call.hangup(leg, 16)
        call.cdr(caller)
        call.hangup_request(caller, 16, soft=True)
        call.hangup(caller, 16)
        call.pbx.devstate(self.pair.device, "NOT_INUSE")
        call.pbx.devstate(self.pair.device, "NOT_INUSE")
