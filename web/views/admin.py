"""Admin pages: users (with roles, extensions, API tokens) and the managed lists."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.clients import lists
from callcenter.clients.exceptions import ClientInvalid
from callcenter.users.exceptions import UserInvalid
from callcenter.users.roles import Permission, Role
from callcenter.users.service import (
    UserInput,
    create_user,
    get_user,
    list_users,
    update_user,
)
from callcenter.users.tokens import create_token
from web.auth import current_user, requires
from web.forms import form_bool
from web.keys import SESSIONMAKER
from web.values import int_field
from web.views.auth import COMMON_TIMEZONES

USER_FIELDS = ("login", "full_name", "role", "language", "timezone", "extension", "password")


def _user_input(form: Any) -> UserInput:
    return UserInput(
        **{f: str(form.get(f, "")) for f in USER_FIELDS},
        sees_all_clients=form_bool(form, "sees_all_clients"),
        active=form_bool(form, "active"),
    )


def _user_context(
    form: UserInput, user_id: int | None, errors: dict[str, str], message: str = ""
) -> dict[str, Any]:
    return {
        "form": form,
        "user_id": user_id,
        "errors": errors,
        "message": message,
        "roles": list(Role),
        "timezones": COMMON_TIMEZONES,
        "token": None,
    }


@requires(Permission.USERS_MANAGE)
@aiohttp_jinja2.template("admin/users.html")
async def user_list(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        return {"users": await list_users(session)}


@requires(Permission.USERS_MANAGE)
@aiohttp_jinja2.template("admin/user_form.html")
async def user_new_page(request: web.Request) -> dict[str, Any]:
    return _user_context(UserInput(), None, {})


@requires(Permission.USERS_MANAGE)
async def user_create(request: web.Request) -> web.StreamResponse:
    data = _user_input(await request.post())
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await create_user(session, data=data, actor=current_user(request))
    except UserInvalid as exc:
        data.password = ""
        return aiohttp_jinja2.render_template(
            "admin/user_form.html",
            request,
            _user_context(data, None, exc.fields, exc.message),
            status=422,
        )
    raise web.HTTPFound("/admin/users")


@requires(Permission.USERS_MANAGE)
@aiohttp_jinja2.template("admin/user_form.html")
async def user_edit_page(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        user = await get_user(session, int(request.match_info["id"]))
    form = UserInput(
        login=user.login,
        full_name=user.full_name,
        role=user.role,
        language=user.language,
        timezone=user.timezone,
        extension=user.extension or "",
        sees_all_clients=user.sees_all_clients,
        active=user.active,
    )
    return _user_context(form, user.id, {})


@requires(Permission.USERS_MANAGE)
async def user_update(request: web.Request) -> web.StreamResponse:
    user_id = int(request.match_info["id"])
    data = _user_input(await request.post())
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await update_user(session, user_id=user_id, data=data, actor=current_user(request))
    except UserInvalid as exc:
        data.password = ""
        return aiohttp_jinja2.render_template(
            "admin/user_form.html",
            request,
            _user_context(data, user_id, exc.fields, exc.message),
            status=422,
        )
    raise web.HTTPFound("/admin/users")


@requires(Permission.USERS_MANAGE)
async def user_token(request: web.Request) -> web.StreamResponse:
    """Issue an API token for a user; it is shown once on the page and stored only hashed."""
    user_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        user = await get_user(session, user_id)
        token = await create_token(session, user=user, name="issued in the admin pages")
    form = UserInput(
        login=user.login,
        full_name=user.full_name,
        role=user.role,
        language=user.language,
        timezone=user.timezone,
        extension=user.extension or "",
        sees_all_clients=user.sees_all_clients,
        active=user.active,
    )
    context = _user_context(form, user.id, {})
    context["token"] = token
    response = aiohttp_jinja2.render_template("admin/user_form.html", request, context)
    response.headers["Cache-Control"] = "no-store"
    return response


@requires(Permission.LISTS_MANAGE)
@aiohttp_jinja2.template("admin/lists.html")
async def lists_page(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        return {
            "channels": await lists.list_entries(session, "channel"),
            "segments": await lists.list_entries(session, "segment"),
            "errors": {},
            "failed_kind": None,
            "typed": "",
        }


@requires(Permission.LISTS_MANAGE)
async def list_save(request: web.Request) -> web.StreamResponse:
    kind = request.match_info["kind"]
    form = await request.post()
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await lists.save_entry(
                session,
                kind,
                name=str(form.get("name", "")),
                entry_id=int_field(form, "id"),
                active=form_bool(form, "active"),
                actor=current_user(request),
            )
    except ClientInvalid as exc:
        async with request.app[SESSIONMAKER]() as session:
            context = {
                "channels": await lists.list_entries(session, "channel"),
                "segments": await lists.list_entries(session, "segment"),
                "errors": exc.fields,
                "failed_kind": kind,
                "typed": str(form.get("name", "")),
            }
        return aiohttp_jinja2.render_template("admin/lists.html", request, context, status=422)
    raise web.HTTPFound("/admin/lists")
