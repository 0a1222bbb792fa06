"""The webhook sender's HTTP side: an aiohttp client with a timeout that posts a signed
delivery and tells the domain's sender (callcenter/webhooks/sender.py) what came back, and the
scheduled job that runs the sender while the app lives."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp
from aiohttp import web

from callcenter.settings import Settings
from callcenter.webhooks.sender import EXCERPT, Answer, Policy, send_webhooks
from web.keys import SCHEDULER, SESSIONMAKER, SETTINGS

log = logging.getLogger(__name__)
USER_AGENT = "CallCenter-Webhooks/1"


class HttpTransport:
    """Posts over one pooled client session; a receiver that does not answer within the
    timeout, refuses the connection or redirects is a failure the sender retries."""

    def __init__(self, settings: Settings) -> None:
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.webhook_timeout_seconds),
            connector=aiohttp.TCPConnector(limit=settings.webhook_concurrency),
            headers={"User-Agent": USER_AGENT},
            raise_for_status=False,
        )

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        try:
            async with self.session.post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                start = await response.content.read(EXCERPT * 4)  # UTF-8: 4 bytes a character
                return Answer(response.status, start.decode("utf-8", "replace")[:EXCERPT])
        except TimeoutError:
            return Answer(None, "timeout: no answer in time")
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return Answer(None, f"{type(exc).__name__}: {exc}"[:EXCERPT])

    async def close(self) -> None:
        await self.session.close()


def policy_of(settings: Settings) -> Policy:
    return Policy(
        retry_seconds=settings.webhook_retry_seconds,
        retry_for=timedelta(days=1),
        pause_after=settings.webhook_pause_after,
    )


def add_webhook_job(app: web.Application) -> Callable[[], Awaitable[None]] | None:
    """Register the sender on the app's scheduler; returns what closes its HTTP client (to
    call once the scheduler has stopped), or None when this process sends no webhooks."""
    settings = app[SETTINGS]
    if settings.webhook_check_seconds <= 0:
        return None
    transport = HttpTransport(settings)
    sessionmaker, policy = app[SESSIONMAKER], policy_of(settings)

    async def send() -> None:
        await send_webhooks(sessionmaker, transport, policy)  # one process at a time

    app[SCHEDULER].add_job("webhooks", send, every_seconds=settings.webhook_check_seconds)

    async def close() -> None:
        await transport.close()
        await asyncio.sleep(0)

    return close
