"""Outbound calls: a campaign call (04a-04g) and click-to-call (05).

Campaign: ``Originate Channel=Local/<number>@customers Context=campaign Exten=1XX``; once
the customer answers, ``;1`` runs ``Dial(Local/1XX@agents/n,20,tT)``.
Click-to-call: ``Originate Channel=Local/1XX@agents Context=outbound Exten=<number>``; once
the agent answers, ``;1`` runs ``Dial(Local/<number>@customers/n,30,tT)``.
"""

from __future__ import annotations

import logging

from ami.simulator.agent_leg import ANSWER, AgentLeg
from ami.simulator.call import Call
from ami.simulator.customer import (
    ANSWERS,
    CONGESTION,
    INVALID,
    IS_BUSY,
    CustomerLeg,
    Failed,
    customer_kind,
)
from ami.simulator.model import Bridge, Channel, LocalPair
from ami.simulator.origination import (
    REASON_ANSWERED,
    REASON_BUSY,
    REASON_CONGESTION,
    REASON_NO_ANSWER,
    OriginateRequest,
    originate_response,
    start_pair,
)
from ami.simulator.pbx import Pbx

log = logging.getLogger(__name__)

AGENT_DIAL_TIMEOUT_S, CUSTOMER_DIAL_TIMEOUT_S = 20, 30


class OutboundCall(Call):
    def __init__(self, pbx: Pbx, request: OriginateRequest, exten: str, context: str) -> None:
        super().__init__(pbx)
        self.request = request
        self.target = (exten, context)

    async def ring_the_user(self) -> tuple[LocalPair, AgentLeg] | None:
        """An Originate's first leg: the user's own phone rung (click-to-call, a
        supervisor's listen-in). Not answered, the Originate is answered as failed (busy,
        congestion or no answer, as the phone did) and the leg hung up: None."""
        extension, context = self.target
        pair = start_pair(self, self.request, extension, context)
        self.local_bridge(pair, optimization=True)
        self.dial_begin(None, pair.one, f"{extension}@{context}")
        agent = AgentLeg(self, extension, None, via=None, pair=pair)
        agent.ring()
        kind, after = agent.outcome(self.request.timeout_s)
        if not await self.ring(after, pair) or kind != ANSWER:
            reason = REASON_BUSY if agent.behaviour.mode == "busy" else REASON_NO_ANSWER
            reason = REASON_CONGESTION if agent.behaviour.mode == "congestion" else reason
            self.dial_end(None, pair.one, "NOANSWER")
            originate_response(self, self.request, reason, pair)
            agent.drop_after_cancel()
            agent.hang_up_two(cause=16)
            return None
        agent.answer()
        originate_response(self, self.request, REASON_ANSWERED, pair)
        return pair, agent

    def failed(self, pair: LocalPair) -> Failed:
        return lambda reason: originate_response(self, self.request, reason, pair)

    async def ring(self, seconds: float, pair: LocalPair) -> bool:
        """Let ``seconds`` pass while ``pair`` rings; False if it was hung up over AMI."""
        return await self.wait_for_pairs(seconds, {"pair": pair}) is None

    async def wait_for_pairs(self, seconds: float, pairs: dict[str, LocalPair]) -> str | None:
        """Wait; the key of the pair hung up over AMI meanwhile, or None."""
        channels = tuple(c for pair in pairs.values() for c in pair.channels)
        interrupt = await self.wait_for_hangup(seconds, channels)
        if interrupt is None:
            return None
        return next(k for k, pair in pairs.items() if interrupt.channel in pair.channels)

    async def customer_result(self, leg: CustomerLeg, limit_s: float, failed: Failed) -> bool:
        """Ring the customer; True if answered (else the failure sequence is done)."""
        leg.ring()
        kind, after = leg.outcome(limit_s)
        if not await self.ring(after, leg.pair):
            leg.cancel(failed)
            return False
        if kind == ANSWERS:
            leg.answer()
            return True
        {IS_BUSY: leg.busy, CONGESTION: leg.congestion}.get(kind, leg.no_answer)(failed)
        return False

    async def talk(self, ender_at: dict[str, float], pairs: dict[str, LocalPair]) -> str:
        """Both sides talk until the first one's time is up (or is hung up): its key."""
        first = min(ender_at, key=lambda key: ender_at[key])
        hung_up = await self.wait_for_pairs(ender_at[first] - self.vt, pairs)
        return hung_up or first


