"""Sends the outbox every few seconds while the app runs, when an SMTP server is configured.

A small loop for now; it may move to the app's scheduler later. Running it in several
processes is safe: each claims different messages (``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from callcenter.mail.sender import BATCH, deliver_outbox
from web.keys import SESSIONMAKER, SETTINGS

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 5.0


async def _send_forever(app: web.Application) -> None:
    settings, sessionmaker = app[SETTINGS], app[SESSIONMAKER]
    while True:
        try:
            sent = await deliver_outbox(sessionmaker, settings)
        except Exception:
            log.exception("outbox: sending failed; trying again in %.0f s", INTERVAL_SECONDS)
            sent = 0
        if sent < BATCH:  # a full batch: there may be more due at once
            await asyncio.sleep(INTERVAL_SECONDS)


async def mail_sender_ctx(app: web.Application) -> AsyncIterator[None]:
    task = None
    if app[SETTINGS].smtp_host:
        task = asyncio.create_task(_send_forever(app), name="outbox sender")
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
