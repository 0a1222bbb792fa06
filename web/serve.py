"""``python -m callcenter serve``: the web app (leading the PBX listener when it may) on a
database made ready by the command line, until stopped."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.cli import prepare_serve
from callcenter.runtime import tune_gc
from callcenter.settings import Settings
from web.app import create_app


def serve(settings: Settings) -> None:
    settings, _server = prepare_serve(settings)  # an embedded PostgreSQL runs while held
    print(f"CallCenter CRM on http://{settings.http_host}:{settings.http_port}", flush=True)
    app = create_app(settings)
    app.on_startup.append(_tune_gc)  # after every resource has started
    web.run_app(
        app,
        host=settings.http_host,
        port=settings.http_port,
        print=None,
        access_log=None,
    )


async def _tune_gc(_app: Any) -> None:
    tune_gc()
