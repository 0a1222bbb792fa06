"""``FloorBoard``: queue and member events in, agent changes and stints out. Pure, no I/O.

Feed it every event in arrival order (the listener does, beside the call tracker), ``tick``
it every second (wrap-ups end with no event), and ``rebuild`` it from a QueueStatus answer
after every (re)connect. The CRM's own wrap-up: when a queue's CRM wrap-up time is longer than
the PBX's, the board asks (``WrapupPause``) to pause the agent with the wrap-up reason and to
unpause when it is over, so the PBX itself stops offering calls meanwhile.

The callers' side (queue visits) is ``QueueCallers`` (``callers.py``), which the board
holds and hands the callers' events; what the board hands out is in ``updates.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from ami import events as ev
from ami.floor.agents import Agent, Membership
from ami.floor.callers import QueueCallers
from ami.floor.stints import FINISHED
from ami.floor.updates import FloorUpdate, WrapupPause
from callcenter.floor.records import WRAPUP_REASON, QueueSeen, Stint

log = logging.getLogger(__name__)


class FloorBoard:
    def __init__(self, *, wrapup_seconds: dict[str, int] | None = None) -> None:
        self.agents: dict[str, Agent] = {}
        self.callers = QueueCallers()
        self.wrapup_seconds: dict[str, int] = dict(wrapup_seconds or {})  # the CRM's, per queue
        self._handlers: dict[type, Callable[[Any, datetime], list[FloorUpdate]]] = {
            ev.QueueMemberAdded: self._member,
            ev.QueueMemberPause: self._member,
            ev.QueueMemberStatus: self._member,
            ev.QueueMemberPenalty: self._member,
            ev.QueueMemberRinginuse: self._member,
            ev.QueueMemberRemoved: self._removed,
            ev.AgentCalled: self._called,
            ev.AgentRingNoAnswer: self._not_answered,
            ev.AgentDump: self._not_answered,
            ev.AgentConnect: self._connect,
            ev.AgentComplete: self._complete,
            ev.QueueCallerJoin: self.callers.join,
            ev.QueueCallerLeave: self.callers.leave,
            ev.QueueCallerAbandon: self._abandon,
            ev.Hangup: self.callers.hangup,
        }

    # -- the event loop's entry points -------------------------------------------------

    @property
    def event_types(self) -> frozenset[type]:
        """The events the board reads; any other is dropped."""
        return frozenset(self._handlers)

    def handle(self, event: object, at: datetime) -> list[FloorUpdate]:
        handler = self._handlers.get(type(event))
        if handler is None:
            return []
        try:
            return handler(event, at)
        except Exception:
            log.exception("floor: cannot apply %r, skipped", event)
            return []

    def tick(self, at: datetime) -> list[FloorUpdate]:
        """End the wrap-ups that are over."""
        out: list[FloorUpdate] = []
        for agent in self.agents.values():
            if agent.wrapup_until is None or agent.wrapup_until > at:
                continue
            agent.wrapup_until = None
            if agent.pause_reason() == WRAPUP_REASON and not agent.unpause_asked:
                agent.unpause_asked = True
                out.append(WrapupPause(agent.interface, False))
            out += self._settle(agent, at)
        return out

    def snapshot_agents(self) -> list[Any]:
        return [a.snapshot() for a in self.agents.values()]

    def adopt(self, stints: list[Stint]) -> None:
        """Take over the visits a previous leader stored open (a new process, a takeover);
        the next rebuild continues or ends them."""
        self.callers.adopt(stints)

    # -- members ------------------------------------------------------------------------

    def _agent(self, interface: str, name: str, at: datetime) -> Agent:
        agent = self.agents.get(interface)
        if agent is None:
            agent = self.agents[interface] = Agent(interface, name or interface, at)
        elif name:
            agent.name = name
        return agent

    def _member_of(self, event: Any, at: datetime) -> Agent:
        """The agent an Agent* event names: a queue rings only its members."""
        agent = self._agent(event.interface, event.member_name, at)
        agent.members.setdefault(event.queue, Membership())
        return agent

    def _settle(self, agent: Agent, at: datetime) -> list[FloorUpdate]:
        change = agent.settle(at)
        return [change] if change else []

    def _member(self, event: Any, at: datetime) -> list[FloorUpdate]:
        m = event.member
        agent = self._agent(m.interface, m.member_name, at)
        was = agent.members.get(m.queue)
        if was is not None and was.paused and was.reason == WRAPUP_REASON and not m.paused:
            agent.wrapup_until, agent.unpause_asked = None, False  # ready before the time
        agent.members[m.queue] = Membership(
            m.paused, m.paused_reason if m.paused else "", m.wrapuptime
        )
        agent.device = m.status
        if m.status not in (2, 3, 6, 7, 8) and not m.in_call:
            agent.ringing = agent.ring_queue = ""
        return self._settle(agent, at)

    def _removed(self, event: Any, at: datetime) -> list[FloorUpdate]:
        agent = self._agent(event.member.interface, event.member.member_name, at)
        agent.members.pop(event.member.queue, None)
        return self._settle(agent, at)

    def _called(self, event: Any, at: datetime) -> list[FloorUpdate]:
        agent = self._member_of(event, at)
        agent.ringing, agent.ring_queue = event.channel.linkedid, event.queue
        return self._settle(agent, at)

    def _not_answered(self, event: Any, at: datetime) -> list[FloorUpdate]:
        agent = self.agents.get(event.interface)
        if agent is None or agent.ringing != event.channel.linkedid:
            return []
        agent.ringing = agent.ring_queue = ""
        agent.device = 1  # its "in use" was the ringing; the next member status tells
        return self._settle(agent, at)

    def _connect(self, event: Any, at: datetime) -> list[FloorUpdate]:
        agent = self._member_of(event, at)
        agent.ringing = agent.ring_queue = ""
        agent.talking, agent.talk_queue = event.channel.linkedid, event.queue
        agent.wrapup_until = None
        out = self._settle(agent, at)
        for other in self.agents.values():  # the others rung for this caller stop ringing
            if other is not agent and other.ringing == event.channel.linkedid:
                other.ringing = other.ring_queue = ""
                out += self._settle(other, at)
        return out + self.callers.connected(event, at)

    def _complete(self, event: Any, at: datetime) -> list[FloorUpdate]:
        out: list[FloorUpdate] = []
        agent = self._member_of(event, at)
        if agent.talking == event.channel.linkedid:
            agent.talking = agent.talk_queue = ""
            agent.device = 1
        member = agent.members.get(event.queue, Membership())
        crm = self.wrapup_seconds.get(event.queue, 0)
        seconds = max(crm, member.wrapuptime)
        if seconds > 0:
            agent.wrapup_until = at + timedelta(seconds=seconds)
            agent.unpause_asked = False
            if crm > member.wrapuptime and agent.members:
                out.append(WrapupPause(agent.interface, True))
        out += self._settle(agent, at)
        return out + self.callers.completed(event, at)

    def _abandon(self, event: Any, at: datetime) -> list[FloorUpdate]:
        """The caller gave up: agents rung for them stop ringing, and the visit ends."""
        out: list[FloorUpdate] = []
        for agent in self.agents.values():
            if agent.ringing == event.channel.linkedid:
                agent.ringing = agent.ring_queue = ""
                out += self._settle(agent, at)
        return out + self.callers.abandon(event, at)

    # -- resync -------------------------------------------------------------------------

    def rebuild(
        self,
        items: Iterable[object],
        at: datetime,
        *,
        heard_at: datetime | None = None,
        call_is_live: Callable[[str], bool] | None = None,
    ) -> list[FloorUpdate]:
        """Match the board to a QueueStatus answer: members, paused states, waiting callers.
        ``heard_at``: until when the PBX was heard (visits gone ended after it);
        ``call_is_live``: whether a call is still up (else: an agent is talking on it)."""
        items = list(items)
        out: list[FloorUpdate] = []
        members: dict[str, dict[str, Membership]] = {}
        names: dict[str, str] = {}
        devices: dict[str, tuple[int, bool]] = {}
        waiting: dict[tuple[str, str], ev.QueueEntry] = {}
        queues: dict[str, list[str]] = {}
        params: dict[str, ev.QueueParams] = {}
        for item in items:
            if isinstance(item, ev.QueueParams):
                params[item.queue] = item
                queues.setdefault(item.queue, [])
            elif isinstance(item, ev.QueueMember):
                members.setdefault(item.location, {})[item.queue] = Membership(
                    item.paused, item.paused_reason if item.paused else "", item.wrapuptime
                )
                names[item.location] = item.name
                devices[item.location] = (item.status, item.in_call)
                queues.setdefault(item.queue, []).append(item.location)
            elif isinstance(item, ev.QueueEntry):
                waiting[(item.uniqueid, item.queue)] = item
        for name, located in queues.items():
            p = params.get(name)
            out.append(
                QueueSeen(
                    name, p.strategy if p else "", p.service_level if p else 0, tuple(located)
                )
            )
        for interface in set(self.agents) | set(members):
            agent = self._agent(interface, names.get(interface, ""), at)
            agent.members = members.get(interface, {})
            agent.device, in_call = devices.get(interface, (1, False))
            if not in_call:
                agent.talking = agent.talk_queue = ""
            if agent.device not in (6, 7):
                agent.ringing = agent.ring_queue = ""
            out += self._settle(agent, at)
        talking = {a.talking for a in self.agents.values() if a.talking}
        out += self.callers.rebuild(waiting, at, heard_at, call_is_live or talking.__contains__)
        return out


__all__ = ["FINISHED", "FloorBoard", "FloorUpdate", "WrapupPause"]
