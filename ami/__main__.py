"""``python -m ami``: the PBX listener as a process of its own (no web server).

For installations that split the work: web processes run with ``CALLCENTER_PBX=off`` and serve
pages and pops (they hear calls through PostgreSQL NOTIFY), while this process leads the PBX
link (``CALLCENTER_PBX=ami``). Run it on two hosts and the second stands by. ``make run`` does
not need it: there the web process leads the link itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from functools import partial

from ami.dialer import DialerPlan
from ami.from_settings import ami_config, tracker_for
from ami.listener import PbxListener
from ami.outage import OUTAGE_GRACE_S
from ami.takeover import lead
from callcenter.cli import StartError, _runtime_dir, configure_logging, migrate, resolve_database
from callcenter.db import make_engine, make_sessionmaker
from callcenter.floor.dialplan import DialPlan
from callcenter.leadership import Leadership
from callcenter.runtime import new_event_loop, tune_gc
from callcenter.settings import Settings, SettingsError

log = logging.getLogger("ami")


def dial_plan(settings: Settings) -> DialPlan:
    return DialPlan(
        settings.agent_dial,
        settings.outbound_context,
        settings.dial_format,
        settings.outbound_caller_id,
    )


async def listen(settings: Settings) -> None:
    engine = make_engine(settings.database_url or "", pool_pre_ping=False, pool_size=5)
    leadership = Leadership(
        settings.database_url or "", "pbx:default", outage_grace_s=OUTAGE_GRACE_S
    )
    listener = PbxListener(
        ami_config(settings),
        make_sessionmaker(engine),
        tracker=tracker_for(settings),
        timezone=settings.default_timezone,
        dialer=DialerPlan(dial_plan(settings), settings.dialer_context, settings.default_timezone),
        fence=leadership.fence,
    )
    tune_gc()  # the collector's full passes stalled every pop at once (callcenter.runtime)
    try:
        await leadership.run(partial(lead, listener))
    finally:
        await engine.dispose()


def main() -> int:
    _runtime_dir()
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_level)
        if settings.pbx != "ami":
            raise StartError("python -m ami listens to a real PBX: set CALLCENTER_AMI_HOST")
        settings, _server = resolve_database(settings)
        migrate(settings)
    except (SettingsError, StartError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    log.info("listening to the PBX at %s:%s", settings.ami_host, settings.ami_port)
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=new_event_loop) as run:
        run.run(listen(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
