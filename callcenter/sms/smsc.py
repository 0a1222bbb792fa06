"""SMSC.ru (smsc.ru, smscentre.com): ``/sys/send.php`` to send, ``/sys/status.php`` to read a
message's delivery back, both with ``fmt=3`` (JSON) and ``charset=utf-8``, posted as a form so
the password never sits in a URL.

send.php answers ``{"id": <message id>, "cnt": <parts>}`` or ``{"error": "...",
"error_code": N}``: 1 bad parameters, 6 text or sender forbidden, 7 bad number format, 8 not
deliverable to the number are the message's own fault (permanent); 2 login, 3 funds, 4 IP
blocked, 5 date format, 9 duplicate request are the account's, fixable (tried again later).
status.php answers ``{"status": N, "last_date": "...", "err": N}``: 1 delivered, 2 read and 4
link followed mean delivered; 3 expired and 20-25 (not deliverable, wrong number, forbidden,
no funds, unreachable) mean it failed; -3 (not found yet), -1 (waiting) and 0 (with the
operator) mean not yet known.
"""

from __future__ import annotations

from typing import Any

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

DEFAULT_BASE = "https://smsc.ru"
PERMANENT_CODES = frozenset({1, 6, 7, 8})
DELIVERED_CODES = frozenset({1, 2, 4})
FAILED_CODES = {
    3: "expired",
    20: "not deliverable",
    22: "wrong number",
    23: "forbidden",
    24: "not enough funds",
    25: "number unavailable",
}


def _code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def read_sent(answer: Answer) -> Delivery:
    body = answer.json()
    if answer.status >= 500 or not isinstance(body, dict):
        return Delivery(error=f"SMSC answered HTTP {answer.status} without a JSON object")
    if "error" in body or "error_code" in body:
        code = _code(body.get("error_code"))
        error = f"SMSC error {code}: {str(body.get('error', ''))[:300]}"
        return Delivery(error=error, permanent=code in PERMANENT_CODES)
    message_id = _code(body.get("id"))
    if message_id is None:
        return Delivery(error="SMSC answered with no message id", uncertain=True)
    return Delivery(message_id=str(message_id))


def read_status(answer: Answer) -> Status | None:
    body = answer.json()
    if answer.status != 200 or not isinstance(body, dict) or "error" in body:
        return None
    code = _code(body.get("status"))
    if code in DELIVERED_CODES:
        return Status(DELIVERED)
    if code in FAILED_CODES:
        err = _code(body.get("err"))
        detail = f"SMSC status {code}: {FAILED_CODES[code]}" + (f" (err {err})" if err else "")
        return Status(UNDELIVERED, detail)
    return Status(PENDING) if code is not None else None


class Smsc:
    name = "smsc"

    def __init__(self, settings: Settings) -> None:
        self.base = (settings.sms_base_url or DEFAULT_BASE).rstrip("/")
        self._login = settings.smsc_login
        self._password = settings.smsc_password
        self.sender = settings.sms_sender

    def __repr__(self) -> str:
        return f"Smsc(base={self.base!r}, login={self._login!r})"

    def _form(self, **more: str) -> dict[str, str]:
        return {"login": self._login, "psw": self._password, "fmt": "3", "charset": "utf-8", **more}

    async def send(self, to: str, text: str, *, reference: int) -> Delivery:
        """``reference`` is ours (for the log); SMSC numbers the message itself."""
        form = self._form(phones=to, mes=text)
        if self.sender:
            form["sender"] = self.sender
        try:
            answer = await exchange("POST", f"{self.base}/sys/send.php", form=form)
        except Unreachable as exc:
            return Delivery(error=f"SMSC not reached: {exc}", unreachable=True)
        except Uncertain as exc:
            return Delivery(error=f"SMSC's answer was lost: {exc}", uncertain=True)
        return read_sent(answer)

    async def status(self, to: str, message_id: str) -> Status | None:
        form = self._form(phone=to, id=message_id)
        try:
            answer = await exchange("POST", f"{self.base}/sys/status.php", form=form)
        except (Unreachable, Uncertain):
            return None
        return read_status(answer)
