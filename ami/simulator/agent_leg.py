"""An agent phone being rung: the ``Local/1XX@agents/n`` pair and its dialplan.

The agent's ``;2`` runs context ``agents`` (extensions.conf): NoOp, Set(MODE), three
GotoIf, then Ringing + Wait(ring) + Answer + Wait(talk) for ``answer``, Ringing +
Wait(120) for ``noanswer``, Busy(5) or Congestion(5). Event order follows transcripts
01 (answered via queue), 02 (ring no answer) and 04a (dialled by Dial()).
"""

from __future__ import annotations

from dataclasses import dataclass

from ami.simulator.call import Call
from ami.simulator.model import BUSY, RINGING, UP, Channel, LocalPair, Member, Queue
from ami.simulator.pbx import AgentBehaviour
from ami.simulator.render import channel_pairs

ANSWER, TIMEOUT, REJECTED = "answer", "timeout", "rejected"
_PRIORITY = {"answer": 6, "noanswer": 15, "busy": 11, "congestion": 13}


@dataclass(frozen=True, slots=True)
class QueueRing:
    """Set when the agent is rung by Queue() (AgentCalled etc. and the DID as exten)."""

    queue: Queue
    member: Member
    did: str


class AgentLeg:
    """One ring of one agent phone by ``caller`` (``;2`` of the caller's Local pair)."""

    def __init__(
        self,
        call: Call,
        extension: str,
        caller: Channel | None,
        via: QueueRing | None,
        pair: LocalPair | None = None,
    ) -> None:
        """``caller`` is None (and ``pair`` given) when the agent phone is originated."""
        self.call = call
        self.extension = extension
        self.caller = caller
        self.via = via
        self.behaviour: AgentBehaviour = call.agent_behaviour(extension)
        self.pair = pair or call.local_pair(extension, "agents")
        self.started = call.wall()
        self.interface = f"Local/{extension}@agents/n"

    @property
    def one(self) -> Channel:
        return self.pair.one

    @property
    def two(self) -> Channel:
        return self.pair.two

    def outcome(self, limit_s: float) -> tuple[str, float]:
        """What the phone will do within ``limit_s`` seconds, and after how long."""
        mode = self.behaviour.mode
        if mode in ("busy", "congestion"):
            return REJECTED, 0.0
        if mode == "answer" and self.behaviour.ring_s < limit_s:
            return ANSWER, self.behaviour.ring_s
        return TIMEOUT, limit_s

    def agent_event(self, name: str, *extra: tuple[str, str]) -> None:
        """AgentCalled / AgentConnect / AgentComplete / AgentRingNoAnswer (queue rings)."""
        assert self.via is not None and self.caller is not None
        pairs = [
            *channel_pairs(self.caller),
            *channel_pairs(self.one, "Dest"),
            ("Queue", self.via.queue.name),
            ("Interface", self.via.member.interface),
            ("MemberName", self.via.member.name),
            *extra,
        ]
        self.call.pbx.emit(name, pairs, "agent,all")

    def start(self) -> None:
        """Newchannel x2 ... DialBegin, then the agent dialplan up to ringing."""
        call, one, two = self.call, self.one, self.two
        assert self.caller is not None
        customer = (self.caller.caller_num, self.caller.caller_name)
        call.newchannel(one, two)
        call.newexten(one, 1, "AppQueue" if self.via else "AppDial", "(Outgoing Line)")
        call.newcallerid(one, *customer)
        if self.via is None:
            call.newconnectedline(one, *customer)
        peer = f"{self.extension}@agents/n"
        call.varset(one, ("__DYNAMIC_FEATURES", "crmhold"), ("DIALEDPEERNUMBER", peer))
        call.varset(two, ("DIALEDPEERNUMBER", peer), ("__DYNAMIC_FEATURES", "crmhold"))
        two.connected_num, two.connected_name = customer
        call.newcallerid(two, *customer)
        call.newconnectedline(two, *customer)
        call.local_bridge(self.pair, optimization=False)
        if self.via is not None:
            self._agent_called(customer)
        dial_string = self.interface if self.via else self.interface.removeprefix("Local/")
        call.dial_begin(self.caller, one, dial_string)
        self.ring()

    def _agent_called(self, customer: tuple[str, str]) -> None:
        """AgentCalled shows the agent leg as it will look once ringing."""
        assert self.via is not None
        one = self.one
        saved = (one.exten, one.connected_num, one.connected_name)
        one.exten, (one.connected_num, one.connected_name) = self.via.did, customer
        self.agent_event("AgentCalled")
        one.exten, one.connected_num, one.connected_name = saved

    def ring(self) -> None:
        """The agent dialplan on ``;2`` up to ringing (or Busy/Congestion)."""
        call, two, mode = self.call, self.two, self.behaviour.mode
        call.newexten(two, 1, "NoOp", f"Agent {self.extension} phone, mode {mode}")
        call.newexten(two, 2, "Set", f"MODE={mode}")
        call.varset(two, ("MODE", mode))
        for priority, label in ((3, "busy"), (4, "congestion"), (5, "noanswer")):
            call.newexten(two, priority, "GotoIf", f"{int(mode == label)}?{label}")
        priority = _PRIORITY.get(mode, 6)
        if mode in ("busy", "congestion"):
            call.newexten(two, priority, mode.capitalize(), "5")
            call.newstate(two, BUSY)
            return
        call.newexten(two, priority, "Ringing")
        self._ringing(priority + 1)

    def _ringing(self, wait_priority: int) -> None:
        call, one = self.call, self.one
        if self.via is not None and self.caller is not None:
            customer = (self.caller.caller_num, self.caller.caller_name)
            one.exten = self.via.did
            one.connected_num, one.connected_name = customer
            call.newstate(one, RINGING)
            call.newexten(one, 1, "AppQueue", "(Outgoing Line)")
            call.newconnectedline(one, *customer)
        else:
            call.newstate(one, RINGING)
        wait = "120" if self.behaviour.mode == "noanswer" else f"{self.behaviour.ring_s:g}"
        call.newexten(self.two, wait_priority, "Wait", wait)
        call.dial_state(self.caller, one, "RINGING")
        call.pbx.set_device_busy(self.pair.device, True)
        call.pbx.devstate(self.pair.device, "INUSE")

    def answer(self) -> None:
        call, one, two = self.call, self.one, self.two
        call.newexten(two, 8, "Answer")
        call.newstate(two, UP)
        call.pbx.devstate(self.pair.device, "INUSE")
        call.newstate(one, UP)
        call.dial_end(self.caller, one, "ANSWER")

    def talk_started(self) -> None:
        self.call.newexten(self.two, 9, "Wait", f"{self.behaviour.talk_s:g}")

    def no_answer(self) -> None:
        """The queue gives up on this member (transcript 02: RingTime in ms)."""
        call, one, two = self.call, self.one, self.two
        ring_ms = round((call.wall() - self.started) * 1000)
        rejected = self.behaviour.mode in ("busy", "congestion")
        if self.via is not None:
            self.agent_event("AgentRingNoAnswer", ("RingTime", str(ring_ms)))
        call.cdr(two, disposition="BUSY" if rejected else "FAILED")
        call.dial_end(self.caller, one, "BUSY" if rejected else "NOANSWER")
        call.dial_end(self.caller, one, "CANCEL")
        self.drop_after_cancel()
        self.hang_up_two(cause=0)

    def drop_after_cancel(self) -> None:
        """HangupRequest on ``;2`` and Hangup of ``;1`` once the caller stops ringing."""
        self.call.hangup_request(self.two, 0)
        self.call.hangup(self.one, 0)

    def hang_up_two(self, cause: int) -> None:
        call = self.call
        call.hangup_request(self.two, 16, soft=True)
        call.hangup(self.two, cause)
        call.pbx.devstate(self.pair.device, "NOT_INUSE")
        call.pbx.devstate(self.pair.device, "NOT_INUSE")
        call.pbx.set_device_busy(self.pair.device, False)
