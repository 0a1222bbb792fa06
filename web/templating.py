"""What every page template can use: the user, the CSRF token, the navigation."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from callcenter.db import utcnow
from callcenter.tasks.service import due_counts
from callcenter.users.roles import Permission
from web import i18n
from web.auth import answers_by_token
from web.csrf import csrf_token
from web.keys import SESSIONMAKER, SETTINGS, USER


def _nav(user: Any) -> list[tuple[str, str]]:
    """The user's menu: their daily pages, then the settings pages (``/admin/...``), which the
    page folds under one "Settings" entry."""
    if user is None:
        return []
    if user.can(Permission.PARTNER_SELF):  # a partner sees their partnership and nothing else
        return [("/my/partner", "My partnership")]
    items = [("/workspace", "Workspace")]
    if user.can(Permission.CLIENTS_VIEW):
        items.append(("/clients", "Clients"))
    if user.can(Permission.CALLS_VIEW):
        items.append(("/calls", "Calls"))
    if user.can(Permission.FLOOR_VIEW):
        items.append(("/wallboard", "Wallboard"))
    if user.can(Permission.ORDERS_VIEW):
        items.append(("/orders", "Orders"))
    if user.can(Permission.INVOICES_VIEW):
        items.append(("/invoices", "Invoices"))
    if user.can(Permission.TASKS_VIEW):
        items.append(("/tasks", "Tasks"))
    if user.can(Permission.CAMPAIGNS_VIEW):
        items.append(("/campaigns", "Campaigns"))
    if user.can(Permission.MAILINGS_VIEW):
        items.append(("/mailings", "Mailings"))
    if user.can(Permission.FEEDBACK_VIEW):
        items.append(("/feedback", "Feedback"))
    if user.can(Permission.REPORTS_VIEW):
        items.append(("/reports", "Reports"))
    if user.can(Permission.PARTNERS_VIEW):
        items.append(("/partners", "Partners"))
    if user.can(Permission.CLIENTS_IMPORT):
        items.append(("/imports", "Imports"))
    if user.can(Permission.LISTS_MANAGE):
        items.append(("/admin/lists", "Lists"))
        items.append(("/admin/marketing", "Marketing"))
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
    if user.can(Permission.COMMISSION_PLANS):
        items.append(("/admin/commission-plans", "Commission plans"))
    if user.can(Permission.MAIL_MANAGE):
        items.append(("/admin/outbox", "Outbox"))
    if user.can(Permission.WEBHOOKS_MANAGE):
        items.append(("/admin/webhooks", "Webhooks"))
    if user.can(Permission.COMPANY_MANAGE):
        items.append(("/admin/company", "Company requisites"))
    return items


async def _due_count(request: web.Request, user: Any) -> int:
    """The nav badge: the user's open tasks due now. A page never fails for want of it."""
    if user is None or not user.can(Permission.TASKS_VIEW):
        return 0
    try:
        async with request.app[SESSIONMAKER]() as session:
            return (await due_counts(session, [user.id])).get(user.id, 0)
    except (OSError, SQLAlchemyError):
        return 0


NO_PAGES = ("/api/", "/ws/", "/static/")  # paths that answer JSON, a socket or a file


async def context_processor(request: web.Request) -> dict[str, Any]:
    """The pages' shared context. aiohttp_jinja2 asks for it on every request, so a request
    that never renders a page gets none: each JSON call and websocket paid the due-task
    badge's query and a session for it."""
    if request.path.startswith(NO_PAGES) or request.path == "/health":
        return {}
    user = request.get(USER)
    menu = _nav(user)
    return {
        "request": request,
        "user": user,
        # a tracking hit's page (its 404) has no form: no session is made for a token
        "csrf_token": "" if answers_by_token(request) else await csrf_token(request),
        "language": i18n.LANGUAGE.get(),
        "nav": [item for item in menu if not item[0].startswith("/admin/")],
        "nav_settings": [item for item in menu if item[0].startswith("/admin/")],
        "due_count": await _due_count(request, user),
        "Permission": Permission,
        "currency": request.app[SETTINGS].currency,
        "now": utcnow(),
    }