class CampaignCall(OutboundCall):
    async def flow(self) -> None:
        number, context = self.target
        pair = start_pair(self, self.request, number, context)
        leg = CustomerLeg(self, pair, number, caller=None)
        if leg.kind == INVALID:
            leg.invalid(self.failed(pair))
            return
        self.local_bridge(pair, optimization=True)
        self.dial_begin(None, pair.one, f"{number}@{context}")
        if not await self.customer_result(leg, self.request.timeout_s, self.failed(pair)):
            return
        originate_response(self, self.request, REASON_ANSWERED, pair)
        self.dial_end(None, pair.one, "ANSWER")
        leg.talk_started()
        customer_end = self.vt + self.pbx.customer_talk_s()
        await self._connect_agent(leg, customer_end)

    async def _connect_agent(self, leg: CustomerLeg, customer_end: float) -> None:
        one, exten = leg.pair.one, self.request.exten
        one.context, one.exten = self.request.context, exten
        self.newexten(one, 1, "NoOp", f"Campaign call answered by {one.caller_num}")
        self.newexten(one, 2, "Set", "__DYNAMIC_FEATURES=crmhold")
        self.varset(one, ("__DYNAMIC_FEATURES", "crmhold"))
        self.newexten(one, 3, "Dial", f"Local/{exten}@agents/n,{AGENT_DIAL_TIMEOUT_S},tT")
        if not (exten.isdigit() and exten.startswith("1")):
            log.info("campaign exten %s is not simulated: hanging up", exten)
            hang_up_pair(self, leg.pair)
            return
        agent = AgentLeg(self, exten, one, via=None)
        agent.start()
        kind, after = agent.outcome(min(AGENT_DIAL_TIMEOUT_S, customer_end - self.vt))
        if not await self.ring(after, agent.pair) or kind != ANSWER:
            self.dial_end(one, agent.one, "NOANSWER")
            agent.drop_after_cancel()
            agent.hang_up_two(cause=0)
            hang_up_pair(self, leg.pair)
            return
        agent.answer()
        self.pbx.devstate(agent.pair.device, "INUSE")
        bridge = self.bridge(agent.one, one)
        agent.talk_started()
        pairs = {"customer": leg.pair, "agent": agent.pair}
        ends = {"customer": customer_end, "agent": self.vt + agent.behaviour.talk_s}
        ender = await self.talk(ends, pairs)
        other = "agent" if ender == "customer" else "customer"
        end_two_pairs(self, bridge, pairs[ender], pairs[other])


