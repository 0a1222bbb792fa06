"""Signed personal links: ``<recipient id>.<HMAC>`` keyed by the app's secret and the link's
purpose, so a link made for one recipient and one purpose opens nothing else, and a link
changed by hand is no link at all (its page answers 404 and changes nothing)."""

from __future__ import annotations

import base64
import hashlib
import hmac

UNSUBSCRIBE = "unsubscribe"
OPEN = "open"  # the pixel: ``/m/o/<recipient>.<mac>``
CLICK = "click"  # a link: ``/m/c/<recipient>-<link number>.<mac>``
MAC_CHARS = 22  # 132 bits of the SHA-256 HMAC, URL-safe
INT64_MAX = 2**63 - 1  # a recipient's id is a bigint


def _mac(secret: str, purpose: str, named: int | str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}:{named}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:MAC_CHARS]


def sign(secret: str, purpose: str, recipient_id: int) -> str:
    if not secret:
        raise ValueError("links are signed with the app's secret key, and there is none")
    return f"{recipient_id}.{_mac(secret, purpose, recipient_id)}"


def verify(secret: str, purpose: str, token: str) -> int | None:
    """The recipient a token names, or None when it is not one we signed for ``purpose``."""
    head, dot, mac = token.partition(".")
    if not secret or not dot or not head.isascii() or not head.isdigit() or len(head) > 19:
        return None
    recipient_id = int(head)
    if recipient_id > INT64_MAX or head != str(recipient_id):
        return None
    if not hmac.compare_digest(mac.encode(), _mac(secret, purpose, recipient_id).encode()):
        return None
    return recipient_id


def sign_click(secret: str, recipient_id: int, number: int) -> str:
    """The token of one recipient's click on the mailing's link ``number``."""
    if not secret:
        raise ValueError("links are signed with the app's secret key, and there is none")
    head = f"{recipient_id}-{number}"
    return f"{head}.{_mac(secret, CLICK, head)}"


def verify_click(secret: str, token: str) -> tuple[int, int] | None:
    """(recipient, link number) a click token names, or None when we did not sign it."""
    head, dot, mac = token.partition(".")
    recipient, dash, number = head.partition("-")
    if not secret or not dot or not dash or not _is_id(recipient) or not _is_id(number):
        return None
    if int(number) > 2**31 - 1:
        return None
    if not hmac.compare_digest(mac.encode(), _mac(secret, CLICK, head).encode()):
        return None
    return int(recipient), int(number)


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


def open_url(base: str, secret: str, recipient_id: int) -> str:
    return f"{base}/m/o/{sign(secret, OPEN, recipient_id)}"


def click_url(base: str, secret: str, recipient_id: int, number: int) -> str:
    return f"{base}/m/c/{sign_click(secret, recipient_id, number)}"
