"""What every page template can use: the user, the CSRF token, the navigation."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.db import utcnow
from callcenter.users.roles import Permission
from web import i18n
from web.csrf import csrf_token
from web.keys import SETTINGS, USER


def _nav(user: Any) -> list[tuple[str, str]]:
    if user is None:
        return []
    items = [("/workspace", "Workspace")]
    if user.can(Permission.CLIENTS_VIEW):
        items.append(("/clients", "Clients"))
    if user.can(Permission.CLIENTS_IMPORT):
        items.append(("/imports", "Imports"))
    if user.can(Permission.LISTS_MANAGE):
        items.append(("/admin/lists", "Lists"))
    if user.can(Permission.USERS_MANAGE):
        items.append(("/admin/users", "Users"))
    return items


async def context_processor(request: web.Request) -> dict[str, Any]:
    user = request.get(USER)
    return {
        "request": request,
        "user": user,
        "csrf_token": await csrf_token(request),
        "language": i18n.LANGUAGE.get(),
        "nav": _nav(user),
        "Permission": Permission,
        "currency": request.app[SETTINGS].currency,
        "now": utcnow(),
    }
