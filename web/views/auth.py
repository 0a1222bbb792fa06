"""Sign in and out, and each user's own profile (language, time zone, password, where they
are signed in, their API tokens: made and revoked in ``web.views.api_tokens``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.i18n import N_
from callcenter.users.exceptions import LoginFailed, UserInvalid
from callcenter.users.logins import (
    LoginPolicy,
    begin_attempt,
    confirm_failure,
    finish_attempt,
)
from callcenter.users.models import User
from callcenter.users.passwords import verify_password_async
from callcenter.users.roles import Role
from callcenter.users.service import UserInput, get_user, update_user
from callcenter.users.sessions import (
    end_all_sessions,
    end_session,
    is_session,
    list_sessions,
    start_session,
)
from callcenter.users.tokens import Scope, list_tokens, token_state
from web.auth import SESSION_KEY, current_user, public, signed_in
from web.keys import SESSIONMAKER, SETTINGS, USER
from web.proxy import client_address

COMMON_TIMEZONES = [
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
    "Asia/Almaty",
    "Europe/Minsk",
    "Europe/London",
    "UTC",
]


def _safe_next(value: str | None) -> str:
    """Only same-site paths: never redirect a user off-site after sign-in."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/"


# where each role's day starts, and where sign-in lands them
HOMES: dict[str, str] = {
    Role.OPERATOR: "/workspace",  # the screen the calls pop on
    Role.SUPERVISOR: "/wallboard",  # the floor, live
    Role.MANAGER: "/clients",
    Role.ADMIN: "/admin/users",
    Role.PARTNER: "/my/partner",  # a partner's home is their partnership
}


def home_of(user: User | None) -> str:
    return HOMES.get(user.role, "/clients") if user is not None else "/clients"


@signed_in
async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(home_of(request.get(USER)))


@public
async def login_page(request: web.Request) -> web.StreamResponse:
    if request.get(USER):
        raise web.HTTPFound(_safe_next(request.query.get("next")))
    context = {"error": None, "login": "", "next": _safe_next(request.query.get("next"))}
    response = aiohttp_jinja2.render_template("auth/login.html", request, context)
    chosen = request.query.get("lang")
    if chosen in ("ru", "en"):  # the language picked before signing in sticks
        response.set_cookie("lang", chosen, max_age=365 * 86400, httponly=True, samesite="Lax")
    return response


@public
async def login(request: web.Request) -> web.StreamResponse:
    """Sign in: the try is counted (and maybe paused) first, then the password checked; every
    refusal reads the same, whatever its reason (see ``callcenter.users.logins``)."""
    form = await request.post()
    login_name = str(form.get("login", ""))
    settings = request.app[SETTINGS]
    next_url = _safe_next(str(form.get("next", "")))
    policy = LoginPolicy(
        settings.login_max_failures,
        settings.login_lockout_seconds,
        settings.login_address_max_failures,
    )
    sessionmaker = request.app[SESSIONMAKER]
    async with sessionmaker.begin() as session:  # the count is kept whatever follows
        attempt = await begin_attempt(
            session, login=login_name, address=client_address(request), policy=policy
        )
    try:
        async with sessionmaker.begin() as session:
            user = await finish_attempt(
                session, attempt=attempt, password=str(form.get("password", ""))
            )
            token = await _start_session(request, session, user)
    except LoginFailed as exc:
        async with sessionmaker.begin() as session:
            await confirm_failure(session, attempt=attempt)
        context = {"error": exc.message, "login": login_name, "next": next_url}
        return aiohttp_jinja2.render_template(
            "auth/login.html", request, context, status=exc.status
        )
    web_session = await new_session(request)  # a fresh cookie: no fixation
    web_session[SESSION_KEY] = token
    raise web.HTTPFound(next_url)


async def _start_session(request: web.Request, session: AsyncSession, user: User) -> str:
    return await start_session(
        session,
        user=user,
        address=client_address(request),
        user_agent=request.headers.get("User-Agent", ""),
        max_age_seconds=request.app[SETTINGS].session_max_age_seconds,
    )


@signed_in
async def logout(request: web.Request) -> web.StreamResponse:
    """Sign this browser out: its session ends on the server, so a copy of the cookie is
    worth nothing from now on."""
    web_session = await get_session(request)
    token = web_session.get(SESSION_KEY)
    if isinstance(token, str):
        async with request.app[SESSIONMAKER].begin() as session:
            await end_session(session, token)
    web_session.invalidate()
    raise web.HTTPFound("/login")


@signed_in
async def logout_everywhere(request: web.Request) -> web.StreamResponse:
    """Sign the user out of every browser and device, this one included."""
    async with request.app[SESSIONMAKER].begin() as session:
        await end_all_sessions(session, user_id=current_user(request).id)
    (await get_session(request)).invalidate()
    raise web.HTTPFound("/login")


async def _sessions(request: web.Request) -> list[dict]:
    """The user's live sessions for the profile page, this browser's marked."""
    token = (await get_session(request)).get(SESSION_KEY) or ""
    async with request.app[SESSIONMAKER]() as session:
        rows = await list_sessions(
            session,
            user_id=current_user(request).id,
            max_age_seconds=request.app[SETTINGS].session_max_age_seconds,
        )
    return [{"row": row, "current": is_session(row, str(token))} for row in rows]


async def profile_context(request: web.Request, **given: Any) -> dict[str, Any]:
    """Everything the profile page shows; ``given`` replaces a part (a form with errors,
    a token just made)."""
    user = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        tokens = await list_tokens(session, user_id=user.id)
    context: dict[str, Any] = {
        "form": {"language": user.language, "timezone": user.timezone},
        "errors": {},
        "timezones": COMMON_TIMEZONES,
        "saved": request.query.get("saved") == "1",
        "sessions": await _sessions(request),
        "tokens": [{"row": t, "state": token_state(t)} for t in tokens],
        "token_form": {"name": "", "scope": Scope.READ_ONLY, "expires_in_days": "90"},
        "token_errors": {},
        "new_token": None,
    }
    context.update(given)
    return context


@signed_in
async def profile_page(request: web.Request) -> web.StreamResponse:
    context = await profile_context(request)
    return aiohttp_jinja2.render_template("auth/profile.html", request, context)


@signed_in
async def profile_save(request: web.Request) -> web.StreamResponse:
    me = current_user(request)
    form = await request.post()
    values = {
        k: str(form.get(k, ""))
        for k in ("language", "timezone", "current_password", "new_password")
    }
    errors: dict[str, str] = {}
    async with request.app[SESSIONMAKER].begin() as session:
        user = await get_user(session, me.id)
        if values["new_password"] and not await verify_password_async(
            user.password_hash, values["current_password"]
        ):
            errors["current_password"] = N_("Wrong password")
        data = UserInput(
            login=user.login,
            full_name=user.full_name,
            role=user.role,
            language=values["language"],
            timezone=values["timezone"],
            extension=user.extension or "",
            sees_all_clients=user.sees_all_clients,
            active=user.active,
            password=values["new_password"],
        )
        if not errors:
            try:
                user = await update_user(session, user_id=user.id, data=data, actor=me)
            except UserInvalid as exc:
                errors = exc.fields
        if errors:
            context = await profile_context(request, form=values, errors=errors, saved=False)
            return aiohttp_jinja2.render_template("auth/profile.html", request, context, status=422)
        # a new password ended every session of the user: this browser goes on in a new one
        token = await _start_session(request, session, user) if values["new_password"] else None
    if token:
        (await get_session(request))[SESSION_KEY] = token
    raise web.HTTPFound("/profile?saved=1")
