"""Twilio's status callback: a POST, with no login and no CSRF token, that Twilio signs with
``X-Twilio-Signature`` (HMAC-SHA1 of our public callback URL and its parameters, keyed by the
auth token). Only a correctly signed report moves a text to delivered or failed; any other
is refused with 403 and changes nothing."""

from __future__ import annotations

import logging

from aiohttp import web

from callcenter.db import utcnow
from callcenter.errors import NotFound
from callcenter.i18n import N_
from callcenter.mailings.delivery import RECIPIENTS
from callcenter.sms.status import MESSAGES, record_status
from callcenter.sms.twilio import CALLBACK_PATH, status_of, valid_signature
from web.auth import public
from web.csrf import csrf_exempt
from web.keys import SESSIONMAKER, SETTINGS
from web.mailing_forms import links_base

log = logging.getLogger(__name__)


@public
@csrf_exempt  # the signature is the authority: Twilio has no session
async def twilio_status(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    if settings.sms_provider != "twilio":
        raise NotFound(N_("Page not found"))
    post = await request.post()
    params = [(name, str(value)) for name, value in post.items()]
    url = (
        links_base(settings)
        + CALLBACK_PATH
        + (f"?{request.query_string}" if request.query_string else "")
    )
    given = request.headers.get("X-Twilio-Signature", "")
    if not valid_signature(settings.twilio_auth_token, url, params, given):
        log.warning("sms: a Twilio status callback with a wrong signature was refused")
        return web.Response(status=403, text="signature refused")
    message_id = str(post.get("MessageSid", ""))[:64]
    status = status_of(str(post.get("MessageStatus", "")), post.get("ErrorCode"))
    async with request.app[SESSIONMAKER].begin() as session:
        for tracked in (RECIPIENTS, MESSAGES):
            await record_status(
                session, tracked, provider="twilio", message_id=message_id, status=status,
                now=utcnow(),
            )  # fmt: skip
    return web.Response(status=204)
