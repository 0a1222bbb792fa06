"""CSRF protection: a per-session token required on every state-changing request.

Forms carry it in a hidden ``csrf_token`` field; scripts send ``X-CSRF-Token``. Requests
authenticated by an API token carry no cookie and need none; neither do the few handlers marked
``@csrf_exempt``, whose authority is a signed link, not the session (the one-click unsubscribe
a mail client POSTs, RFC 8058).
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web
from aiohttp_session import get_session

from callcenter.errors import DomainError
from callcenter.i18n import N_
from web.auth import Handler
from web.keys import AUTH_VIA
from web.values import read_form

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
EXEMPT = "__csrf_exempt__"


class CsrfFailed(DomainError):
    id = "csrf_failed"
    status = 403


def csrf_exempt(handler: Handler) -> Handler:
    """For a handler acting on a signed link alone: it must read no session nor user."""
    setattr(handler, EXEMPT, True)
    return handler


def _exempt(request: web.Request) -> bool:
    handler = request.match_info.handler
    return bool(getattr(getattr(handler, "__func__", handler), EXEMPT, False))


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    token = session.get(FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[FIELD] = token
    return token


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in SAFE_METHODS or request.get(AUTH_VIA) == "token" or _exempt(request):
        return await handler(request)
    session = await get_session(request)
    expected = session.get(FIELD)
    sent = request.headers.get(HEADER)
    if sent is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        posted = (await read_form(request)).get(FIELD)
        sent = posted if isinstance(posted, str) else None
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(expected, sent):
        raise CsrfFailed(N_("The form has expired: reload the page and try again"))
    return await handler(request)
