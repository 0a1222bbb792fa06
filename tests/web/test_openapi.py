"""The API described: every /api/ route in the OpenAPI document, the document valid, its
reference page readable without any script, and the real app answering as it says
(Schemathesis over the document, signed in with an admin's API token)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import hypothesis
from openapi_spec_validator import validate

from web.apidoc.spec import build_spec

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

EXAMPLES = 5  # per operation: about a hundred operations, two minutes or so in all
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
            max_examples=EXAMPLES,
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
