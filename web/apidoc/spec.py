"""The OpenAPI 3.1 document of every ``/api/`` route, made from the app itself.

Methods, paths and path parameters come from the router (a ``{id:\\d+}`` is an integer id,
an ``{action:pause|resume}`` an enum, a bare ``{login}`` any one path segment); who may call
from the access decorator (``web.auth``); the summary and description from the handler's
docstring; the rest from the handler's own ``@described`` (``web.apidoc.describe``). Every
error is the one JSON shape ``web.errors`` answers. Nothing here is kept by hand per route,
so no route can be left out; ``tests/web/test_openapi.py`` walks the router and checks.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from aiohttp import web

from callcenter.limits import INT32_MAX
from web.apidoc.describe import ERROR as ERROR_SHAPE
from web.apidoc.describe import JSON, Description, Schema, description_of
from web.auth import ACCESS, BY_TOKEN, PUBLIC, SIGNED_IN

API_PREFIX = "/api/"
GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")  # a named group of a path pattern
WORDS = re.compile(r"^\w+(\|\w+)*$")
ERROR = "#/components/schemas/Error"
# what any API route may answer whatever its handler: a body that is not JSON or not the
# right shape (400), nobody signed in (401), a role or a read-only token refused (403),
# nothing with that id (404, also for ids past any column), a field refused (422)
COMMON_ERRORS = (400, 401, 403, 404, 422)
WRITE_ERRORS = (409,)  # a change the thing's state does not allow (a closed task, a duplicate)
ERROR_TEXT = {
    400: "The request is malformed (not JSON, not the right shape)",
    401: "No valid API token or session",
    403: "The user's role, or a read-only token, does not allow this",
    404: "No such thing",
    409: "It conflicts with what is there (a duplicate, a state that does not allow it)",
    422: "A field is refused: `fields` names each with its reason",
    429: "Too many requests: try again later",
    503: "The PBX (or another service it needs) cannot be reached now",
}
DEFAULT_OK = {"get": 200, "post": 200, "put": 200, "patch": 200, "delete": 204, "options": 204}


def api_routes(app: web.Application) -> list[tuple[str, str, dict[str, str], Any]]:
    """``(method, path template, {parameter: its regex}, handler)`` of every API route (HEAD
    rides along with GET)."""
    found = []
    for route in app.router.routes():
        resource = route.resource
        if resource is None or route.method in ("HEAD", "*"):
            continue
        if not resource.canonical.startswith(API_PREFIX):
            continue
        info = resource.get_info()
        pattern = info.get("pattern")
        params = {m[1]: m[2] for m in GROUP.finditer(pattern.pattern)} if pattern else {}
        path = info.get("formatter") or info.get("path") or resource.canonical
        found.append((route.method.lower(), path, params, route.handler))
    return found


def _param_schema(regex: str | None) -> Schema:
    if regex == r"\d+":
        return {"type": "integer", "minimum": 1, "maximum": INT32_MAX}
    if regex and WORDS.match(regex):
        return {"type": "string", "enum": regex.split("|")}
    if regex and regex != "[^{}/]+":
        return {"type": "string", "pattern": f"^{regex}$"}
    return {"type": "string", "pattern": "^[^/]+$", "minLength": 1}  # any one path segment


def path_parameters(params: dict[str, str]) -> list[Schema]:
    return [
        {"name": name, "in": "path", "required": True, "schema": _param_schema(regex)}
        for name, regex in params.items()
    ]


def _docstring(handler: Any) -> tuple[str, str]:
    doc = inspect.getdoc(handler) or ""
    first, _, rest = doc.partition("\n\n")
    summary = " ".join(first.split()) or handler.__name__.replace("_", " ").strip().capitalize()
    return summary, rest.strip()


def _access(handler: Any) -> tuple[list[dict[str, list[str]]] | None, list[str]]:
    access = getattr(getattr(handler, "__func__", handler), ACCESS, None)
    if access in (PUBLIC, BY_TOKEN):
        return [], []
    if access == SIGNED_IN or not access:
        return None, []
    return None, sorted(str(p) for p in access)


def _responses(method: str, described: Description) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in described.ok or (DEFAULT_OK[method],):
        if status == 204:
            responses["204"] = {"description": "Done; no body"}
            continue
        schema = described.response or {}
        content = {m: {"schema": schema} if m == JSON else {} for m in described.content}
        responses[str(status)] = {"description": "Success", "content": content}
    writes = WRITE_ERRORS if method != "get" else ()
    for status in sorted({*COMMON_ERRORS, *writes, *described.errors}):
        responses[str(status)] = {
            "description": ERROR_TEXT.get(status, "Refused"),
            "content": {JSON: {"schema": {"$ref": ERROR}}},
        }
    return responses


def operation(method: str, path: str, params: dict[str, str], handler: Any) -> dict[str, Any]:
    described = description_of(handler)
    summary, text = _docstring(handler)
    security, permissions = _access(handler)
    module = handler.__module__.rsplit(".", 1)[-1]
    op: dict[str, Any] = {
        "operationId": f"{module}.{handler.__name__}.{method}",
        "summary": summary,
        "tags": [described.tag or path.split("/")[3]],
        "parameters": [*path_parameters(params), *described.query],
        "responses": _responses(method, described),
    }
    if text:
        op["description"] = text
    if security is not None:
        op["security"] = security
    if permissions:
        op["x-permissions"] = permissions
    if described.body is not None:
        op["requestBody"] = {
            "required": described.body_required,
            "content": {described.media: {"schema": described.body}},
        }
    return op


def build_spec(app: web.Application, *, version: str = "1") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, params, handler in sorted(api_routes(app), key=lambda r: (r[1], r[0])):
        paths.setdefault(path, {})[method] = operation(method, path, params, handler)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CallCenter CRM API",
            "version": version,
            "description": (
                "Call with an API token: `Authorization: Bearer <token>` (made on the Profile "
                "page; a read-only token may only GET). Every error is one JSON shape, "
                "`{error, message, fields}`: `error` a stable id, `message` for people (in the "
                "user's language), `fields` each refused field with its reason. Lists answer "
                "`{items, total, page, per_page}`."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SHAPE},
        },
    }
