"""More web processes on the app's port: ``CALLCENTER_WEB_PROCESSES`` above 1.

One Python process answers as much as one core lets it (about 10,000 tracking hits a second
here); a busy installation's pages, API, tracking hits and live sockets can use more. ``serve``
then starts ``CALLCENTER_WEB_PROCESSES - 1`` workers (``python -m web.worker``) beside itself,
every one listening on the same port with ``SO_REUSEPORT``, so the kernel shares the incoming
connections among them. Nothing a request needs lives in one process alone: sessions are
checked against the database (a logout ends them everywhere), sign-in throttling counts in
the database, pops and wallboards reach each process's sockets through PostgreSQL NOTIFY,
and commands to the PBX are queued in the database for the listener. What must run once
stays in the first process: the PBX listener, the scheduler and the outbox sender.

The first process watches its workers: one that dies is started again (after a pause if it
dies at once), and all are stopped with it. A worker also stops by itself when the first
process is gone (its end of a pipe closes), so none outlives it, even after a SIGKILL.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from aiohttp import web

from callcenter.cli import _runtime_dir, configure_logging
from callcenter.runtime import new_event_loop
from callcenter.settings import Settings
from web.app import create_app
from web.serve import listen_for_stop, run_web, tune_gc_on_startup


def _stop(*_: Any) -> None:
    raise web.GracefulExit()


def _watch_parent(loop: asyncio.AbstractEventLoop) -> None:
    """Stop when stdin (a pipe from the first process) ends: the first process is gone."""
    fd = sys.stdin.fileno()

    def readable() -> None:
        if not os.read(fd, 1024):
            loop.remove_reader(fd)
            raise web.GracefulExit()

    loop.add_reader(fd, readable)


def main() -> None:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    _runtime_dir()
    loop = new_event_loop()
    listen_for_stop(loop, _stop)
    _watch_parent(loop)
    app = create_app(settings, worker=True)
    app.on_startup.append(tune_gc_on_startup)
    run_web(app, loop, settings)


if __name__ == "__main__":
    main()
