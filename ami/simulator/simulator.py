"""``PbxSimulator``: the simulated Asterisk 22 over real TCP, and its scenario drivers."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
from collections.abc import Iterable
from typing import Any

from ami.protocol import Message
from ami.simulator import actions
from ami.simulator.call import HANGUP, HOLD, TRANSFER, Call, Interrupt
from ami.simulator.config import SimulatorConfig
from ami.simulator.flows import call_for
from ami.simulator.inbound import InboundCall
from ami.simulator.origination import OriginateRequest, parse_caller_id
from ami.simulator.pbx import Pbx
from ami.simulator.server import AmiServer, AmiSession
from ami.simulator.traffic import TrafficConfig, TrafficGenerator

log = logging.getLogger(__name__)


class PbxSimulator:
    """An AMI server that behaves like the captured Asterisk 22 call center.

    >>> sim = PbxSimulator(speed=0.01)          # doctest: +SKIP
    >>> port = await sim.start()                 # doctest: +SKIP
    >>> linkedid = await sim.inbound_call()      # doctest: +SKIP
    >>> await sim.stop()                         # doctest: +SKIP

    The scenario methods behave as if another AMI client had sent the Originate used in
    the capture (so an OriginateResponse with an ``sim-N`` ActionID is part of the call).
    """

    def __init__(self, config: SimulatorConfig | None = None, **overrides: Any) -> None:
        config = config or SimulatorConfig()
        self.config = dataclasses.replace(config, **overrides) if overrides else config
        self.server = AmiServer(self._handle, max_buffer=self.config.max_client_buffer)
        self.pbx = Pbx(self.config, self.server.broadcast)
        self.port = 0
        self._action_ids = itertools.count(1)
        self._traffic: asyncio.Task[None] | None = None

    async def _handle(self, session: AmiSession, message: Message) -> bool:
        return await actions.handle(self.pbx, session, message)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen for AMI clients; returns the port (pick a free one with ``port=0``)."""
        self.port = await self.server.start(host, port)
        log.info("AMI simulator listening on %s:%d", host, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop traffic, drop every call (without events) and close every client."""
        await self.stop_traffic()
        await self.pbx.cancel_tasks()
        await self.server.stop()

    # -- scenario drivers -----------------------------------------------------------------

    def _action_id(self, action_id: str | None) -> str:
        return action_id or f"sim-{next(self._action_ids)}"

    async def inbound_call(
        self,
        caller: str = "+79161234567",
        did: str = "74951234567",
        *,
        name: str = "Ivan Petrov",
        patience_s: float = 30,
        agent_answers: bool | None = None,
        ring_s: float | None = None,
        talk_s: float | None = None,
        caller_talk_s: float | None = None,
        action_id: str | None = None,
    ) -> str:
        """A PSTN caller dials ``did`` (01/02/03); returns the call's linkedid.

        ``patience_s``: the caller hangs up this long after the call is answered (it is
        ``Wait(<patience>)``), abandoning if still queued. ``agent_answers``/``ring_s``/
        ``talk_s`` override the agents' dialplan behaviour for this call only;
        ``caller_talk_s`` makes the caller hang up that long after being connected.
        """
        request = OriginateRequest(
            channel=f"Local/{did}@from-pstn",
            action_id=self._action_id(action_id),
            application="Wait",
            data=f"{patience_s:g}",
            caller_num=caller,
            caller_name=name,
        )
        call = call_for(self.pbx, request)
        overrides: dict[str, Any] = {"ring_s": ring_s, "talk_s": talk_s}
        if agent_answers is not None:
            overrides["mode"] = "answer" if agent_answers else "noanswer"
        call.agent_overrides = {key: value for key, value in overrides.items() if value is not None}
        if isinstance(call, InboundCall):
            call.caller_talk_s = caller_talk_s
        return await self._run(call)

    async def outbound_call(
        self,
        number: str,
        agent: str = "101",
        *,
        caller_id: str = '"ACME Sales" <74951234567>',
        timeout_s: float = 20,
        variables: Iterable[tuple[str, str]] = (),
        channel_id: str = "",
        action_id: str | None = None,
    ) -> str:
        """A campaign call (04a-04g): the customer is dialled, then agent ``agent``.
        The last digit of the 11-digit ``number`` decides: 1 answers, 2 busy, 3 no
        answer, 4 congestion, anything else is not in the dialplan."""
        number_part, name = parse_caller_id(caller_id)
        request = OriginateRequest(
            channel=f"Local/{number}@customers",
            action_id=self._action_id(action_id),
            context="campaign",
            exten=agent,
            caller_num=number_part,
            caller_name=name,
            timeout_s=timeout_s,
            variables=tuple(variables),
            channel_id=channel_id,
        )
        return await self._run(call_for(self.pbx, request))

    async def click_to_call(
        self, agent: str, number: str, *, timeout_s: float = 30, action_id: str | None = None
    ) -> str:
        """Click-to-call (05): the agent's phone rings first, then ``number`` is dialled."""
        request = OriginateRequest(
            channel=f"Local/{agent}@agents",
            action_id=self._action_id(action_id),
            context="outbound",
            exten=number,
            caller_num=number,
            caller_name=f"Call to {number}",
            timeout_s=timeout_s,
        )
        return await self._run(call_for(self.pbx, request))

    async def _run(self, call: Call) -> str:
        self.pbx.start_call(call)
        return await call.started()

    def hangup(self, channel: str, cause: int = 16) -> bool:
        """Hang up a channel as the AMI Hangup action would; False if there is none."""
        return self._interrupt(channel, HANGUP, cause=cause)

    def blind_transfer(self, channel: str, context: str, exten: str) -> bool:
        """Blind-transfer a bridged agent leg (06a)."""
        return self._interrupt(channel, TRANSFER, context=context, exten=exten)

    def hold(self, channel: str, seconds: float = 4) -> bool:
        """Put the bridged agent leg on hold for ``seconds`` (06c)."""
        return self._interrupt(channel, HOLD, seconds=seconds)

    def _interrupt(self, name: str, kind: str, **values: Any) -> bool:
        channel = self.pbx.channels.get(name)
        if channel is None or channel.owner is None:
            return False
        channel.owner.interrupt(Interrupt(kind, channel, **values))
        return True

    def set_agent(
        self,
        extension: str,
        *,
        mode: str | None = None,
        ring_s: float | None = None,
        talk_s: float | None = None,
    ) -> None:
        """Change an agent phone's behaviour (the AGENTxxx_* dialplan globals)."""
        values = {"RING": ring_s, "TALK": talk_s}
        if mode is not None:
            self.pbx.globals[f"AGENT{extension}_MODE"] = mode
        for key, seconds in values.items():
            if seconds is not None:
                self.pbx.globals[f"AGENT{extension}_{key}"] = f"{seconds:g}"

    async def wait_idle(self, within_s: float = 10) -> None:
        """Wait until no call is in progress (raises TimeoutError after ``within_s``)."""
        async with asyncio.timeout(within_s):
            await self.pbx.idle.wait()

    # -- traffic --------------------------------------------------------------------------

    def start_traffic(self, traffic: TrafficConfig | None = None) -> None:
        """Start random inbound calls (see ``TrafficConfig``) until ``stop_traffic``."""
        if self._traffic is None:
            generator = TrafficGenerator(self, traffic or TrafficConfig())
            self._traffic = asyncio.get_running_loop().create_task(generator.run(), name="traffic")

    async def stop_traffic(self) -> None:
        if self._traffic is not None:
            self._traffic.cancel()
            await asyncio.gather(self._traffic, return_exceptions=True)
            self._traffic = None
