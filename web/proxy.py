"""Where a request comes from and which site it was made on: what the connection says,
and what a reverse proxy says (X-Forwarded-For / -Host / -Proto) only when the settings
declare one (``CALLCENTER_TRUSTED_PROXY``), since anyone can send those headers."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aiohttp import web

from web.keys import SETTINGS

# a host as a browser sends it: a name or an IPv4/IPv6 address and a port, nothing else
HOST = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
DEFAULT_PORTS = {"http": 80, "https": 443}


def client_address(request: web.Request) -> str:
    """The client's address: the connection's peer, or behind a trusted proxy the address
    that proxy appended last to X-Forwarded-For (the one before it could be forged)."""
    if request.app[SETTINGS].trusted_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return (request.remote or "")[:64]


def request_host(request: web.Request) -> str | None:
    """The site's host[:port] as the request names it (the proxy's X-Forwarded-Host when
    trusted), or None when it is no plain host (it may end up in a header we send)."""
    host = request.headers.get("Host", "")
    if request.app[SETTINGS].trusted_proxy:
        host = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip() or host
    return host.lower() if HOST.fullmatch(host) else None


def _endpoint(netloc: str, scheme: str) -> tuple[str, int] | None:
    """(host, port) of a host[:port], the scheme's default port filled in; None if bad."""
    try:
        parts = urlsplit("//" + netloc)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None:
        return None
    return parts.hostname, port or DEFAULT_PORTS[scheme]


def same_site_origin(request: web.Request, origin: str) -> bool:
    """Whether a browser's Origin header names this site: the host the request was sent to,
    or the configured public URL. The port missing from either is the origin's scheme's
    default (behind a TLS proxy the page is https while the request to us is http)."""
    try:
        parts = urlsplit(origin.strip().lower())
    except ValueError:  # a bracket left open
        return False
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.fragment:
        return False
    theirs = _endpoint(parts.netloc, parts.scheme)
    if theirs is None:
        return False
    public = urlsplit(request.app[SETTINGS].public_url)
    if public.netloc and (parts.scheme, theirs) == (
        public.scheme,
        _endpoint(public.netloc, public.scheme),
    ):
        return True
    host = request_host(request)
    return host is not None and theirs == _endpoint(host, parts.scheme)
