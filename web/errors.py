"""One middleware turns domain errors (and unexpected ones) into a page or a JSON body."""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web

from callcenter.errors import DomainError
from web.auth import Handler
from web.i18n import gettext
from web.templating import context_processor

log = logging.getLogger(__name__)


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/") or request.path == "/health"


def error_body(error_id: str, message: str, fields: dict[str, str] | None = None) -> dict:
    return {
        "error": error_id,
        "message": gettext(message),
        "fields": {name: gettext(text) for name, text in (fields or {}).items()},
    }


async def _respond(
    request: web.Request,
    status: int,
    error_id: str,
    message: str,
    fields: dict[str, str] | None = None,
) -> web.StreamResponse:
    if wants_json(request):
        return web.json_response(error_body(error_id, message, fields), status=status)
    # the error may come before the template context was made (in auth): make it here
    context = await context_processor(request)
    context.update(status=status, message=message, error_id=error_id, fields=fields or {})
    response = aiohttp_jinja2.render_template("error.html", request, context, status=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def error_response(request: web.Request, exc: Exception) -> web.StreamResponse:
    """The page (or JSON) for what a handler raised; an HTTP answer raised on purpose (a
    redirect) goes on up as it is."""
    if isinstance(exc, DomainError):
        message = gettext(exc.message) % exc.params if exc.params else exc.message
        return await _respond(request, exc.status, exc.id, message, exc.fields)
    if isinstance(exc, web.HTTPNotFound):
        return await _respond(request, 404, "not_found", "Page not found")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return await _respond(request, 405, "method_not_allowed", "Method not allowed")
    if isinstance(exc, web.HTTPException):
        raise exc
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return await _respond(request, 500, "internal", "Something went wrong on our side")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Exception as exc:
        return await error_response(request, exc)
