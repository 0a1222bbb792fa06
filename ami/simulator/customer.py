"""A customer phone (context ``customers``): 11-digit numbers, behaviour by last digit.

1 answers after 2 s ring, 2 is busy after 1 s, 3 rings forever, 4 is congestion after
1 s; any other number is not in the dialplan. Event orders follow 04a-04f.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ami.simulator.call import Call
from ami.simulator.model import BUSY, RINGING, UP, Channel, LocalPair

ANSWERS, IS_BUSY, NO_ANSWER, CONGESTION, INVALID = "answer", "busy", "noanswer", "congestion", ""
KINDS = {"1": ANSWERS, "2": IS_BUSY, "3": NO_ANSWER, "4": CONGESTION}
RING_BEFORE_ANSWER_S = 2.0
Failed = Callable[[int], None]  # emits the OriginateResponse with this reason (or nothing)


def customer_kind(number: str) -> str:
    return KINDS.get(number[-1], INVALID) if re.fullmatch(r"\d{11}", number) else INVALID


class CustomerLeg:
    """The customer's Local pair: ``one`` is dialled, ``two`` runs the customers context."""

    def __init__(self, call: Call, pair: LocalPair, number: str, caller: Channel | None):
        self.call = call
        self.pair = pair
        self.number = number
        self.caller = caller
        self.kind = customer_kind(number)

    def outcome(self, limit_s: float) -> tuple[str, float]:
        """(what happens, after how many seconds) if nobody interferes."""
        if self.kind == ANSWERS:
            if limit_s > RING_BEFORE_ANSWER_S:
                return ANSWERS, RING_BEFORE_ANSWER_S
            return NO_ANSWER, limit_s
        if self.kind in (IS_BUSY, CONGESTION):
            return self.kind, 1.0
        return NO_ANSWER, limit_s

    def ring(self) -> None:
        call, one, two = self.call, self.pair.one, self.pair.two
        text = {
            ANSWERS: "answers",
            IS_BUSY: "is busy",
            NO_ANSWER: "does not answer",
            CONGESTION: "congestion",
        }
        call.newexten(two, 1, "NoOp", f"Customer {self.number} {text[self.kind]}")
        if self.kind == CONGESTION:
            call.newexten(two, 2, "Progress")
            call.dial_state(self.caller, one, "PROGRESS")
            call.newexten(two, 3, "Wait", "1")
            return
        call.newexten(two, 2, "Ringing")
        call.newstate(one, RINGING)
        wait = {ANSWERS: "2", IS_BUSY: "1"}.get(self.kind, "120")
        call.newexten(two, 3, "Wait", wait)
        call.pbx.devstate(self.pair.device, "INUSE")
        call.dial_state(self.caller, one, "RINGING")

    def answer(self) -> None:
        call, one, two = self.call, self.pair.one, self.pair.two
        call.newexten(two, 4, "Answer")
        call.newstate(one, UP)
        call.newstate(two, UP)
        call.pbx.devstate(self.pair.device, "INUSE")
        call.pbx.devstate(self.pair.device, "INUSE")

    def talk_started(self) -> None:
        self.call.newexten(self.pair.two, 5, "Wait", f"{self.call.pbx.customer_talk_s():g}")

    def _not_in_use(self) -> None:
        for _ in range(2):
            self.call.pbx.devstate(self.pair.device, "NOT_INUSE")

    def busy(self, failed: Failed) -> None:
        """Transcript 04b."""
        call, one, two = self.call, self.pair.one, self.pair.two
        call.newexten(two, 4, "Busy", "5")
        call.newstate(two, BUSY)
        call.dial_end(self.caller, one, "BUSY")
        call.pbx.devstate(self.pair.device, "INUSE")
        call.hangup_request(two, 0)
        call.cdr(two, disposition="BUSY")
        call.hangup_request(two, 16, soft=True)
        call.cdr(one, disposition="BUSY")
        failed(5)
        call.hangup(one, 0)
        call.hangup(two, 17)
        self._not_in_use()

    def congestion(self, failed: Failed) -> None:
        """Transcript 04d."""
        call, one, two = self.call, self.pair.one, self.pair.two
        call.newexten(two, 4, "Congestion", "5")
        call.newstate(two, BUSY)
        call.dial_end(self.caller, one, "CONGESTION")
        call.pbx.devstate(self.pair.device, "INUSE")
        call.hangup_request(two, 0)
        call.hangup_request(two, 16, soft=True)
        call.cdr(two, disposition="CONGESTION")
        call.hangup(one, 0)
        call.hangup(two, 34)
        call.cdr(one, disposition="CONGESTION")
        failed(8)
        self._not_in_use()

    def no_answer(self, failed: Failed) -> None:
        """Transcript 04c: the Originate (or Dial) timeout ran out while ringing."""
        call, one, two = self.call, self.pair.one, self.pair.two
        if self.caller is not None:
            call.dial_end(self.caller, one, "NOANSWER")
        call.hangup_request(two, 19)
        call.cdr(one)
        failed(3)
        call.cdr(two)
        call.hangup(one, 19)
        call.hangup_request(two, 16, soft=True)
        call.hangup(two, 19)
        self._not_in_use()

    def cancel(self, failed: Failed) -> None:
        """Transcript 04f: the ringing channel was hung up over AMI."""
        call, one, two = self.call, self.pair.one, self.pair.two
        call.dial_end(self.caller, one, "NOANSWER")
        call.cdr(one)
        call.hangup_request(two, 16)
        call.hangup(one, 16)
        failed(0)
        call.hangup_request(two, 16, soft=True)
        call.hangup(two, 16)
        call.cdr(two)
        self._not_in_use()

    def invalid(self, failed: Failed) -> None:
        """Transcript 04e: no such extension, both halves go at once."""
        call, one, two = self.call, self.pair.one, self.pair.two
        two.application = one.application = ""
        call.hangup(two, 0)
        call.cdr(two, application=("", ""), disposition="FAILED")
        call.cdr(one, application=("AppDial2", "(Outgoing Line)"), disposition="FAILED")
        failed(0)
        call.pbx.devstate(self.pair.device, "INVALID")
        call.hangup(one, 0)
        call.pbx.devstate(self.pair.device, "INVALID")
