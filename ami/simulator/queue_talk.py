"""A queue caller connected to an agent: AgentConnect, talk, AgentComplete.

Who hangs up first decides the ending: the caller (its Wait ends; transcript 01,
``Reason: caller``) or the agent (its Wait(talk) ends; transcript 03, ``Reason: agent``).
A BlindTransfer of the agent leg ends it with ``Reason: transfer`` (06a); a hold
(06c) plays music to the caller meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ami.simulator.agent_leg import AgentLeg
from ami.simulator.call import ATXFER, HANGUP, HOLD, PARK, TRANSFER
from ami.simulator.features import blind_transfer, hold
from ami.simulator.handover import attended_transfer, park
from ami.simulator.model import Bridge, Member

if TYPE_CHECKING:
    from ami.simulator.queue_visit import QueueVisit

QUEUE_VARS = ("QUEUENAME", "QUEUEMAX", "QUEUESTRATEGY", "QUEUECALLS", "QUEUEHOLDTIME")
QUEUE_VARS_2 = ("QUEUETALKTIME", "QUEUECOMPLETED", "QUEUEABANDONED", "QUEUESRVLEVEL")


class QueueTalk:
    def __init__(self, visit: QueueVisit, agent: AgentLeg, member: Member) -> None:
        self.visit = visit
        self.call = visit.call
        self.agent = agent
        self.member = member
        self.bridge = Bridge()
        self.connected_vt = 0.0

    def _queue_vars(self) -> list[tuple[str, str]]:
        queue = self.visit.queue
        values = [queue.name, "0", queue.strategy, str(len(queue.callers)), str(queue.hold_time)]
        values += [str(queue.talk_time), str(queue.completed), str(queue.abandoned), "0"]
        names = (*QUEUE_VARS, *QUEUE_VARS_2, "QUEUESRVLEVELPERF")
        return list(zip(names, [*values, "0.0"], strict=True))

    async def run(self) -> None:
        self._connect()
        ender = await self._talk()
        if ender is None:
            return  # transferred
        if ender == "caller":
            self._caller_hangs_up()
        else:
            self._agent_hangs_up()

    def _connect(self) -> None:
        call, agent, leg, member = self.call, self.agent, self.visit.leg, self.member
        agent.answer()
        call.emit_channel("MusicOnHoldStop", leg)
        member_vars = [("MEMBERINTERFACE", member.interface), ("MEMBERNAME", member.name)]
        member_vars += [("MEMBERCALLS", str(member.stats.calls_taken))]
        member_vars += [("MEMBERLASTCALL", str(member.stats.last_call))]
        member_vars += [("MEMBERPENALTY", str(member.penalty)), ("MEMBERDYNAMIC", "0")]
        hold_vars = [("QEHOLDTIME", str(self.visit.hold_s())), ("QEORIGINALPOS", "1")]
        for channel in (leg, agent.one):
            call.varset(channel, *member_vars, ("MEMBERREALTIME", "0"))
        for channel in (leg, agent.one):
            call.varset(channel, *hold_vars)
        for channel in (leg, agent.one):
            call.varset(channel, *self._queue_vars())
        self.visit.leave()
        wait_ms = str(round((call.vt - self.visit.joined_vt) * 1000))
        call.varset(leg, ("QUEUEPOSITION", "1"), ("QUEUEWAIT", str(self.visit.hold_s())))
        call.varset(leg, ("QUEUEWAIT_MS", wait_ms))
        call.pbx.devstate(agent.pair.device, "INUSE")
        member.in_call = True
        ring_s = round(call.wall() - agent.started)
        hold = ("HoldTime", str(self.visit.hold_s()))
        agent.agent_event("AgentConnect", hold, ("RingTime", str(ring_s)))
        self.connected_vt = call.vt
        self.bridge = call.bridge(agent.one, leg)
        call.varset(agent.one, ("BRIDGEPEER", leg.name))
        call.varset(leg, ("BRIDGEPEER", agent.one.name))
        agent.talk_started()

    async def _talk(self) -> str | None:
        """Talk until someone hangs up: "caller", "agent", or None after a transfer."""
        call = self.call
        agent_end = call.vt + self.agent.behaviour.talk_s
        caller_end = self.visit.deadline
        if call.caller_talk_s is not None:
            caller_end = min(caller_end, call.vt + call.caller_talk_s)
        while True:
            interrupt = await call.wait(min(agent_end, caller_end) - call.vt)
            if interrupt is None:
                return "caller" if caller_end <= agent_end else "agent"
            if interrupt.kind == HOLD:
                await hold(call, interrupt, self.agent.one, self.visit.leg)
            elif interrupt.kind == TRANSFER:
                await blind_transfer(self, interrupt)
                return None
            elif interrupt.kind == ATXFER:
                if await attended_transfer(self, interrupt):
                    return None
            elif interrupt.kind == PARK:
                await park(self, interrupt)
                return None
            elif interrupt.kind == HANGUP:
                return "caller" if interrupt.channel in self.visit.pair.channels else "agent"

    def complete(self, reason: str) -> None:
        talk = round(self.call.vt - self.connected_vt)
        hold_time = ("HoldTime", str(round(self.connected_vt - self.visit.joined_vt)))
        self.agent.agent_event(
            "AgentComplete", hold_time, ("TalkTime", str(talk)), ("Reason", reason)
        )
        self.visit.queue.record(hold=int(hold_time[1]), talk=talk)

    def finish_member(self) -> None:
        self.member.in_call = False
        self.call.pbx.finish_member_call(self.member.interface, self.call.wall())

    def _caller_hangs_up(self) -> None:
        """Transcript 01 order."""
        call, agent, bridge = self.call, self.agent, self.bridge
        caller, leg = self.visit.pair.channels
        call.hangup_request(leg, 0)
        self.complete("caller")
        call.varset(leg, ("BRIDGEPEER", ""))
        call.varset(agent.one, ("BRIDGEPEER", ""))
        call.cdr(caller)
        self.visit.caller_cdrs()
        call.bridge_leave(bridge, leg)
        call.hangup(caller, 0)
        call.varset(leg, *self._queue_vars())
        call.hangup_request(leg, 16, soft=True)
        call.hangup(leg, 16)
        for _ in range(2):
            call.pbx.devstate(self.visit.pair.device, "NOT_INUSE")
        call.bridge_leave(bridge, agent.one)
        call.bridge_destroy(bridge)
        call.hangup_request(agent.two, 16)
        call.hangup(agent.one, 16)
        call.hangup_request(agent.two, 16, soft=True)
        call.hangup(agent.two, 16)
        call.cdr(agent.two)
        for _ in range(2):
            call.pbx.devstate(agent.pair.device, "NOT_INUSE")
        self.finish_member()
        call.pbx.set_device_busy(agent.pair.device, False)

    def _agent_hangs_up(self) -> None:
        """Transcript 03 order."""
        call, agent, bridge = self.call, self.agent, self.bridge
        caller, leg = self.visit.pair.channels
        call.newexten(agent.two, 10, "Hangup")
        call.cdr(agent.two)
        call.hangup_request(agent.two, 16, soft=True)
        call.hangup_request(agent.one, 16)
        self.complete("agent")
        call.bridge_leave(bridge, agent.one)
        call.hangup(agent.two, 16)
        call.bridge_leave(bridge, leg)
        call.pbx.devstate(agent.pair.device, "NOT_INUSE")
        call.bridge_destroy(bridge)
        self.finish_member()
        call.pbx.set_device_busy(agent.pair.device, False)
        call.hangup(agent.one, 16)
        call.pbx.devstate(agent.pair.device, "NOT_INUSE")
        self.visit.hang_up_caller(16)
