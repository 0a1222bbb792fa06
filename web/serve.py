"""``python -m callcenter serve``: the web app (leading the PBX listener when it may) on a
database made ready by the command line, until stopped.

SIGTERM (a service manager, ``docker stop``) and SIGINT (Ctrl+C) stop it the same way: one
line says so, open requests and sockets get ``SHUTDOWN_TIMEOUT_S``, every resource (the
listener, the scheduler, the simulator) closes in its ``cleanup_ctx``, the embedded
PostgreSQL stops, and a last line says it stopped and how long that took; never a
traceback, and well within the 10 s a service manager waits before it kills."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

from aiohttp import web

from callcenter.cli import prepare_serve
from callcenter.runtime import tune_gc
from callcenter.settings import Settings
from web.app import create_app

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
SHUTDOWN_TIMEOUT_S = 4.0  # for requests still open and live sockets, before they are cut


class _Stop:
    """Which signal stopped the app, and when."""

    def __init__(self) -> None:
        self.signal: str = ""
        self.at = 0.0

    def __call__(self, number: signal.Signals) -> None:
        if self.signal:  # a second signal while stopping: already on the way
            print(f"CallCenter CRM: {number.name} again, still stopping", flush=True)
            return
        self.signal, self.at = number.name, time.monotonic()
        print(f"CallCenter CRM: {number.name} received, stopping", flush=True)
        raise web.GracefulExit()

    def listen(self, loop: asyncio.AbstractEventLoop) -> None:
        for number in STOP_SIGNALS:
            loop.add_signal_handler(number, self, number)


def serve(settings: Settings) -> None:
    signal.signal(signal.SIGTERM, _interrupt)  # while the database starts: as Ctrl+C does
    try:
        settings, server = prepare_serve(settings)  # an embedded PostgreSQL runs while held
    except KeyboardInterrupt:  # its atexit stops an embedded PostgreSQL it had started
        print("CallCenter CRM: stopped while starting", flush=True)
        return
    stop = _Stop()
    loop = asyncio.new_event_loop()
    stop.listen(loop)  # from here on: a stop while the app starts also cleans up
    app = create_app(settings)
    app.on_startup.append(_tune_gc)  # after every resource has started
    print(f"CallCenter CRM on http://{settings.http_host}:{settings.http_port}", flush=True)
    try:
        web.run_app(
            app,
            loop=loop,
            host=settings.http_host,
            port=settings.http_port,
            print=None,
            access_log=None,
            handle_signals=False,  # ours, above: they say which signal stopped the app
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
    finally:
        for number in STOP_SIGNALS:  # a second signal now would cut the database's stop
            signal.signal(number, signal.SIG_IGN)
        if server is not None:
            server.cleanup()  # the embedded PostgreSQL: stopped now, not at interpreter exit
    took = time.monotonic() - stop.at if stop.signal else 0.0
    print(f"CallCenter CRM stopped ({stop.signal or 'exit'}) in {took:.1f} s", flush=True)


def _interrupt(_number: int, _frame: Any) -> None:
    raise KeyboardInterrupt


async def _tune_gc(_app: Any) -> None:
    tune_gc()
