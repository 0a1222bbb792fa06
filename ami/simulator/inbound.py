"""Inbound PSTN call (transcripts 01, 02, 03): ``Local/<DID>@from-pstn`` into a queue.

As in the capture, the call is an Originate of ``Local/<DID>@from-pstn`` with
``Application=Wait Data=<patience>``: ``;1`` is the caller (it hangs up when Wait ends),
``;2`` runs from-pstn: Ringing, Wait(1), Answer, Playback(welcome), Queue(<queue>,tT).
"""

from __future__ import annotations

import logging

from ami.simulator.call import HANGUP, Call
from ami.simulator.model import RINGING, UP, LocalPair
from ami.simulator.origination import (
    REASON_ANSWERED,
    REASON_FAILED,
    OriginateRequest,
    originate_response,
    start_pair,
)
from ami.simulator.pbx import Pbx
from ami.simulator.queue_visit import QueueVisit

log = logging.getLogger(__name__)

QUEUE_APP_DATA = "{queue},tT,,,120"


class InboundCall(Call):
    """One caller dialling a DID that goes to a queue."""

    def __init__(self, pbx: Pbx, request: OriginateRequest, did: str, queue: str) -> None:
        super().__init__(pbx)
        self.request = request
        self.did = did
        self.queue_name = queue
        self.caller_talk_s: float | None = None  # the caller hangs up this long after connect
        try:
            self.patience_s: float | None = float(request.data) if request.data else None
        except ValueError:
            self.patience_s = None

    async def flow(self) -> None:
        pair = start_pair(self, self.request, self.did, "from-pstn")
        self.local_bridge(pair, optimization=True)
        self._dialplan_start(pair)
        interrupt = await self.wait(1)
        if interrupt is not None and interrupt.kind == HANGUP:
            self._hang_up_early(pair)
            return
        self._answer(pair)
        deadline = self.vt + self.patience_s if self.patience_s is not None else None
        await self.wait(0.5)
        self.newexten(pair.two, 8, "Playback", "custom/welcome")
        await self.wait(self.pbx.config.welcome_s)
        self.varset(pair.two, ("PLAYBACKSTATUS", "SUCCESS"))
        queue = self.pbx.queues.get(self.queue_name)
        if queue is None:
            log.warning("inbound call %s: no queue %s", self.linkedid, self.queue_name)
            self._hang_up_early(pair)
            return
        self.newexten(pair.two, 9, "Queue", QUEUE_APP_DATA.format(queue=queue.name))
        empty = ("ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS")
        self.varset(pair.two, *((name, "") for name in (*empty, "QUEUEWAIT", "QUEUEWAIT_MS")))
        await QueueVisit(self, queue, pair, deadline).run()

    def _dialplan_start(self, pair: LocalPair) -> None:
        caller, leg = pair.channels
        cid = f'"{leg.caller_name}" <{leg.caller_num}>'
        self.newexten(leg, 1, "NoOp", f"Inbound call from {cid} to DID {self.did}")
        self.newexten(leg, 2, "Set", f"TARGETQ={self.queue_name}")
        self.varset(leg, ("TARGETQ", self.queue_name))
        self.newexten(leg, 3, "Set", f"__CRM_DID={self.did}")
        self.varset(leg, ("__CRM_DID", self.did))
        self.newexten(leg, 4, "Set", "__DYNAMIC_FEATURES=crmhold")
        self.varset(leg, ("__DYNAMIC_FEATURES", "crmhold"))
        self.newexten(leg, 5, "Ringing")
        self.dial_begin(None, caller, f"{self.did}@from-pstn")
        self.newstate(caller, RINGING)
        self.pbx.devstate(pair.device, "INUSE")
        self.dial_state(None, caller, "RINGING")
        self.newexten(leg, 6, "Wait", "1")

    def _answer(self, pair: LocalPair) -> None:
        caller, leg = pair.channels
        self.newexten(leg, 7, "Answer")
        self.newstate(caller, UP)
        self.newstate(leg, UP)
        self.pbx.devstate(pair.device, "INUSE")
        self.dial_end(None, caller, "ANSWER")
        self.pbx.devstate(pair.device, "INUSE")
        originate_response(self, self.request, REASON_ANSWERED, pair)
        caller.application, caller.app_data = self.request.application, self.request.data

    def _hang_up_early(self, pair: LocalPair) -> None:
        """The caller gave up before the queue (or there was no queue)."""
        caller, leg = pair.channels
        if caller.state != UP:
            self.dial_end(None, caller, "CANCEL")
        self.hangup_request(leg, 16)
        self.cdr(caller)
        self.cdr(leg)
        if caller.state != UP:
            originate_response(self, self.request, REASON_FAILED, pair)
        self.hangup(caller, 16)
        self.hangup_request(leg, 16, soft=True)
        self.hangup(leg, 16)
        self.pbx.devstate(pair.device, "NOT_INUSE")
        self.pbx.devstate(pair.device, "NOT_INUSE")
