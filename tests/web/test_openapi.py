"""The API described: every /api/ route in the OpenAPI document, the document valid, its
reference page readable without any script, and the real app answering as it says
(Schemathesis over the document, signed in with an admin's API token)."""

from __future__ import annotations

import asyncio
import dis
import re
import sys
import types
from collections.abc import Iterator
from typing import Any

import hypothesis
from aiohttp import web
from openapi_spec_validator import validate

from web.apidoc.describe import NO_BODY, described, description_of, is_described, obj
from web.apidoc.spec import api_routes, build_spec
from web.values import read_json_object

ROUTE_PARAM = re.compile(r"\{(\w+)[^}]*\}")


def _router_api_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the router serves under /api/, read from the router alone."""
    found = set()
    for route in app.router.routes():
        resource = route.resource
        if resource is None or route.method in ("HEAD", "*"):
            continue
        info = resource.get_info()
        path = info.get("formatter") or info.get("path") or ""
        if path.startswith("/api/"):
            found.add((route.method.lower(), path))
    return found


async def test_every_api_route_is_in_the_document(api_as: Any, app: Any) -> None:
    client, _ = await api_as("operator")
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    spec = await response.json()
    documented = {(m, p) for p, item in spec["paths"].items() for m in item}
    routes = _router_api_routes(app)
    assert len(routes) > 90
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "the document describes routes that do not exist"


async def test_document_is_valid_openapi_3_1(app: Any) -> None:
    spec = build_spec(app)
    assert spec["openapi"] == "3.1.0"
    validate(spec)
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


async def test_every_path_parameter_is_declared_with_a_schema(app: Any) -> None:
    spec = build_spec(app)
    for path, item in spec["paths"].items():
        for method, op in item.items():
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == set(ROUTE_PARAM.findall(path)), (method, path)
    dnc = spec["paths"]["/api/v1/dnc/{id}"]["delete"]
    assert dnc["parameters"][0]["schema"]["type"] == "integer"
    assert set(dnc["responses"]) >= {"204", "401", "403", "404"}
    assert dnc["x-permissions"] == ["dnc.manage"]
    move = spec["paths"]["/api/v1/mailings/{id}/{action}"]["post"]["parameters"][1]
    assert move["schema"]["enum"] == ["pause", "resume", "cancel"]
    error = spec["paths"]["/api/v1/clients"]["post"]["responses"]["422"]
    assert error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


# -- every operation says what it takes and what it answers ---------------------------------

READERS = frozenset({"read_json", "read_json_object", "read_money_json", "post"})
WRITES = ("post", "put", "patch")


def _names_in(function: Any) -> Iterator[tuple[str, str]]:
    """``(global or attribute, name)`` of every name the function's code (and any code
    nested in it: comprehensions, inner functions) loads."""
    stack = [function.__code__]
    while stack:
        code = stack.pop()
        for step in dis.get_instructions(code):
            if step.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                yield "global", str(step.argval)
            elif step.opname in ("LOAD_ATTR", "LOAD_METHOD"):
                yield "attribute", str(step.argval)
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))


def reads_a_body(handler: Any) -> bool:
    """Whether the handler reads a request body: it, or any function of ours it calls (to
    any depth), names a JSON reader of ``web.values`` or ``request.post()``."""
    seen: set[Any] = set()
    todo = [handler]
    while todo:
        function = todo.pop()
        if function in seen or not isinstance(function, types.FunctionType):
            continue
        seen.add(function)
        loaded = set(_names_in(function))
        if {name for _, name in loaded} & READERS:
            return True
        names = {name for kind, name in loaded if kind == "global"}
        module = sys.modules[function.__module__].__dict__
        todo.extend(
            module[name]
            for name in names
            if isinstance(module.get(name), types.FunctionType)
            and module[name].__module__.startswith(("web.", function.__module__))
        )
    return False


async def _helper_reading(request: web.Request) -> dict[str, Any]:
    return await read_json_object(request)


@described(response=obj())
async def _undescribed_body(request: web.Request) -> web.Response:
    return web.json_response(await _helper_reading(request))


@described(body=NO_BODY, response=obj())
async def _bodiless(request: web.Request) -> web.Response:
    return web.json_response({"id": int(request.match_info["id"])})


def test_a_body_read_through_a_helper_is_seen_and_a_bodiless_handler_is_not() -> None:
    assert reads_a_body(_undescribed_body)
    assert description_of(_undescribed_body).body is None  # what the next test refuses
    assert not reads_a_body(_bodiless)
    assert description_of(_bodiless).body_said and description_of(_bodiless).body is None


async def test_every_operation_describes_its_body_and_its_answer(app: Any) -> None:
    """A handler that reads a body has its schema; every POST, PUT and PATCH says whether it
    takes one (``body=NO_BODY``); every JSON answer has its schema. So the next handler
    added without describing itself fails here."""
    spec = build_spec(app)
    unsaid, undescribed, unanswered = [], [], []
    for method, path, _, handler in api_routes(app):
        op, said = spec["paths"][path][method], description_of(handler)
        if method in WRITES and not (is_described(handler) and said.body_said):
            unsaid.append((method, path))
        if reads_a_body(handler) and "requestBody" not in op:
            undescribed.append((method, path))
        for status, answer in op["responses"].items():
            schema = answer.get("content", {}).get("application/json", {}).get("schema")
            if status.startswith("2") and schema == {}:
                unanswered.append((method, path, status))
    assert unsaid == [], "say body=<schema> or body=NO_BODY"
    assert undescribed == [], "reads a body the document does not describe"
    assert unanswered == [], "answers JSON the document does not describe"
    assert len(spec["paths"]["/api/v1/tasks"]["post"]["requestBody"]["content"]) == 1
    upload = spec["paths"]["/api/v1/imports"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"


async def test_document_needs_a_sign_in(client: Any) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 401
    assert (await response.json())["error"] == "not_signed_in"


async def test_reference_page_lists_every_operation_without_a_script(
    signed_in: Any, app: Any
) -> None:
    client, _, _ = await signed_in("manager")
    profile = await (await client.get("/profile")).text()
    assert 'href="/docs/api"' in profile
    response = await client.get("/docs/api")
    assert response.status == 200
    page = await response.text()
    for method, path in _router_api_routes(app):
        assert f"<code>{path}</code>" in page, (method, path)
    assert page.count('class="api-op"') == len(_router_api_routes(app))
    assert "<script>" not in page and "cdn" not in page.lower()
    assert "https://" not in page.split("<body", 1)[1]


# -- Schemathesis over the document, against the real app on the test database ------------

# examples per operation, seeded (derandomize): five where a body is generated, three where
# only path ids and query strings are (each route also gets garbage and extremes in
# tests/web/test_bad_values.py); about 110 operations, about three minutes on two busy cores
EXAMPLES = 5
EXAMPLES_WITHOUT_BODY = 3
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


def _pbx_is_off(response: Any, check: Any) -> bool:
    """The tests' app has no PBX: a call control's 503 ``pbx_unavailable`` is its documented
    answer, not a server error (its status and body are still checked against the document)."""
    if check.__name__ != "not_a_server_error" or response.status_code != 503:
        return False
    return response.json().get("error") == "pbx_unavailable"


def _run_schemathesis(spec: dict[str, Any], base_url: str, token: str) -> list[str]:
    """Each operation with a bounded, seeded run; every failure of every operation named."""
    import schemathesis
    from schemathesis.checks import load_all_checks
    from schemathesis.core.failures import FailureGroup

    load_all_checks()
    from schemathesis.checks import CHECKS as REGISTRY

    checks = [REGISTRY.get_one(name) for name in CHECKS]
    schema = schemathesis.openapi.from_dict(spec)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(
            max_examples=EXAMPLES
            if "requestBody" in operation.definition.raw
            else EXAMPLES_WITHOUT_BODY,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(case=operation.as_strategy())
        def run(case: Any) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            case.validate_response(
                response, checks=[c for c in checks if not _pbx_is_off(response, c)]
            )

        try:
            run()
        except (FailureGroup, AssertionError, Exception) as exc:  # noqa: BLE001 each is reported
            failures.append(f"{operation.label}: {exc}"[:3000])
    return failures


async def test_schemathesis_finds_no_server_error_and_no_schema_break(
    client: Any, make_user: Any, database_url: str
) -> None:
    from callcenter.db import make_engine, make_sessionmaker
    from callcenter.users.service import get_user
    from callcenter.users.tokens import create_token

    admin = await make_user("admin")
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        token = await create_token(session, user=await get_user(session, admin.id))
    await engine.dispose()
    spec = build_spec(client.app)
    base_url = str(client.make_url("")).rstrip("/")
    failures = await asyncio.to_thread(_run_schemathesis, spec, base_url, token)
    assert failures == [], "\n\n".join(failures)
