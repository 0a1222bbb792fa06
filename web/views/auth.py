"""Sign in and out, and each user's own profile (language, time zone, password)."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from callcenter.errors import DomainError
from callcenter.i18n import N_
from callcenter.users.exceptions import UserInvalid
from callcenter.users.passwords import verify_password_async
from callcenter.users.service import UserInput, authenticate, get_user, update_user
from web.auth import current_user, password_version, public, signed_in
from web.keys import SESSIONMAKER, SETTINGS, USER

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


@signed_in
async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/clients")


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
    form = await request.post()
    login_name = str(form.get("login", ""))
    settings = request.app[SETTINGS]
    next_url = _safe_next(str(form.get("next", "")))
    async with request.app[SESSIONMAKER]() as session:
        try:
            user = await authenticate(
                session,
                login=login_name,
                password=str(form.get("password", "")),
                max_failures=settings.login_max_failures,
                lockout_seconds=settings.login_lockout_seconds,
            )
        except DomainError as exc:
            await session.commit()  # keep the failure count
            context = {"error": exc.message, "login": login_name, "next": next_url}
            return aiohttp_jinja2.render_template(
                "auth/login.html", request, context, status=exc.status
            )
        await session.commit()
    web_session = await new_session(request)  # a fresh session id: no fixation
    web_session["uid"] = user.id
    web_session["pwv"] = password_version(user)
    raise web.HTTPFound(next_url)


@signed_in
async def logout(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPFound("/login")


@signed_in
@aiohttp_jinja2.template("auth/profile.html")
async def profile_page(request: web.Request) -> dict:
    user = current_user(request)
    return {
        "form": {"language": user.language, "timezone": user.timezone},
        "errors": {},
        "timezones": COMMON_TIMEZONES,
        "saved": request.query.get("saved") == "1",
    }


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
            context = {
                "form": values,
                "errors": errors,
                "timezones": COMMON_TIMEZONES,
                "saved": False,
            }
            return aiohttp_jinja2.render_template("auth/profile.html", request, context, status=422)
    if values["new_password"]:
        (await get_session(request))["pwv"] = password_version(user)
    raise web.HTTPFound("/profile?saved=1")
