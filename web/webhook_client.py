"""The webhook sender's HTTP side: an aiohttp client with a timeout that posts a signed
delivery and tells the domain's sender (callcenter/webhooks/sender.py) what came back, and the
scheduled job that runs the sender while the app lives."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from callcenter.settings import Settings
from callcenter.webhooks.addresses import PrivateDestination, check_addresses
from callcenter.webhooks.purge import purge_deliveries
from callcenter.webhooks.sender import EXCERPT, Answer, Policy, send_webhooks
from web.keys import SCHEDULER, SESSIONMAKER, SETTINGS

log = logging.getLogger(__name__)
USER_AGENT = "CallCenter-Webhooks/1"
PURGE_SECONDS = 3600.0  # how often old deliveries are looked for


class PublicResolver(AbstractResolver):
    """The system's resolver, refusing a name that resolves to any private address: the
    connection is made to the very addresses checked here, so a name whose DNS changed since
    the endpoint was saved (or changes between two lookups) cannot lead inside."""

    def __init__(self) -> None:
        self.resolver = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self.resolver.resolve(host, port, family)
        check_addresses(host.rstrip("."), (result["host"] for result in found))
        return found

    async def close(self) -> None:
        await self.resolver.close()


def _literal_refusal(url: str) -> str:
    """Why a URL whose host is an IP address (which no resolver sees) may not be posted to."""
    host = URL(url).host or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return ""  # a name: the resolver checks what it resolves to
    try:
        check_addresses(host, [host])
    except PrivateDestination as exc:
        return str(exc)
    return ""


class HttpTransport:
    """Posts over one pooled client session; a receiver that does not answer within the
    timeout, refuses the connection or redirects is a failure the sender retries, and so is
    a private address unless the admin allows them (``webhook_allow_private``)."""

    def __init__(self, settings: Settings) -> None:
        self.allow_private = settings.webhook_allow_private
        resolver = None if self.allow_private else PublicResolver()
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.webhook_timeout_seconds),
            connector=aiohttp.TCPConnector(limit=settings.webhook_concurrency, resolver=resolver),
            headers={"User-Agent": USER_AGENT},
            raise_for_status=False,
        )

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        if not self.allow_private and (refusal := _literal_refusal(url)):
            return Answer(None, refusal[:EXCERPT])
        try:
            async with self.session.post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                start = await response.content.read(EXCERPT * 4)  # UTF-8: 4 bytes a character
                return Answer(response.status, start.decode("utf-8", "replace")[:EXCERPT])
        except TimeoutError:
            return Answer(None, "timeout: no answer in time")
        except aiohttp.ClientConnectorDNSError as exc:
            if isinstance(exc.os_error, PrivateDestination):
                return Answer(None, str(exc.os_error)[:EXCERPT])
            return Answer(None, f"{type(exc).__name__}: {exc}"[:EXCERPT])
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
    """Register the sender and the purge of old deliveries on the app's scheduler; returns
    what closes the sender's HTTP client (to call once the scheduler has stopped), or None
    when this process sends no webhooks (nor purges: the process that sends does)."""
    settings = app[SETTINGS]
    if settings.webhook_check_seconds <= 0:
        return None
    transport = HttpTransport(settings)
    sessionmaker, policy = app[SESSIONMAKER], policy_of(settings)

    async def send() -> None:
        await send_webhooks(sessionmaker, transport, policy)  # one process at a time

    async def purge() -> None:
        await purge_deliveries(sessionmaker, keep=timedelta(days=settings.webhook_keep_days))

    app[SCHEDULER].add_job("webhooks", send, every_seconds=settings.webhook_check_seconds)
    app[SCHEDULER].add_job("webhook-purge", purge, every_seconds=PURGE_SECONDS)

    async def close() -> None:
        await transport.close()
        await asyncio.sleep(0)

    return close
