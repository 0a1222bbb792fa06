"""Every response carries the security headers: each GET route of the router (signed in as
the admin and signed out), error pages, redirects, static files and streamed downloads."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import sign_in

PLACEHOLDER = re.compile(r"\{[^}]+\}")
DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
)


def assert_secured(response: Any, where: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    policy = [part.strip() for part in headers.get("Content-Security-Policy", "").split(";")]
    for directive in DIRECTIVES:
        assert directive in policy, (where, directive, policy)
    assert not any("unsafe" in part for part in policy), where
    connect = next(part for part in policy if part.startswith("connect-src"))
    assert connect.split()[1] == "'self'" and all(
        source.startswith(("ws://127.0.0.1:", "wss://127.0.0.1:")) for source in connect.split()[2:]
    ), connect


def get_paths(app: Any) -> list[str]:
    paths = set()
    for route in app.router.routes():
        if route.method != "GET" or route.resource is None:
            continue
        canonical = route.resource.canonical
        if not canonical.startswith("/static"):
            paths.add(PLACEHOLDER.sub("1", canonical))
    return sorted(paths)


@pytest.mark.parametrize("signed_in_as", ["admin", None])
async def test_every_get_route_answers_with_the_security_headers(
    client: Any, app: Any, make_user: Any, signed_in_as: str | None
) -> None:
    if signed_in_as:
        await sign_in(client, await make_user(signed_in_as))
    paths = get_paths(app)
    assert len(paths) > 80  # the router was walked
    statuses = set()
    for path in paths:
        response = await client.get(path, allow_redirects=False)
        await response.read()
        statuses.add(response.status)
        assert_secured(response, f"GET {path} -> {response.status}")
    assert 200 in statuses and (302 in statuses or not signed_in_as)


async def test_errors_redirects_static_files_and_posts_carry_them_too(
    client: Any, make_user: Any
) -> None:
    for path in ("/no-such-page", "/static/app.js", "/static/app.css", "/clients/999999"):
        assert_secured(await client.get(path, allow_redirects=False), path)
    csrf = await sign_in(client, await make_user("manager"))
    refused = await client.post("/clients/new", data={"csrf_token": "forged"})
    assert refused.status == 403
    assert_secured(refused, "forged CSRF")
    saved = await client.post(
        "/clients/new",
        data={"csrf_token": csrf, "kind": "person", "name": "Пётр"},
        allow_redirects=False,
    )
    assert saved.status == 302
    assert_secured(saved, "a saved form's redirect")
    export = await client.get("/api/v1/clients/export", params={"format": "csv"})
    assert export.status == 200
    assert_secured(export, "a streamed export")


async def test_a_forged_host_header_cannot_write_into_the_policy(client: Any) -> None:
    for host in ("evil.example; script-src *", "a b", "x'", "\u202e", "h:1/x"):
        response = await client.get("/login", headers={"Host": host})
        policy = response.headers["Content-Security-Policy"]
        assert "script-src *" not in policy and policy.endswith("connect-src 'self'")
