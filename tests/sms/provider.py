"""A local HTTP server that speaks SMSC.ru's and Twilio's documented APIs, for the tests: it
checks the credentials and the parameters each API requires, answers with their JSON shapes,
records what it took, and can be told to refuse (passing or for good) or to drop the line.

SMSC: POST ``/sys/send.php`` (login, psw, phones, mes, charset=utf-8, fmt=3) answers
``{"id": N, "cnt": parts}`` or ``{"error": "...", "error_code": N}``; POST ``/sys/status.php``
(login, psw, phone, id, fmt=3) answers ``{"status": N, "last_date": ..., "err": 0}``.
Twilio: POST ``/2010-04-01/Accounts/{Sid}/Messages.json`` (Basic auth; To, From, Body,
StatusCallback) answers 201 with a Message resource or ``{"code", "message", "more_info",
"status"}``; GET ``.../Messages/{MessageSid}.json`` answers the resource with its status.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from callcenter.sms.parts import count_parts

SMSC_LOGIN, SMSC_PASSWORD = "shop", "smsc-secret"
TWILIO_SID, TWILIO_TOKEN = "AC" + "0" * 32, "twilio-secret-token"
TWILIO_FROM = "+15005550006"


@dataclass
class Taken:
    to: str
    text: str
    message_id: str
    params: dict[str, str]


@dataclass
class Provider:
    """``refuse`` maps a number to "temporary", "permanent", "stop" or "drop" (the line is
    cut after the request is read); ``statuses`` maps a message id to what the status API
    says (SMSC's number or Twilio's word); ``down`` refuses every send as passing."""

    taken: list[Taken] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, Any] = field(default_factory=dict)
    down: bool = False
    requests: int = 0
    ids: Any = field(default_factory=lambda: itertools.count(1001))

    def texts_to(self, number: str) -> list[str]:
        return [t.text for t in self.taken if t.to == number]


PROVIDER = web.AppKey("provider", Provider)


def _smsc_error(code: int, text: str) -> web.Response:
    return web.json_response({"error": text, "error_code": code})


async def _smsc_send(request: web.Request) -> web.StreamResponse:
    state = request.app[PROVIDER]
    state.requests += 1
    form = await request.post()
    if "psw" in request.query or "login" in request.query:
        raise AssertionError("the password must never travel in the URL")
    if form.get("login") != SMSC_LOGIN or form.get("psw") != SMSC_PASSWORD:
        return _smsc_error(2, "authorise error")
    if form.get("fmt") != "3" or form.get("charset") != "utf-8" or not form.get("mes"):
        return _smsc_error(1, "parameters error")
    to, text = str(form.get("phones", "")), str(form["mes"])
    if not to.startswith("+"):
        return _smsc_error(7, "invalid number")
    refusal = "temporary" if state.down else state.refuse.get(to)
    if refusal == "temporary":
        return _smsc_error(9, "duplicate request, wait a minute")
    if refusal in ("permanent", "stop"):
        return _smsc_error(8, "message to the number cannot be delivered")
    if refusal == "drop":
        raise _Drop
    message_id = str(next(state.ids))
    state.taken.append(Taken(to, text, message_id, {k: str(v) for k, v in form.items()}))
    return web.json_response({"id": int(message_id), "cnt": count_parts(text).parts})


async def _smsc_status(request: web.Request) -> web.StreamResponse:
    state = request.app[PROVIDER]
    form = await request.post()
    if form.get("login") != SMSC_LOGIN or form.get("psw") != SMSC_PASSWORD:
        return _smsc_error(2, "authorise error")
    message_id = str(form.get("id", ""))
    known = {t.message_id: t for t in state.taken}
    if message_id not in known or known[message_id].to != form.get("phone"):
        return web.json_response({"status": -3, "last_date": "", "last_timestamp": 0, "err": 0})
    code = state.statuses.get(message_id, 0)
    return web.json_response(
        {"status": code, "last_date": "10.12.2026 10:00:00", "last_timestamp": 1796896800,
         "err": 0 if code in (0, 1) else 1}
    )  # fmt: skip


def _twilio_error(status: int, code: int, message: str) -> web.Response:
    body = {"code": code, "message": message, "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}"}  # fmt: skip
    return web.json_response(body, status=status)


def _twilio_authorized(request: web.Request) -> bool:
    expected = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    return request.headers.get("Authorization") == f"Basic {expected}"


def _message(taken: Taken, status: str) -> dict[str, Any]:
    sid = taken.message_id
    return {
        "sid": sid, "account_sid": TWILIO_SID, "to": taken.to, "from": TWILIO_FROM,
        "body": taken.text, "status": status, "num_segments": str(count_parts(taken.text).parts),
        "direction": "outbound-api", "api_version": "2010-04-01", "error_code": None,
        "error_message": None, "date_created": "Thu, 10 Dec 2026 10:00:00 +0000",
        "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json",
    }  # fmt: skip


async def _twilio_send(request: web.Request) -> web.StreamResponse:
    state = request.app[PROVIDER]
    state.requests += 1
    if not _twilio_authorized(request) or request.match_info["sid"] != TWILIO_SID:
        return _twilio_error(401, 20003, "Authenticate")
    form = await request.post()
    to, sender, text = (str(form.get(k, "")) for k in ("To", "From", "Body"))
    if not to or not sender or not text:
        return _twilio_error(400, 21604, "A 'To' phone number is required.")
    refusal = "temporary" if state.down else state.refuse.get(to)
    if refusal == "temporary":
        return _twilio_error(429, 20429, "Too Many Requests")
    if refusal == "permanent":
        return _twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if refusal == "stop":
        return _twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
    if refusal == "drop":
        raise _Drop
    taken = Taken(to, text, f"SM{next(state.ids):032d}", {k: str(v) for k, v in form.items()})
    state.taken.append(taken)
    return web.json_response(_message(taken, "queued"), status=201)


async def _twilio_fetch(request: web.Request) -> web.StreamResponse:
    state = request.app[PROVIDER]
    if not _twilio_authorized(request):
        return _twilio_error(401, 20003, "Authenticate")
    known = {t.message_id: t for t in state.taken}
    taken = known.get(request.match_info["message"])
    if taken is None:
        return _twilio_error(404, 20404, "The requested resource was not found")
    status = state.statuses.get(taken.message_id, "sent")
    body = _message(taken, status)
    if status in ("failed", "undelivered"):
        body["error_code"] = 30003
    return web.json_response(body)


class _Drop(Exception):
    """Cut the line after reading the request: the client never hears an answer."""


@web.middleware
async def _dropper(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except _Drop:
        assert request.transport is not None
        request.transport.close()
        raise web.HTTPInternalServerError() from None


@asynccontextmanager
async def provider_server(
    state: Provider | None = None, port: int | None = None
) -> AsyncIterator[tuple[str, Provider]]:
    """Serve both APIs on loopback (a free port unless given); yields its base URL and the
    state."""
    state = state or Provider()
    app = web.Application(middlewares=[_dropper])
    app[PROVIDER] = state
    app.router.add_post("/sys/send.php", _smsc_send)
    app.router.add_post("/sys/status.php", _smsc_status)
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", _twilio_send)
    app.router.add_get("/2010-04-01/Accounts/{sid}/Messages/{message}.json", _twilio_fetch)
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), state
    finally:
        await server.close()


def smsc_settings(settings: Any, base: str, **more: Any) -> Any:
    from dataclasses import replace

    values = {"sms_provider": "smsc", "sms_base_url": base, "smsc_login": SMSC_LOGIN,
              "smsc_password": SMSC_PASSWORD, "mailing_sms_per_minute": 60_000,
              "public_url": "https://crm.example.ru"}  # fmt: skip
    return replace(settings, **(values | more))


def twilio_settings(settings: Any, base: str, **more: Any) -> Any:
    from dataclasses import replace

    values = {"sms_provider": "twilio", "sms_base_url": base, "twilio_account_sid": TWILIO_SID,
              "twilio_auth_token": TWILIO_TOKEN, "sms_sender": TWILIO_FROM,
              "mailing_sms_per_minute": 60_000, "public_url": "https://crm.example.ru"}  # fmt: skip
    return replace(settings, **(values | more))
