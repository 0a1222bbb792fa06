"""A campaign call placed by the CRM's dialer into the ``dialer`` context (extensions.conf).

``Originate Channel=Local/<number>@dialer Context=dialer Exten=<queue or agent>``: the
``;2`` half dials the customer; once the customer answers, ``;1`` (the call's first
channel, with the CRM_* variables) runs the dialer context: with answering-machine
detection a machine is hung up (``AMDSTATUS=MACHINE``), a person goes into the campaign's
queue (QueueCallerJoin ... AgentConnect, as an inbound caller would) or straight to an agent.

What the customer does: with ``SimulatorConfig.dialer_mix`` empty, the number's last digit
(1 answers, 2 busy, 3 no answer, 4 congestion, 5 answering machine, other digits are not
in the dialplan); with a mix, drawn at random with its weights (answer, busy, no_answer,
congestion, machine, failed). A customer who picked up waits ``dialer_patience_s`` in the
queue, then hangs up; once with an agent, talks ``CUSTOMER_TALK`` seconds.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

from ami.simulator.customer import (
    ANSWERS,
    CONGESTION,
    INVALID,
    IS_BUSY,
    NO_ANSWER,
    CustomerLeg,
    customer_kind,
)
from ami.simulator.model import LocalPair
from ami.simulator.origination import REASON_ANSWERED, originate_response, start_pair
from ami.simulator.outbound import CampaignCall, hang_up_pair
from ami.simulator.pbx import AgentBehaviour
from ami.simulator.queue_visit import QueueVisit

MACHINE = "machine"
AUTO_ANSWER_S = 0.5  # an auto-answering phone: the headset clicks on
_BY_NAME = {
    "answer": ANSWERS,
    "busy": IS_BUSY,
    "no_answer": NO_ANSWER,
    "congestion": CONGESTION,
    "machine": MACHINE,
    "failed": INVALID,
}


class DialerVisit(QueueVisit):
    """The answered customer in the campaign's queue: patience while waiting only."""

    talking = False

    @property  # type: ignore[override]
    def deadline(self) -> float:
        return math.inf if self.talking else self._patience_at

    @deadline.setter
    def deadline(self, value: float) -> None:
        self._patience_at = value

    def leave(self) -> None:
        self.talking = True  # connected (or gone): patience no longer ends the call
        super().leave()


class DialerCall(CampaignCall):
    """Subclasses the campaign call of 04a: the customer leg and the agent dial are alike."""

    did = ""
    caller_talk_s: float | None = None

    def agent_behaviour(self, extension: str) -> AgentBehaviour:
        """Campaign calls reach agents with auto-answer (asterisk-config's [agents] sends
        answer-after=0 when the call carries CRM_ATTEMPT): the phone picks up at once, since
        the customer is already on the line. A test's own ring time still wins."""
        behaviour = super().agent_behaviour(extension)
        if "ring_s" in self.agent_overrides:
            return behaviour
        return replace(behaviour, ring_s=min(behaviour.ring_s, AUTO_ANSWER_S))

    def customer_kind(self, number: str) -> str:
        mix = self.pbx.config.dialer_mix
        if not mix:
            return MACHINE if number[-1:] == "5" and len(number) == 11 else customer_kind(number)
        names = [name for name, _ in mix]
        picked = random.choices(names, weights=[weight for _, weight in mix])[0]  # noqa: S311
        return _BY_NAME.get(picked, INVALID)

    async def flow(self) -> None:
        number, context = self.target
        pair = start_pair(self, self.request, number, context)
        kind = self.customer_kind(number.lstrip("+"))
        leg = CustomerLeg(self, pair, number, caller=None)
        leg.kind = ANSWERS if kind == MACHINE else kind
        if leg.kind == INVALID:
            leg.invalid(self.failed(pair))
            return
        self.local_bridge(pair, optimization=True)
        self.dial_begin(None, pair.one, f"{number}@{context}")
        if not await self.customer_result(leg, self.request.timeout_s, self.failed(pair)):
            return
        originate_response(self, self.request, REASON_ANSWERED, pair)
        self.dial_end(None, pair.one, "ANSWER")
        self._answered(pair)
        if kind == MACHINE:
            self._machine(pair)
            return
        queue = self.pbx.queues.get(self.request.exten)
        if queue is None:
            leg.talk_started()
            await self._connect_agent(leg, self.vt + self.pbx.customer_talk_s())
            return
        self.did, self.caller_talk_s = number, self.pbx.customer_talk_s()
        self.newexten(pair.one, 8, "Queue", f"{queue.name},t,,,30")
        swapped = LocalPair(one=pair.two, two=pair.one, device=pair.device)
        await DialerVisit(self, queue, swapped, self.vt + self.pbx.config.dialer_patience_s).run()

    def _answered(self, pair: LocalPair) -> None:
        """The dialer context's first steps on ``;1`` (Gosub answered)."""
        one = pair.one
        one.context, one.exten = self.request.context, self.request.exten
        self.newexten(one, 1, "Gosub", f"dialer,answered,1({self.request.exten})")
        inherited = [(f"__{name}", value) for name, value in self.request.variables]
        if inherited:
            self.varset(one, *inherited)

    def _machine(self, pair: LocalPair) -> None:
        one = pair.one
        self.newexten(one, 3, "AMD")
        self.varset(one, ("AMDSTATUS", "MACHINE"), ("AMDCAUSE", "LONGGREETING-1600-1500"))
        self.newexten(one, 4, "Hangup")
        hang_up_pair(self, pair)
