"""The short way in for ``@by_token_alone`` handlers: a mail client's open pixel and click
redirect, thousands a second from anyone, answered without the page middlewares.

A page's request walks the session, the upload limit, sign-in, CSRF, the bad-input checks
and the template context before its handler. A tracking hit needs none of them (no session
is read and no user: the signed token in its path is its only authority, checked by the
handler), yet it paid for each on every hit: most of its answer's time. This middleware,
the outermost, hands a request whose handler declares ``@by_token_alone`` straight to it.
What that handler refuses or fails on still gets the app's error page, in the language the
anonymous reader asks for; the security headers are added as any answer is prepared
(``web.security_headers``), so these carry them too. Every other request goes on its way.
"""

from __future__ import annotations

from aiohttp import web

from web import i18n
from web.auth import ACCESS, BY_TOKEN, Handler, anonymous_language
from web.errors import error_response
from web.keys import SETTINGS


@web.middleware
async def token_answers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    answer = request.match_info.handler
    if getattr(getattr(answer, "__func__", answer), ACCESS, None) != BY_TOKEN:
        return await handler(request)
    try:
        return await answer(request)
    except Exception as exc:
        i18n.LANGUAGE.set(anonymous_language(request, request.app[SETTINGS]))
        return await error_response(request, exc)
