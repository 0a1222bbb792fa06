"""Signed personal links: ``<ids>.<HMAC>`` keyed by the app's secret and the link's purpose,
so a link made for one recipient and one purpose opens nothing else, and a link changed by
hand is no link at all (its page answers 404 and changes nothing).

The open pixel and the click redirects name the recipient's mailing too
(``/m/o/<mailing>-<recipient>.<mac>``, ``/m/c/<mailing>-<recipient>-<link>.<mac>``): our
signature vouches that the recipient is the mailing's, so a hit needs no question to the
database about the recipient, only about the mailing (once per process). Letters sent before
carry ``/m/o/<recipient>.<mac>`` and ``/m/c/<recipient>-<link>.<mac>``; those still work (the
recipient's mailing is looked up, once per recipient).

Each MAC starts from an HMAC keyed once per secret and purpose (the key's pads hashed once per
process, not once per hit) and copied for the token.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from typing import NamedTuple

UNSUBSCRIBE = "unsubscribe"
OPEN = "open"  # the pixel of a letter sent before links named their mailing
CLICK = "click"  # a link of a letter sent before links named their mailing
OPEN_IN_MAILING = "open-in-mailing"
CLICK_IN_MAILING = "click-in-mailing"
MAC_CHARS = 22  # 132 bits of the SHA-256 HMAC, URL-safe
INT64_MAX = 2**63 - 1  # a recipient's id is a bigint
INT32_MAX = 2**31 - 1  # a mailing's id and a link's number


class Tracked(NamedTuple):
    """What a signed tracking token names."""

    recipient_id: int
    mailing_id: int | None  # None: an older letter's token, which names no mailing
    number: int | None = None  # the mailing's link clicked; None: the pixel


@functools.lru_cache(maxsize=16)
def _keyed(secret: str, purpose: str) -> hmac.HMAC:
    return hmac.new(secret.encode(), f"{purpose}:".encode(), hashlib.sha256)


def _mac(secret: str, purpose: str, named: int | str) -> str:
    mac = _keyed(secret, purpose).copy()
    mac.update(str(named).encode())
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")[:MAC_CHARS]


def _signed(secret: str, purpose: str, head: str) -> str:
    if not secret:
        raise ValueError("links are signed with the app's secret key, and there is none")
    return f"{head}.{_mac(secret, purpose, head)}"


def _verified(secret: str, purposes: dict[int, str], token: str) -> list[int] | None:
    """The ids a token's head names, when it is one we signed for the purpose its number of
    ids says; else None."""
    head, dot, mac = token.partition(".")
    ids = head.split("-", 3)
    purpose = purposes.get(len(ids))
    if not secret or not dot or purpose is None or not all(map(_is_id, ids)):
        return None
    if not hmac.compare_digest(mac.encode(), _mac(secret, purpose, head).encode()):
        return None
    return [int(named) for named in ids]


def sign(secret: str, purpose: str, recipient_id: int) -> str:
    return _signed(secret, purpose, str(recipient_id))


def verify(secret: str, purpose: str, token: str) -> int | None:
    """The recipient a token names, or None when it is not one we signed for ``purpose``."""
    ids = _verified(secret, {1: purpose}, token)
    return None if ids is None else ids[0]


def sign_open(secret: str, mailing_id: int, recipient_id: int) -> str:
    return _signed(secret, OPEN_IN_MAILING, f"{mailing_id}-{recipient_id}")


def verify_open(secret: str, token: str) -> Tracked | None:
    """The recipient (and mailing) a pixel's token names, or None when we did not sign it."""
    ids = _verified(secret, {1: OPEN, 2: OPEN_IN_MAILING}, token)
    if ids is None or len(ids) == 2 and ids[0] > INT32_MAX:
        return None
    return Tracked(ids[0], None) if len(ids) == 1 else Tracked(ids[1], ids[0])


def sign_click(secret: str, mailing_id: int, recipient_id: int, number: int) -> str:
    """The token of one recipient's click on the mailing's link ``number``."""
    return _signed(secret, CLICK_IN_MAILING, f"{mailing_id}-{recipient_id}-{number}")


def verify_click(secret: str, token: str) -> Tracked | None:
    """The recipient, mailing and link number a click token names, or None when we did not
    sign it."""
    ids = _verified(secret, {2: CLICK, 3: CLICK_IN_MAILING}, token)
    if ids is None or ids[-1] > INT32_MAX or len(ids) == 3 and ids[0] > INT32_MAX:
        return None
    return Tracked(ids[0], None, ids[1]) if len(ids) == 2 else Tracked(ids[1], ids[0], ids[2])


def _is_id(text: str) -> bool:
    """Digits in their one canonical spelling (no sign, no leading zero), within a bigint."""
    return (
        text.isascii()
        and text.isdigit()
        and len(text) <= 19
        and text == str(int(text))
        and int(text) <= INT64_MAX
    )


def public_base(public_url: str, host: str, port: int) -> str:
    """Where recipients reach the CRM: the configured public address, else the local one."""
    return public_url.rstrip("/") or f"http://{host}:{port}"


def unsubscribe_url(base: str, secret: str, recipient_id: int) -> str:
    return f"{base}/u/{sign(secret, UNSUBSCRIBE, recipient_id)}"


def open_url(base: str, secret: str, mailing_id: int, recipient_id: int) -> str:
    return f"{base}/m/o/{sign_open(secret, mailing_id, recipient_id)}"


def click_url(base: str, secret: str, mailing_id: int, recipient_id: int, number: int) -> str:
    return f"{base}/m/c/{sign_click(secret, mailing_id, recipient_id, number)}"
