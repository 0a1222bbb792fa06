"""Security headers on every response: a Content-Security-Policy (the pages' scripts and styles
come only from our own static files: no inline script, handler or style anywhere, so HTML a
page puts in with ``innerHTML`` can run nothing), no framing, no MIME sniffing, no referrer
sent to other sites.

Added as the response is prepared (``on_response_prepare``), not by a middleware: so a page,
an error page of any middleware, a redirect, a static file and a streamed export all get
them alike.
"""

from __future__ import annotations

import functools

from aiohttp import web

from web.proxy import request_host

CONSTANT = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "media-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def content_security_policy(request: web.Request) -> str:
    """The policy for this request: the live websocket is reached on the page's own host
    (named outright: not every browser counts ws: as 'self')."""
    return _policy(request_host(request))  # None when the Host header is no plain host


@functools.lru_cache(maxsize=64)  # a site answers on a host or two: made once for each
def _policy(host: str | None) -> str:
    sockets = f" ws://{host} wss://{host}" if host else ""
    return "; ".join((*POLICY, f"connect-src 'self'{sockets}"))


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in CONSTANT.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", content_security_policy(request))
