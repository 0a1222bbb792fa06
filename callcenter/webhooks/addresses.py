"""Where a webhook may go: only to public addresses unless the admin allows private ones
(``CALLCENTER_WEBHOOK_ALLOW_PRIVATE``). Otherwise an admin (or whoever steals an admin's
session) could make the CRM post to its own database port, the office LAN or the cloud's
metadata service (169.254.169.254) and read the answer on the deliveries page.

Checked when an endpoint is saved (a clear error on the form) and again when a delivery is
sent, on the very addresses the connection uses (web/webhook_client.py), since a name's
DNS may point elsewhere by then. An address is refused when it is not globally routable
(loopback, private, link-local, shared, reserved, documentation, unspecified) or multicast,
and so is an IPv6 address that carries such an IPv4 one (mapped, 6to4, NAT64).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Iterable

log = logging.getLogger(__name__)
RESOLVE_SECONDS = 5.0
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateDestination(OSError):
    """A webhook's host is, or resolves to, an address it may not go to. An ``OSError`` so
    that an HTTP client's resolver may raise it where a failed lookup would be."""

    def __init__(self, host: str, address: str) -> None:
        where = f"{host} resolves to {address}" if host != address else host
        super().__init__(
            f"refused: {where}, a loopback, private, link-local or metadata address "
            "(CALLCENTER_WEBHOOK_ALLOW_PRIVATE=true lets webhooks go there)"
        )
        self.host, self.address = host, address


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_refused(address: str) -> bool:
    """True for an address a webhook may not go to by default (and for one that is no IP
    address at all: nothing unparsed gets through)."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])  # a zone: fe80::1%eth0
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        ip = inner
    return not ip.is_global or ip.is_multicast


def check_addresses(host: str, addresses: Iterable[str]) -> None:
    """Raise ``PrivateDestination`` for the first refused address ``host`` resolved to."""
    for address in addresses:
        if is_refused(address):
            raise PrivateDestination(host, address)


async def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to now (an IP address: itself, in any spelling the
    system's resolver reads, such as ``2130706433`` for 127.0.0.1)."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(RESOLVE_SECONDS):
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_host(host: str, port: int) -> None:
    """Refuse a host that resolves to a private address now. A host that resolves nowhere
    (not yet in DNS, or no DNS here) passes: the sender checks again on every connection."""
    host = host.rstrip(".")  # "localhost." is "localhost"
    try:
        addresses = await resolve(host, port)
    except (OSError, UnicodeError, TimeoutError) as exc:
        log.info("webhook host %s not resolved when saved (%s): checked when sent", host, exc)
        return
    check_addresses(host, addresses)
