"""Twilio's Messages API (2010-04-01): ``POST /Accounts/{Sid}/Messages.json`` with ``To``,
``From``, ``Body`` (and ``StatusCallback`` when the CRM has a public address) to send,
``GET /Accounts/{Sid}/Messages/{MessageSid}.json`` to read the message back; HTTP Basic auth
with the account SID and auth token.

A created message answers 201 with ``{"sid": "SM...", "status": "queued", ...}``; a refusal
answers ``{"code": N, "message": "...", "more_info": "...", "status": <http status>}``. 429
and 5xx are passing (tried again later), as are 401/403 (credentials the admin can fix);
any other 4xx is the message's own fault: 21211 an invalid number, 21614 not a mobile one,
21610 a number that texted STOP (its owner opted out: suppressed for every later mailing).
Statuses: ``delivered`` and ``read`` are delivered; ``undelivered``, ``failed`` and
``canceled`` failed; the rest (queued, sending, sent, accepted...) not known yet.

Twilio signs its status callbacks: ``X-Twilio-Signature`` is the base64 HMAC-SHA1, keyed by
the auth token, of the callback's full URL followed by each POST parameter's name and value
sorted by name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from callcenter.settings import Settings
from callcenter.sms.gateway import (
    DELIVERED,
    PENDING,
    UNDELIVERED,
    Answer,
    Delivery,
    Status,
    Uncertain,
    Unreachable,
    exchange,
)

DEFAULT_BASE = "https://api.twilio.com"
API = "/2010-04-01/Accounts"
CALLBACK_PATH = "/sms/twilio/status"
OPTED_OUT = 21610
DELIVERED_STATES = frozenset({"delivered", "read"})
FAILED_STATES = frozenset({"undelivered", "failed", "canceled"})


def read_sent(answer: Answer) -> Delivery:
    body = answer.json()
    body = body if isinstance(body, dict) else {}
    if 200 <= answer.status < 300:
        sid = body.get("sid")
        if isinstance(sid, str) and sid:
            return Delivery(message_id=sid[:64])
        return Delivery(error="Twilio answered with no message sid", uncertain=True)
    code = body.get("code")
    error = f"Twilio {answer.status} error {code}: {str(body.get('message', ''))[:300]}"
    passing = answer.status in (401, 403, 429) or answer.status >= 500
    return Delivery(error=error, permanent=not passing, opted_out=code == OPTED_OUT)


def status_of(state: str, error_code: object = None) -> Status:
    """A Twilio message status (and its error code) in our three words."""
    if state in DELIVERED_STATES:
        return Status(DELIVERED)
    if state in FAILED_STATES:
        detail = f"Twilio: {state}" + (f" (error {error_code})" if error_code else "")
        return Status(UNDELIVERED, detail[:300])
    return Status(PENDING)


def signature(token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    signed = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def valid_signature(token: str, url: str, params: Iterable[tuple[str, str]], given: str) -> bool:
    if not token or not given:
        return False
    return hmac.compare_digest(signature(token, url, params).encode(), given.encode())


class Twilio:
    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        self.base = (settings.sms_base_url or DEFAULT_BASE).rstrip("/")
        self.account = settings.twilio_account_sid
        self._token = settings.twilio_auth_token
        self.sender = settings.sms_sender
        public = settings.public_url.rstrip("/")
        self.callback = f"{public}{CALLBACK_PATH}" if public else ""

    def __repr__(self) -> str:
        return f"Twilio(base={self.base!r}, account={self.account!r})"

    def _auth(self) -> dict[str, str]:
        pair = base64.b64encode(f"{self.account}:{self._token}".encode()).decode()
        return {"Authorization": f"Basic {pair}", "Accept": "application/json"}

    async def send(self, to: str, text: str, *, reference: int) -> Delivery:
        form = {"To": to, "From": self.sender, "Body": text}
        if self.callback:
            form["StatusCallback"] = self.callback
        url = f"{self.base}{API}/{self.account}/Messages.json"
        try:
            answer = await exchange("POST", url, form=form, headers=self._auth())
        except Unreachable as exc:
            return Delivery(error=f"Twilio not reached: {exc}", unreachable=True)
        except Uncertain as exc:
            return Delivery(error=f"Twilio's answer was lost: {exc}", uncertain=True)
        return read_sent(answer)

    async def status(self, to: str, message_id: str) -> Status | None:
        if not message_id.isalnum():
            return None
        url = f"{self.base}{API}/{self.account}/Messages/{message_id}.json"
        try:
            answer = await exchange("GET", url, headers=self._auth())
        except (Unreachable, Uncertain):
            return None
        body = answer.json()
        if answer.status != 200 or not isinstance(body, dict):
            return None
        return status_of(str(body.get("status", "")), body.get("error_code"))
