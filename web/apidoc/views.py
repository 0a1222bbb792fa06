"""``GET /api/v1/openapi.json`` and the reference page made from it (no script, no CDN)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from web.apidoc.describe import described, obj
from web.apidoc.spec import build_spec
from web.auth import signed_in

METHOD_ORDER = ("get", "post", "put", "patch", "delete", "options")


@signed_in
@described(response=obj(("openapi", "info", "paths"), openapi={"const": "3.1.0"}), tag="meta")
async def openapi_json(request: web.Request) -> web.Response:
    """This document: the OpenAPI 3.1 description of every API route."""
    return web.json_response(build_spec(request.app))


def _schema_text(schema: Any) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2)


def _answer(status: str, answer: dict[str, Any]) -> dict[str, str]:
    content = answer.get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return {
        "status": status,
        "description": answer["description"],
        "media": ", ".join(content),
        "schema": _schema_text(schema) if schema else "",
    }


def operations_by_tag(spec: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The document's operations, grouped by tag, each in path and method order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in spec["paths"].items():
        for method in METHOD_ORDER:
            op = item.get(method)
            if op is None:
                continue
            content: dict[str, Any] = op.get("requestBody", {}).get("content", {})
            media, body = next(iter(content.items()), ("", None))
            groups.setdefault(op["tags"][0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "op": op,
                    "anchor": op["operationId"].replace(".", "-"),
                    "body": _schema_text(body["schema"]) if body else "",
                    "body_media": media,
                    "responses": [_answer(status, a) for status, a in op["responses"].items()],
                }
            )
    return dict(sorted(groups.items()))


@signed_in
async def reference_page(request: web.Request) -> web.Response:
    """The API reference, readable: every operation by tag, with its parameters and bodies."""
    spec = build_spec(request.app)
    context = {
        "info": spec["info"],
        "groups": operations_by_tag(spec),
        "error_schema": _schema_text(spec["components"]["schemas"]["Error"]),
    }
    return aiohttp_jinja2.render_template("apidoc/reference.html", request, context)
