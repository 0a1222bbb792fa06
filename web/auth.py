"""Who is asking, and may they: sessions, API tokens, the access each handler declares.

Every handler declares its access with ``@public``, ``@signed_in``, ``@requires(...)`` or
``@by_token_alone``; the middleware refuses a handler that declares none, so no route is
left unchecked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from callcenter.errors import DomainError, Forbidden
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.users.roles import Permission
from callcenter.users.sessions import user_for_session
from callcenter.users.tokens import bearer_of
from web import i18n
from web.keys import AUTH_VIA, SESSIONMAKER, SETTINGS, USER

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ACCESS = "__access__"
PUBLIC, SIGNED_IN, BY_TOKEN = "public", "signed_in", "by_token"


class NotSignedIn(DomainError):
    id = "not_signed_in"
    status = 401


class ReadOnlyToken(Forbidden):
    id = "token_read_only"


def public(handler: Handler) -> Handler:
    setattr(handler, ACCESS, PUBLIC)
    return handler


def by_token_alone(handler: Handler) -> Handler:
    """Public, and nobody's: the signed token in the path is the only authority (a mail
    client's tracking hit). No session is read, so none is set or cleared on the answer."""
    setattr(handler, ACCESS, BY_TOKEN)
    return handler


def answers_by_token(request: web.Request) -> bool:
    """The request's handler is ``@by_token_alone``: nothing may touch its session."""
    return getattr(_resolve_handler(request), ACCESS, None) == BY_TOKEN


def signed_in(handler: Handler) -> Handler:
    setattr(handler, ACCESS, SIGNED_IN)
    return handler


def requires(*permissions: Permission) -> Callable[[Handler], Handler]:
    def mark(handler: Handler) -> Handler:
        setattr(handler, ACCESS, frozenset(permissions))
        return handler

    return mark


SESSION_KEY = "sid"  # where the cookie keeps the token of its server-side session


def current_user(request: web.Request) -> User:
    user = request.get(USER)
    if not isinstance(user, User):
        raise NotSignedIn(N_("Please sign in"))
    return user


async def _user_from_request(request: web.Request) -> tuple[User | None, str | None, bool]:
    """The user, how they came (``token``, ``session`` or None) and whether the request's
    method is theirs to use (a read-only token only reads)."""
    sessionmaker = request.app[SESSIONMAKER]
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        async with sessionmaker.begin() as session:
            bearer = await bearer_of(session, header[7:].strip())
        if bearer is None:
            return None, "token", True
        return bearer.user, "token", bearer.may(request.method)
    session_data = await get_session(request)
    token = session_data.get(SESSION_KEY)
    if not token or not isinstance(token, str):
        return None, None, True
    max_age = request.app[SETTINGS].session_max_age_seconds
    async with sessionmaker.begin() as session:  # signed out, expired or revoked: None
        user = await user_for_session(session, token, max_age_seconds=max_age)
    if user is None:
        session_data.invalidate()
        return None, None, True
    return user, "session", True


def _resolve_handler(request: web.Request) -> Any:
    handler = request.match_info.handler
    return getattr(handler, "__func__", handler)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    access = getattr(_resolve_handler(request), ACCESS, None)
    if request.match_info.http_exception is not None or request.path.startswith("/static/"):
        return await handler(request)
    if access is None:
        raise Forbidden(N_("This page declares no access rule"))
    user, via, permitted = (
        (None, None, True) if access == BY_TOKEN else await _user_from_request(request)
    )
    request[USER], request[AUTH_VIA] = user, via or ""
    settings = request.app[SETTINGS]
    i18n.LANGUAGE.set(user.language if user else anonymous_language(request, settings))
    i18n.TIMEZONE.set(user.timezone if user else settings.default_timezone)
    i18n.REGION.set(settings.default_region)
    if not permitted:
        raise ReadOnlyToken(N_("This API token is read-only"))
    if access in (PUBLIC, BY_TOKEN):
        return await handler(request)
    if user is None:
        if request.path.startswith("/api/") or via == "token":
            raise NotSignedIn(N_("Please sign in"))
        raise web.HTTPFound(f"/login?next={request.path_qs}")
    if access != SIGNED_IN and not all(user.can(p) for p in access):
        raise Forbidden(N_("Your role does not allow this"))
    return await handler(request)


def anonymous_language(request: web.Request, settings: Any) -> str:
    """The language of a reader nobody signed in as: asked for, else the settings'."""
    lang = request.query.get("lang") or request.cookies.get("lang") or ""
    if lang in ("ru", "en"):
        return lang
    accept = request.headers.get("Accept-Language", "")
    if accept[:2] in ("ru", "en"):
        return accept[:2]
    return settings.default_language
