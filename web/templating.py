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
    if user.can(Permission.FLOOR_VIEW):
        items.append(("/wallboard", "Wallboard"))
    if user.can(Permission.ORDERS_VIEW):
        items.append(("/orders", "Orders"))
    if user.can(Permission.INVOICES_VIEW):
        items.append(("/invoices", "Invoices"))
    if user.can(Permission.LISTS_MANAGE):
        items.append(("/admin/lists", "Lists"))
    if user.can(Permission.USERS_MANAGE):
        items.append(("/admin/users", "Users"))
    if user.can(Permission.QUEUES_MANAGE):
        items.append(("/admin/queues", "Queues"))
    if user.can(Permission.DNC_VIEW):
        items.append(("/dnc", "Do not call"))
    if user.can(Permission.PIPELINE_MANAGE):
        items.append(("/admin/pipeline", "Pipeline"))
    if user.can(Permission.PRODUCTS_MANAGE):
        items.append(("/admin/products", "Products"))
    if user.can(Permission.MAIL_MANAGE):
        items.append(("/admin/outbox", "Outbox"))
    if user.can(Permission.COMPANY_MANAGE):
        items.append(("/admin/company", "Company requisites"))
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