class ClickToCall(OutboundCall):
    async def flow(self) -> None:
        rung = await self.ring_the_user()
        if rung is None:
            return
        pair, agent = rung
        self.pbx.devstate(pair.device, "INUSE")
        agent.talk_started()
        await self._dial_customer(agent)

    async def _dial_customer(self, agent: AgentLeg) -> None:
        one, number = agent.one, self.request.exten
        agent_end = self.vt + agent.behaviour.talk_s
        one.context, one.exten = self.request.context, number
        self.newexten(one, 1, "NoOp", f"Outbound call from agent {one.caller_num} to {number}")
        self.newexten(one, 2, "Set", "__DYNAMIC_FEATURES=crmhold")
        self.newexten(one, 3, "Dial", f"Local/{number}@customers/n,{CUSTOMER_DIAL_TIMEOUT_S},tT")
        if customer_kind(number) == INVALID:
            log.info("click-to-call %s: %s is not in the dialplan", self.linkedid, number)
            self._unroutable(one, number)
            self._end_after_failed_dial(agent.pair)
            return
        pair = self.local_pair(number, "customers")
        leg = CustomerLeg(self, pair, number, caller=one)
        announce_dialled_pair(self, pair, one, f"{number}@customers/n")
        if not await self.customer_result(leg, CUSTOMER_DIAL_TIMEOUT_S, lambda reason: None):
            hang_up_pair(self, agent.pair)
            return
        self.dial_end(one, pair.one, "ANSWER")
        bridge = self.bridge(pair.one, one)
        leg.talk_started()
        pairs = {"customer": pair, "agent": agent.pair}
        ends = {"customer": self.vt + self.pbx.customer_talk_s(), "agent": agent_end}
        ender = await self.talk(ends, pairs)
        other = "agent" if ender == "customer" else "customer"
        end_two_pairs(self, bridge, pairs[ender], pairs[other])

    def _unroutable(self, one: Channel, number: str) -> None:
        """Transcript 05b: Dial() creates the customer's pair, which cannot be called (no
        such extension): both halves go with cause 0 before any DialBegin; CHANUNAVAIL."""
        pair = self.local_pair(number, "customers")
        cid = (one.caller_num, one.caller_name)
        self.newchannel(*pair.channels)
        self.varset(pair.one, ("DIALEDPEERNUMBER", f"{number}@customers/n"))
        self.newexten(pair.one, 1, "AppDial", "(Outgoing Line)")
        for channel in pair.channels:
            self.newcallerid(channel, *cid)
            self.newconnectedline(channel, *cid)
        pair.two.application = pair.one.application = ""
        self.hangup(pair.two, 0)
        self.hangup(pair.one, 0)
        self.cdr(pair.two, application=("", ""), disposition="FAILED")
        for _ in range(2):
            self.pbx.devstate(pair.device, "INVALID")
        self.varset(one, ("DIALSTATUS", "CHANUNAVAIL"))
        self.newexten(one, 4, "NoOp", "DIALSTATUS=CHANUNAVAIL")
        self.newexten(one, 5, "Hangup")

    def _end_after_failed_dial(self, pair: LocalPair) -> None:
        """The agent's answered pair ends after its Dial failed (05b order)."""
        one, two = pair.channels
        self.hangup_request(one, 16, soft=True)
        self.hangup_request(two, 16)
        self.cdr(one)
        self.hangup_request(two, 16, soft=True)
        self.hangup(one, 16)
        self.cdr(two)
        self.pbx.devstate(pair.device, "NOT_INUSE")
        self.hangup(two, 16)
        self.pbx.devstate(pair.device, "NOT_INUSE")
        self.pbx.set_device_busy(pair.device, False)


def announce_dialled_pair(call: Call, pair: LocalPair, caller_one: Channel, dial: str) -> None:
    """Newchannel x2 ... LocalBridge, DialBegin of a pair created by Dial() (05 order)."""
    one, two = pair.channels
    cid = (caller_one.caller_num, caller_one.caller_name)
    call.newchannel(one, two)
    call.newcallerid(one, *cid)
    call.newconnectedline(one, *cid)
    two.connected_num, two.connected_name = cid
    call.newcallerid(two, *cid)
    call.newconnectedline(two, *cid)
    call.local_bridge(pair, optimization=False)
    call.dial_begin(caller_one, one, dial)


def hang_up_pair(call: Call, pair: LocalPair, cause: int = 16) -> None:
    """A Local pair that is in no bridge ends (its dialplan ran to Hangup())."""
    one, two = pair.channels
    call.hangup_request(two, cause, soft=True)
    call.hangup_request(one, cause)
    call.cdr(two)
    call.hangup(two, cause)
    call.hangup(one, cause)
    call.cdr(one)
    for _ in range(2):
        call.pbx.devstate(pair.device, "NOT_INUSE")
    call.pbx.set_device_busy(pair.device, False)


def end_two_pairs(call: Call, bridge: Bridge, ender: LocalPair, other: LocalPair) -> None:
    """Two bridged pairs end, ``ender`` first (transcript 05 order)."""
    call.cdr(ender.two)
    call.hangup_request(ender.two, 16, soft=True)
    call.hangup_request(ender.one, 16)
    call.hangup(ender.two, 16)
    call.pbx.devstate(ender.device, "NOT_INUSE")
    call.bridge_leave(bridge, ender.one)
    call.hangup(ender.one, 16)
    call.bridge_leave(bridge, other.one)
    call.bridge_destroy(bridge)
    call.cdr(other.one)
    call.hangup_request(other.one, 16, soft=True)
    call.hangup_request(other.two, 16)
    call.hangup(other.one, 16)
    call.cdr(other.two)
    call.pbx.devstate(ender.device, "NOT_INUSE")
    call.pbx.devstate(other.device, "NOT_INUSE")
    call.hangup_request(other.two, 16, soft=True)
    call.hangup(other.two, 16)
    call.pbx.devstate(other.device, "NOT_INUSE")
    for pair in (ender, other):
        call.pbx.set_device_busy(pair.device, False)
