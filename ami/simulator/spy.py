"""A supervisor listening in (transcripts 08a-c): ``Originate Channel=Local/1XX@agents
Context=crm-spy Exten=listen|whisper|barge ChannelId=crm-spy-...`` with
``CRM_SPY_ON=<agent channel>``. The supervisor's phone rings and answers, ChanSpy starts
on the named channel (ChanSpyStart), and stops when that channel hangs up (option E) or
the supervisor's call is hung up (ChanSpyStop), then the supervisor's pair ends.
"""

from __future__ import annotations

from ami.simulator.agent_leg import ANSWER, AgentLeg
from ami.simulator.model import Channel, LocalPair
from ami.simulator.origination import (
    REASON_ANSWERED,
    REASON_NO_ANSWER,
    originate_response,
    start_pair,
)
from ami.simulator.outbound import OutboundCall, hang_up_pair
from ami.simulator.render import channel_pairs

SPY_CONTEXT = "crm-spy"
OPTIONS = {"listen": "qE", "whisper": "qwE", "barge": "qBE"}
POLL_S = 0.5  # how often ChanSpy's loop looks at the spied channel (call time)
LONGEST_S = 3600.0


class SpyCall(OutboundCall):
    async def flow(self) -> None:
        extension, context = self.target
        pair = start_pair(self, self.request, extension, context)
        self.local_bridge(pair, optimization=True)
        self.dial_begin(None, pair.one, f"{extension}@{context}")
        agent = AgentLeg(self, extension, None, via=None, pair=pair)
        agent.ring()
        kind, after = agent.outcome(self.request.timeout_s)
        if not await self.ring(after, pair) or kind != ANSWER:
            self.dial_end(None, pair.one, "NOANSWER")
            originate_response(self, self.request, REASON_NO_ANSWER, pair)
            agent.drop_after_cancel()
            agent.hang_up_two(cause=16)
            return
        agent.answer()
        originate_response(self, self.request, REASON_ANSWERED, pair)
        await self._spy(pair)

    async def _spy(self, pair: LocalPair) -> None:
        one, mode = pair.one, self.request.exten
        target = dict(self.request.variables).get("CRM_SPY_ON", "")
        one.context, one.exten = SPY_CONTEXT, mode
        self.newexten(one, 1, "ChanSpy", f"{target},{OPTIONS.get(mode, 'q')}")
        spyee = self._spyee(target)
        if spyee is not None:
            self.pbx.emit("ChanSpyStart", self._spy_pairs(one, spyee), "call,all")
        waited = 0.0
        while waited < LONGEST_S:
            if await self.wait_for_hangup(POLL_S, pair.channels) is not None:
                break
            waited += POLL_S
            if spyee is not None and not spyee.alive:
                break
        if spyee is not None:
            self.pbx.emit("ChanSpyStop", self._spy_pairs(one, spyee), "call,all")
        self.newexten(one, 2, "Hangup")
        hang_up_pair(self, pair)

    def _spyee(self, prefix: str) -> Channel | None:
        """The live channel ChanSpy picks: the first whose name starts with ``prefix``."""
        if not prefix:
            return None
        return next(
            (c for name, c in self.pbx.channels.items() if name.startswith(prefix) and c.alive),
            None,
        )

    @staticmethod
    def _spy_pairs(spyer: Channel, spyee: Channel) -> list[tuple[str, str]]:
        return [*channel_pairs(spyer, "Spyer"), *channel_pairs(spyee, "Spyee")]
