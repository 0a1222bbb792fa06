"""Which call flow an Originate starts (the dialplan contexts of extensions.conf)."""

from __future__ import annotations

import logging

from ami.simulator.call import Call
from ami.simulator.customer import CustomerLeg
from ami.simulator.dialer import DialerCall
from ami.simulator.inbound import InboundCall
from ami.simulator.origination import (
    REASON_FAILED,
    OriginateRequest,
    originate_response,
    start_pair,
)
from ami.simulator.outbound import CampaignCall, ClickToCall
from ami.simulator.pbx import Pbx
from ami.simulator.spy import SPY_CONTEXT, SpyCall

log = logging.getLogger(__name__)


class InvalidOriginate(Call):
    """A Local channel to an extension that does not exist (transcript 04e)."""

    def __init__(self, pbx: Pbx, request: OriginateRequest, exten: str, context: str) -> None:
        super().__init__(pbx)
        self.request, self.exten, self.context = request, exten, context

    async def flow(self) -> None:
        pair = start_pair(self, self.request, self.exten, self.context)
        leg = CustomerLeg(self, pair, self.exten, caller=None)
        leg.invalid(lambda reason: originate_response(self, self.request, reason, pair))


class FailedOriginate(Call):
    """A channel the PBX cannot create (no such technology or endpoint)."""

    def __init__(self, pbx: Pbx, request: OriginateRequest) -> None:
        super().__init__(pbx)
        self.request = request

    async def flow(self) -> None:
        await self.wait(0.01)
        log.info("originate %s: cannot create %s", self.request.action_id, self.request.channel)
        originate_response(self, self.request, REASON_FAILED, None)


def call_for(pbx: Pbx, request: OriginateRequest) -> Call:
    """The flow for ``request``: inbound (from-pstn), campaign (customers), the CRM's
    dialer (dialer), click-to-call (agents), or a failure."""
    target = request.local_target()
    if target is None:
        return FailedOriginate(pbx, request)
    exten, context = target
    if context == "from-pstn" and exten in pbx.config.dids:
        return InboundCall(pbx, request, exten, pbx.config.dids[exten])
    if context == "customers":
        return CampaignCall(pbx, request, exten, context)
    if context == pbx.config.dialer_context:
        return DialerCall(pbx, request, exten, context)
    if context == "agents" and exten.isdigit() and exten.startswith("1") and len(exten) == 3:
        if request.context == SPY_CONTEXT:  # a supervisor listening in (08a-c)
            return SpyCall(pbx, request, exten, context)
        return ClickToCall(pbx, request, exten, context)
    return InvalidOriginate(pbx, request, exten, context)
