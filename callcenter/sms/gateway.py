"""What a provider's answer means to us, and the HTTP exchange with it.

The exchange is ``urllib`` in a worker thread (the domain imports no aiohttp, and one request
per message at a mailing's rate needs no pool). Where it fails matters for "at most once":
a failure while connecting or writing the request (refused, no such host) means the provider
never had it, so it is tried again later; a failure while waiting for the answer (a timeout,
a dropped line) means it may have taken it, so the message is never sent again. Credentials
travel in the body or the Authorization header, never in a URL, and are never logged.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

TIMEOUT_SECONDS = 20.0
PENDING, DELIVERED, UNDELIVERED = "pending", "delivered", "failed"


@dataclass(frozen=True)
class Delivery:
    """How handing one message over went: ``message_id`` when taken, else the error and what
    it means: ``permanent`` (never retried), ``uncertain`` (the provider may have it: never
    sent again), ``unreachable`` (it never left: the rest of a batch waits too),
    ``opted_out`` (the number asked for no more messages: STOP)."""

    message_id: str = ""
    error: str = ""
    permanent: bool = False
    uncertain: bool = False
    unreachable: bool = False
    opted_out: bool = False

    @property
    def taken(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class Status:
    """Where a sent message is: ``pending``, ``delivered`` or ``failed`` (with why)."""

    state: str
    detail: str = ""

    @property
    def final(self) -> bool:
        return self.state != PENDING


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8", errors="replace"))
        except ValueError:
            return None


class Unreachable(Exception):
    """The request never reached the provider."""


class Uncertain(Exception):
    """The request left, and its answer was lost."""


class Provider(Protocol):
    name: str

    async def send(self, to: str, text: str, *, reference: int) -> Delivery: ...

    async def status(self, to: str, message_id: str) -> Status | None: ...


def _exchange(
    method: str, url: str, form: dict[str, str] | None, headers: dict[str, str]
) -> Answer:
    if not url.startswith(("https://", "http://")):  # never file: or another scheme
        raise Unreachable(f"not an http(s) address: {url.partition(':')[0]}")
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (checked)
            return Answer(response.status, response.read())
    except urllib.error.HTTPError as exc:  # an answer, only not a 2xx one
        with exc:
            return Answer(exc.code, exc.read())
    except urllib.error.URLError as exc:  # raised while connecting or writing the request
        raise Unreachable(str(exc.reason)) from None
    except (OSError, ValueError) as exc:  # while reading the answer: timeout, reset, cut short
        raise Uncertain(f"{type(exc).__name__}: {exc}") from None


async def exchange(
    method: str,
    url: str,
    *,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """One HTTP request, in a worker thread; raises Unreachable or Uncertain."""
    return await asyncio.to_thread(_exchange, method, url, form, headers or {})
