"""The web app's one typed gateway to the PBX: the listener it leads, and its status.

With ``CALLCENTER_PBX=simulator`` (no AMI host configured) the built-in simulator is started
on a local TCP port and the listener connects to it like to any Asterisk: a peer on the wire.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiohttp import web

from ami.dialer import DialerPlan
from ami.from_settings import ami_config, tracker_for
from ami.link import PbxConfig
from ami.listener import PbxListener
from ami.outage import OUTAGE_GRACE_S
from ami.simulator import PbxSimulator
from ami.simulator.config import demo_config
from ami.simulator.traffic import TrafficConfig
from ami.takeover import lead
from callcenter.calls.status import read_status
from callcenter.demo import CAMPAIGN_EXTENSION, CAMPAIGN_QUEUE, SIMULATOR_PBX, demo_numbers
from callcenter.floor.dialplan import DialPlan
from callcenter.leadership import Leadership
from callcenter.settings import Settings
from web.keys import HOT_SESSIONMAKER, PBX, SESSIONMAKER, SETTINGS


def dial_plan(settings: Settings) -> DialPlan:
    """How agents and numbers are dialed; the built-in simulator has Local agents and an
    outbound context that takes national numbers, like the recorded Asterisk."""
    if settings.pbx == "simulator":
        return DialPlan(
            "Local/{extension}@agents",
            "outbound",
            "national",
            settings.outbound_caller_id,
            pbx=SIMULATOR_PBX,
        )
    return DialPlan(
        settings.agent_dial,
        settings.outbound_context,
        settings.dial_format,
        settings.outbound_caller_id,
    )


@dataclass
class PbxGateway:
    mode: str
    plan: DialPlan = field(default_factory=DialPlan)
    listener: PbxListener | None = None
    leadership: Leadership | None = None
    simulator_port: int | None = None

    @property
    def connected(self) -> bool | None:
        """Whether this process's link is up (None: another process leads, or no PBX)."""
        if self.listener is None or self.leadership is None or not self.leadership.leading:
            return None
        return self.listener.link.connected

    async def status(self, sessionmaker: Any) -> dict[str, Any]:
        """This process's own link when it leads; else the leader's heartbeat, if any."""
        if self.listener is None or self.leadership is None or not self.leadership.leading:
            async with sessionmaker() as session:
                beat = await read_status(
                    session, self.listener.pbx if self.listener else self.plan.pbx
                )
            if beat is None:
                return {"mode": self.mode, "state": self._unheard()}
            return {"mode": self.mode, **beat}
        return self.local_status()

    def _unheard(self) -> str:
        """No heartbeat: no PBX at all, this process standing by, or (a web worker, which
        never leads) no listener anywhere."""
        if self.listener is not None:
            return "standby"
        return "off" if self.mode == "off" else "no leader"

    def local_status(self) -> dict[str, Any]:
        assert self.listener is not None and self.leadership is not None
        link = self.listener.link
        leading = self.leadership.leading
        last = link.last_event_at
        return {
            "mode": self.mode,
            "name": self.listener.pbx,
            "role": "leader" if leading else "standby",
            "state": _state(self.listener) if leading else "standby",
            "last_event_age_seconds": round(time.time() - last, 3) if last else None,
            "backlog": self.listener.backlog,
            "events_handled": self.listener.handled,
            "reconnects": link.reconnects,
            "malformed_messages": link.malformed,
            "events_skipped_as_bad": self.listener.bad_items,
            "task_restarts": dict(self.listener.restarts),
            "database_outage": _outage(self.listener),
        }


def _outage(listener: PbxListener) -> dict[str, Any] | None:
    """While the database is away: since when, and how many calls wait to be stored."""
    outage = listener.outage
    if outage.since is None:
        return None
    return {"seconds": round(time.time() - outage.since, 1), "calls_waiting": outage.waiting}


def _state(listener: PbxListener) -> str:
    """The link's state, or ``stalled`` when the consumer has stopped taking events."""
    return listener.link.state.value if listener.alive else "stalled"


async def _start_simulator(app: web.Application) -> tuple[PbxSimulator, PbxConfig]:
    settings = app[SETTINGS]
    simulator = PbxSimulator(demo_config(CAMPAIGN_QUEUE, CAMPAIGN_EXTENSION))
    port = await simulator.start("127.0.0.1", 0)
    async with app[SESSIONMAKER]() as session:
        known = tuple(await demo_numbers(session))
    simulator.start_traffic(
        TrafficConfig(calls_per_minute=settings.simulator_calls_per_minute, known_callers=known)
    )
    config = PbxConfig(
        name=SIMULATOR_PBX,
        host="127.0.0.1",
        port=port,
        username=simulator.config.username,
        secret=simulator.config.secret,
    )
    return simulator, config


async def pbx_gateway_ctx(app: web.Application) -> AsyncIterator[None]:
    """A web worker's gateway: commands go through the database to the first process's
    listener (as from any process), and the PBX's state is read from its heartbeat."""
    settings = app[SETTINGS]
    app[PBX] = PbxGateway(mode=settings.pbx, plan=dial_plan(settings))
    yield


async def pbx_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if settings.pbx == "off":
        app[PBX] = PbxGateway(mode="off", plan=dial_plan(settings))
        yield
        return
    simulator = None
    if settings.pbx == "simulator":
        simulator, config = await _start_simulator(app)
    else:
        config = ami_config(settings)
    leadership = Leadership(
        settings.database_url or "", f"pbx:{config.name}", outage_grace_s=OUTAGE_GRACE_S
    )
    listener = PbxListener(
        config,
        app[HOT_SESSIONMAKER],
        tracker=tracker_for(settings),
        timezone=settings.default_timezone,
        dialer=DialerPlan(dial_plan(settings), settings.dialer_context, settings.default_timezone),
        fence=leadership.fence,
    )
    app[PBX] = PbxGateway(
        mode=settings.pbx,
        plan=dial_plan(settings),
        listener=listener,
        leadership=leadership,
        simulator_port=config.port if simulator else None,
    )
    task = asyncio.create_task(leadership.run(partial(lead, listener)), name="pbx-leadership")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    if simulator is not None:
        await simulator.stop()
