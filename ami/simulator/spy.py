"""A supervisor listening in (transcripts 08a-c): ``Originate Channel=Local/1XX@agents
Context=crm-spy Exten=listen|whisper|barge ChannelId=crm-spy-...`` with
``CRM_SPY_ON=<agent channel>``. The supervisor's phone rings and answers, ChanSpy starts
on the named channel (ChanSpyStart), and stops when that channel hangs up (option E) or
the supervisor's call is hung up (ChanSpyStop), then the supervisor's pair ends.
"""

from __future__ import annotations

from ami.simulator.model import Channel, LocalPair
from ami.simulator.outbound import OutboundCall, hang_up_pair
from ami.simulator.render import channel_pairs

SPY_CONTEXT = "crm-spy"
OPTIONS = {"listen": "qE", "whisper": "qwE", "barge": "qBE"}
POLL_S = 0.5  # how often ChanSpy's loop looks at the spied channel (call time)
LONGEST_S = 3600.0


class SpyCall(OutboundCall):
    async def flow(self) -> None:
        rung = await self.ring_the_user()  # the supervisor's phone first
        if rung is not None:
            await self._spy(rung[0])

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
