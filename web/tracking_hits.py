"""The process's recorder of mailing open and click hits (``callcenter.mailings.hits``):
started with the app, and closed after the last request so that the hits still waiting are
stored before the database's pool closes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from callcenter.mailings import hits
from web.keys import HIT_RECORDER, SESSIONMAKER


async def hit_recorder_ctx(app: web.Application) -> AsyncIterator[None]:
    recorder = hits.HitRecorder(
        app[SESSIONMAKER], flush_seconds=hits.FLUSH_SECONDS, flush_hits=hits.FLUSH_HITS
    )
    recorder.start()
    app[HIT_RECORDER] = recorder
    yield
    await recorder.close()
