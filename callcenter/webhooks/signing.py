"""The ``X-Callcenter-Signature`` header, Stripe's scheme: ``t=<unix time>,v1=<hex>`` where
the hex is HMAC-SHA256 keyed by the endpoint's secret over ``f"{t}.{body}"``; for a day
after a rotation one ``v1`` per secret, the new one first (``t=…,v1=<new>,v1=<old>``). The
receiver recomputes it over the raw body, accepts any ``v1`` that matches and refuses an old
``t`` (docs/webhooks.md shows the check)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "X-Callcenter-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    """A fresh endpoint secret: 32 random bytes, URL-safe, with a prefix that says what it is."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes, *older: str) -> str:
    """The header: signed by ``secret``, and by each ``older`` secret still valid."""
    signed = ",".join(f"v1={signature(key, timestamp, body)}" for key in (secret, *older) if key)
    return f"t={timestamp},{signed}"
