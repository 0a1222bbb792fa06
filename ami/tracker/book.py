"""The live calls and what happens to them: open, add legs, ring, answer, hold, end.

Handlers (``channels``, ``queues``, ``features``) and ``reconcile`` change calls only
through this book, so the rules live in one place.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime

from ami.events import ChannelInfo
from ami.tracker.outcome import finalize
from ami.tracker.parties import agent_of, creation_context, local_half, party_number
from ami.tracker.state import CallState, LegState, Role, TrackerConfig, note, seconds, snapshot
from ami.tracker.updates import (
    AgentLeft,
    CallAnswered,
    CallEnded,
    CallMerged,
    CallRinging,
    CallUpdated,
    TrackerUpdate,
)
from callcenter.calls.records import Call, Direction, Leg

log = logging.getLogger(__name__)

RECENT_MAX = 20_000  # ended calls' ids kept so late events do not revive them
HUNG_UP_MAX = 10_000  # Hangups of channels not seen yet (delivered before their Newchannel)


class CallBook:
    def __init__(self, config: TrackerConfig, max_live_calls: int) -> None:
        self.config = config
        self.max_live_calls = max_live_calls
        self.calls: dict[str, CallState] = {}  # by Linkedid
        self.leg_calls: dict[str, str] = {}  # Uniqueid -> Linkedid of live calls
        self.recent: OrderedDict[str, str] = OrderedDict()  # ended ids -> Linkedid
        # Uniqueid -> (when, cause) of a Hangup that came before the channel's Newchannel:
        # the channel is ended as soon as it appears, so its call cannot live for ever
        self.hung_up: OrderedDict[str, tuple[datetime, int | None]] = OrderedDict()
        # what a previous leader last heard, for the calls it left (see ``adopt``)
        self.heard_at: datetime | None = None
        # channels whose Hangup was heard (bounded): gone for good, whatever a channel list
        # read at about the same moment still says (a reconcile never brings them back)
        self.hung_up_heard: OrderedDict[str, None] = OrderedDict()

    # -- lookups

    def find(self, info: ChannelInfo | None) -> tuple[CallState, LegState] | None:
        """The live call and leg of a channel, if the tracker knows them: by its Linkedid, or
        where its leg is kept (a channel bridged into an older call is given that call's
        Linkedid by Asterisk, while its Local ``;2`` half keeps the old one, 06d)."""
        if info is None:
            return None
        state = self.calls.get(info.linkedid)
        leg = state.legs.get(info.uniqueid) if state is not None else None
        if leg is None and (first := self.leg_calls.get(info.uniqueid)) is not None:
            state = self.calls.get(first)
            leg = state.legs.get(info.uniqueid) if state is not None else None
        return (state, leg) if state is not None and leg is not None else None

    def linkedid_of(self, uniqueid: str) -> str | None:
        return self.leg_calls.get(uniqueid) or self.recent.get(uniqueid)

    def hung_up_early(self, uniqueid: str, at: datetime, cause: int | None) -> None:
        """A Hangup for a channel not seen yet: remembered (bounded) until its Newchannel."""
        if uniqueid in self.leg_calls or uniqueid in self.recent:
            return  # a channel of a call already ended: a late event, nothing to remember
        self.hung_up[uniqueid] = (at, cause)
        while len(self.hung_up) > HUNG_UP_MAX:
            self.hung_up.popitem(last=False)

    def heard_hangup(self, uniqueid: str) -> None:
        self.hung_up_heard[uniqueid] = None
        while len(self.hung_up_heard) > RECENT_MAX:
            self.hung_up_heard.popitem(last=False)

    # -- opening

    def direction_of(self, context: str) -> Direction:
        if context in self.config.inbound:
            return Direction.INBOUND
        if context in self.config.outbound:
            return Direction.OUTBOUND
        return Direction.INTERNAL  # agents' own calls; may turn outbound when they dial out

    def open_call(self, info: ChannelInfo, at: datetime) -> tuple[CallState, list[TrackerUpdate]]:
        """A new call whose first channel is ``info`` (add the leg with ``add_leg``)."""
        evicted = self._evict_oldest(at) if len(self.calls) >= self.max_live_calls else []
        context = creation_context(info.channel, info.context)
        call = Call(linkedid=info.linkedid, direction=self.direction_of(context), started_at=at)
        region = self.config.region
        if context in self.config.agents:  # an agent's own call: to a number is outbound
            call.caller = agent_of(info.channel)
            callee = party_number(info.exten, region)
            call.callee = "" if callee == call.caller else callee
            if call.callee.startswith("+"):
                call.direction = Direction.OUTBOUND
        else:
            call.caller = party_number(info.caller_id_num, region)
            call.callee = party_number(info.exten, region)
        state = CallState(call=call, first=info.uniqueid)
        self.calls[call.linkedid] = state
        note(state, at, "started", info.uniqueid, channel=info.channel, context=context)
        log.info("call %s started: %s %s -> %s", call.linkedid, call.direction, call.caller,
                 call.callee)  # fmt: skip
        return state, evicted

    def _evict_oldest(self, at: datetime) -> list[TrackerUpdate]:
        oldest = next(iter(self.calls.values()))
        log.warning("call %s: too many live calls, ending the oldest", oldest.linkedid)
        note(oldest, at, "evicted")
        return self.end_call(oldest, at)

    # -- legs

    def add_leg(
        self, state: CallState, info: ChannelInfo, at: datetime, *, dialed: bool
    ) -> list[TrackerUpdate]:
        uid = info.uniqueid
        context = creation_context(info.channel, info.context)
        local = local_half(info.channel)
        half = local.half if local is not None else 0
        role, agent = Role.PARTY, ""
        if context in self.config.agents:
            role, agent = (Role.HALF, "") if half == 2 else (Role.AGENT, agent_of(info.channel))
        partner = self._pair(state, local.base, uid, half) if local is not None else ""
        leg = Leg(uniqueid=uid, channel=info.channel, started_at=at, agent=agent)
        leg_state = LegState(leg=leg, role=role, dialed=dialed, partner=partner)
        state.call.legs[uid] = leg
        state.legs[uid] = leg_state
        state.live.add(uid)
        self.leg_calls[uid] = state.linkedid
        updates: list[TrackerUpdate] = []
        if context in self.config.outbound and uid != state.first:
            updates += self.dialing_out(state, info.exten, at)
        if role is Role.AGENT and dialed:
            updates += self.ring(state, leg_state, at)
        return updates

    @staticmethod
    def _pair(state: CallState, base: str, uid: str, half: int) -> str:
        """Link the two halves of a Local channel; the other half's uniqueid."""
        if half == 1:
            state.local_ones[base] = uid
            return ""
        one = state.local_ones.get(base, "")
        if one in state.legs:
            state.legs[one].partner = uid
        return one

    def make_agent(self, leg: LegState, interface: str) -> None:
        """A queue member's leg (AgentCalled/AgentConnect), whatever its context."""
        leg.role, leg.dialed = Role.AGENT, True
        leg.leg.agent = agent_of(interface) if interface else leg.leg.agent

    def dialing_out(self, state: CallState, number: str, at: datetime) -> list[TrackerUpdate]:
        """An agent's call reaches an outbound context: click-to-call is outbound."""
        call = state.call
        if call.direction is not Direction.INTERNAL or call.answered_at is not None:
            return []
        call.direction = Direction.OUTBOUND
        call.callee = party_number(number, self.config.region)
        log.debug("call %s: outbound to %s", call.linkedid, call.callee)
        return [CallUpdated(snapshot(call), "direction")]

    # -- ringing and answering

    def ring(self, state: CallState, leg: LegState, at: datetime) -> list[TrackerUpdate]:
        if leg.rang or leg.leg.answered_at is not None:
            return []
        leg.rang = True
        note(state, at, "ringing", leg.leg.uniqueid, agent=leg.leg.agent)
        copy = snapshot(state.call)
        return [CallRinging(copy, copy.legs[leg.leg.uniqueid], leg.leg.agent)]

    def _answers_call(self, state: CallState, leg: LegState) -> bool:
        if not leg.dialed or leg.role is Role.HALF:
            return False
        first = leg.leg.uniqueid == state.first
        direction = state.call.direction
        if direction is Direction.OUTBOUND:
            return leg.role is Role.PARTY or not first
        if direction is Direction.INBOUND:
            return leg.role is Role.AGENT
        return leg.role is Role.AGENT and not first

    def leg_up(self, state: CallState, leg: LegState, at: datetime) -> list[TrackerUpdate]:
        """The leg answered (Up, bridged or AgentConnect)."""
        if leg.leg.answered_at is not None:
            return []
        leg.leg.answered_at = at
        call, uid = state.call, leg.leg.uniqueid
        answers = call.answered_at is None and self._answers_call(state, leg)
        if answers:
            call.answered_at = at
        if leg.role is Role.AGENT and leg.dialed:
            agent = leg.leg.agent
            state.agent_answered_at = state.agent_answered_at or at
            if agent and agent not in call.agents:
                call.agents.append(agent)
            note(state, at, "answered", uid, agent=agent)
        elif answers:
            agent = ""
            note(state, at, "answered", uid, channel=leg.leg.channel)
        else:
            return []
        log.debug("call %s: %s answered by %s", call.linkedid, uid, agent or "the customer")
        copy = snapshot(call)
        return [CallAnswered(copy, copy.legs[uid], agent)]

    # -- hold

    def hold_on(self, state: CallState, leg: LegState, at: datetime) -> bool:
        if leg.hold_since is not None:
            return False
        leg.hold_since = at
        state.on_hold += 1
        if state.on_hold == 1:
            state.hold_since = at
        return True

    def hold_off(self, state: CallState, leg: LegState, at: datetime) -> bool:
        if leg.hold_since is None:
            return False
        leg.leg.hold_seconds += seconds(leg.hold_since, at)
        leg.hold_since = None
        state.on_hold -= 1
        if state.on_hold == 0 and state.hold_since is not None:
            state.call.hold_seconds += seconds(state.hold_since, at)
            state.hold_since = None
        return True

    # -- joining

    def merge(self, state: CallState, other: CallState, at: datetime) -> list[TrackerUpdate]:
        """``other``, a call made only to reach ``state`` (a phone picking a parked call up,
        06d: Asterisk gives its channel ``state``'s Linkedid once bridged), becomes part of
        it: its legs, an agent who answered among them, and its Linkedid, so that a late
        event of it finds ``state``. It is never recorded on its own (``CallMerged``)."""
        call = state.call
        answered: list[tuple[str, str]] = []  # (uniqueid, agent) of the agents now on it
        for uid, leg in other.legs.items():
            self.hold_off(other, leg, at)
            state.legs[uid], call.legs[uid] = leg, leg.leg
            self.leg_calls[uid] = state.linkedid
            if uid in other.live:
                state.live.add(uid)
            agent = leg.leg.agent
            if leg.role is Role.AGENT and leg.leg.answered_at is not None and agent:
                if agent not in call.agents:
                    call.agents.append(agent)
                note(state, at, "answered", uid, agent=agent)
                answered.append((uid, agent))
        state.local_ones |= other.local_ones
        state.rang |= other.rang
        state.causes += other.causes
        self.calls.pop(other.linkedid, None)
        self.recent[other.linkedid] = state.linkedid
        log.info("call %s: call %s joined it", state.linkedid, other.linkedid)
        joined = CallMerged(snapshot(other.call), state.linkedid)
        copy = snapshot(call)
        if not answered:
            return [joined, CallUpdated(copy, "legs")]
        # the agent's pop of their own call becomes this call's: the caller's card, talking
        return [
            joined,
            *(CallAnswered(copy, copy.legs[uid], agent, other.linkedid) for uid, agent in answered),
        ]

    # -- ending

    def leg_gone(
        self, state: CallState, leg: LegState, at: datetime, cause: int | None
    ) -> list[TrackerUpdate]:
        """The leg hung up (or vanished during a disconnect, ``cause`` None)."""
        uid = leg.leg.uniqueid
        state.live.discard(uid)
        self.hold_off(state, leg, at)
        leg.leg.ended_at, leg.leg.hangup_cause = at, cause
        answered = leg.leg.answered_at
        if answered is not None:
            leg.leg.talk_seconds = seconds(answered, at)
        if cause is not None:
            state.causes.append((cause, answered is not None))
        if leg.role is not Role.AGENT or not leg.dialed:
            return []
        agent = leg.leg.agent
        if answered is None:
            note(state, at, "ring_ended", uid, agent=agent, status=leg.dial_status)
        elif self._continues_without(state, uid):
            note(state, at, "agent_left", uid, agent=agent)
        copy = snapshot(state.call)
        return [AgentLeft(copy, copy.legs[uid], agent)]

    def _continues_without(self, state: CallState, uid: str) -> bool:
        """Someone other than this agent is still on the call: its own ;2 half does not
        count, nor a Local half whose other half has already hung up."""
        for other in state.live:
            partner = state.legs[other].partner
            if partner != uid and (not partner or partner in state.live):
                return True
        return False

    def end_call(self, state: CallState, at: datetime) -> list[TrackerUpdate]:
        """End the call; legs still up (lost, evicted) end with it, agents' ones reported."""
        updates: list[TrackerUpdate] = []
        for leg in state.legs.values():
            if leg.leg.ended_at is None:
                updates += self.leg_gone(state, leg, at, None)
        finalize(state, at)
        call = state.call
        cause = "" if call.hangup_cause is None else str(call.hangup_cause)
        note(state, at, "ended", outcome=str(call.outcome), cause=cause)
        self.calls.pop(call.linkedid, None)
        self._remember(state)
        log.info("call %s ended: %s, cause %s, talk %.1f s", call.linkedid, call.outcome,
                 call.hangup_cause, call.talk_seconds)  # fmt: skip
        return [*updates, CallEnded(snapshot(call))]

    def _remember(self, state: CallState) -> None:
        recent, linkedid = self.recent, state.linkedid
        for uid in state.legs:
            self.leg_calls.pop(uid, None)
            recent[uid] = linkedid
        recent[linkedid] = linkedid
        while len(recent) > RECENT_MAX:
            recent.popitem(last=False)
