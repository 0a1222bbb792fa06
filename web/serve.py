"""``python -m callcenter serve``: the web app (leading the PBX listener when it may) on a
database made ready by the command line, until stopped.

SIGTERM (a service manager, ``docker stop``) and SIGINT (Ctrl+C) stop it the same way: one
line says so, open requests and sockets get ``SHUTDOWN_TIMEOUT_S``, every resource (the
listener, the scheduler, the simulator) closes in its ``cleanup_ctx``, the embedded
PostgreSQL stops, and a last line says it stopped and how long that took; never a
traceback, and well within the 10 s a service manager waits before it kills."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from callcenter.cli import prepare_serve
from callcenter.runtime import new_event_loop, tune_gc
from callcenter.settings import Settings
from web.app import create_app
from web.workers import workers_ctx

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
SHUTDOWN_TIMEOUT_S = 4.0  # for requests still open and live sockets, before they are cut


class _Stop:
    """Which signal stopped the app, and when."""

    def __init__(self) -> None:
        self.signal: str = ""
        self.at = 0.0

    def __call__(self, number: signal.Signals) -> None:
        if self.signal:  # a second signal while stopping: already on the way
            _say(f"CallCenter CRM: {number.name} again, still stopping")
            return
        self.signal, self.at = number.name, time.monotonic()
        _say(f"CallCenter CRM: {number.name} received, stopping")
        raise web.GracefulExit()

    def listen(self, loop: asyncio.AbstractEventLoop) -> None:
        listen_for_stop(loop, self)


def listen_for_stop(loop: asyncio.AbstractEventLoop, handler: Callable[..., None]) -> None:
    """``loop`` handles the stop signals from now on (``handler(signal)``). Until it runs
    they are held by the kernel (blocked, then unblocked on its first turn): uvloop drops a
    signal that arrives before its loop runs, and a SIGTERM in that moment was never heard."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, handler, number)
    loop.call_soon(signal.pthread_sigmask, signal.SIG_UNBLOCK, STOP_SIGNALS)


def run_web(app: web.Application, loop: asyncio.AbstractEventLoop, settings: Settings) -> None:
    """Serve ``app`` on the settings' port until a stop signal; with several web processes
    every one of them listens on it (``SO_REUSEPORT``: the kernel shares the connections)."""
    web.run_app(
        app,
        loop=loop,
        host=settings.http_host,
        port=settings.http_port,
        print=None,
        access_log=None,
        reuse_port=settings.web_processes > 1,
        handle_signals=False,  # ours (``listen_for_stop``): they say which signal stopped it
        shutdown_timeout=SHUTDOWN_TIMEOUT_S,
    )


def serve(settings: Settings) -> None:
    signal.signal(signal.SIGTERM, _interrupt)  # while the database starts: as Ctrl+C does
    try:
        settings, server = prepare_serve(settings)  # an embedded PostgreSQL runs while held
    except KeyboardInterrupt:  # its atexit stops an embedded PostgreSQL it had started
        _say("CallCenter CRM: stopped while starting")
        return
    stop = _Stop()
    loop = new_event_loop()
    stop.listen(loop)  # from here on: a stop while the app starts also cleans up
    app = create_app(settings)
    app.cleanup_ctx.append(workers_ctx)  # the last started, the first stopped
    app.on_startup.append(tune_gc_on_startup)  # after every resource has started
    _say(f"CallCenter CRM on http://{settings.http_host}:{settings.http_port}")
    try:
        run_web(app, loop, settings)
    finally:
        for number in STOP_SIGNALS:  # a second signal now would cut the database's stop
            signal.signal(number, signal.SIG_IGN)
        if server is not None:
            server.cleanup()  # the embedded PostgreSQL: stopped now, not at interpreter exit
    took = time.monotonic() - stop.at if stop.signal else 0.0
    _say(f"CallCenter CRM stopped ({stop.signal or 'exit'}) in {took:.1f} s")


def _say(line: str) -> None:
    """One line to stdout; a stdout nobody reads any more (a closed pipe, a service manager
    gone) must never stop the app from stopping: a stop signal's handler that raised
    ``BrokenPipeError`` here left the app running, deaf to SIGTERM."""
    with contextlib.suppress(OSError):
        print(line, flush=True)


def _interrupt(_number: int, _frame: Any) -> None:
    raise KeyboardInterrupt


async def tune_gc_on_startup(_app: Any) -> None:
    """Once every resource has started (``app.on_startup``): ``callcenter.runtime.tune_gc``."""
    tune_gc()
