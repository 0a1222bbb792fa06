"""Every route, fed out-of-range numbers, NUL bytes, huge money and absurd dates, never says 500.

The walk reads the app's own router, so a route added tomorrow is walked too. It signs in as
an admin (a session and its CSRF token for pages, a Bearer token for the API), seeds one of
each thing so that id 1 reaches each handler, then for every route sends:

- its path with each id replaced by 2**31, 2**63, 10**20, 0 and "1\\x00" (each must be a 404);
- a query string, and a form or JSON body, with every field name our code reads set to one
  bad value at a time; a JSON 4xx that names some fields is resent without them, so the
  fields behind the first refused one are reached too;
- to the API: deeply nested JSON, a top-level array, a 5,000-digit number, bytes not UTF-8.

A 500, a traceback in a body, or a value refused only by the last line of defence (the
database's own error, caught in ``web.bad_input``) fails the test with every such request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web

from callcenter.db import make_engine, make_sessionmaker
from callcenter.reports.registry import all_reports
from callcenter.users.service import get_user
from callcenter.users.tokens import create_token
from tests.conftest import sign_in
from tests.web.bad_values_support import (
    BAD_PATH_IDS,
    BAD_PATH_WORDS,
    BAD_SCALARS,
    LONG_TEXT,
    REPORT_SCALARS,
    field_names,
    query_names,
    seed,
)

SKIPPED = {
    ("POST", "/login"),  # signing in and out is another surface with its own tests
    ("POST", "/logout"),
    ("POST", "/logout/everywhere"),  # would end the walking admin's own sessions
    ("POST", "/profile"),  # would change the walking admin's own password
    # would revoke the walking admin's own API token (its ids: tests/web/test_api_tokens.py)
    ("POST", "/profile/tokens/{id}/revoke"),
    ("GET", "/ws/live"),  # a websocket
}
NET_LOGGER = "web.bad_input"  # logs each value only the database refused
FIELD_NAMES = field_names()
QUERY_NAMES = query_names()


class Walk:
    def __init__(self, client: Any, csrf: str, token: str, operator_login: str) -> None:
        self.client, self.csrf, self.token = client, csrf, token
        self.operator_login = operator_login
        self.failures: list[str] = []
        self.sent = 0

    async def send(
        self, method: str, path: str, query: dict[str, str], body: Any, raw: bytes | None = None
    ) -> tuple[int, Any]:
        api = path.startswith("/api/")
        headers = {"Authorization": f"Bearer {self.token}"} if api else {"X-CSRF-Token": self.csrf}
        kwargs: dict[str, Any] = {"params": query, "headers": headers, "allow_redirects": False}
        if raw is not None:
            kwargs["data"] = raw
            headers["Content-Type"] = "application/json"
        elif method != "GET" and api:
            kwargs["data"] = json.dumps(body)
            headers["Content-Type"] = "application/json"
        elif method != "GET":
            kwargs["data"] = {**body, "csrf_token": self.csrf}
        self.sent += 1
        response = await self.client.request(method, path, **kwargs)
        text = await response.text(errors="replace")
        no_pbx = response.status == 503 and "pbx_unavailable" in text  # the PBX is off here
        if path == "/health" and response.status == 503 and '"problems"' in text:
            no_pbx = True  # /health's own answer for a busy machine, not a failure
        if (response.status >= 500 and not no_pbx) or "Traceback" in text:
            shown = raw[:60] if raw is not None else _short(body or query)
            self.failures.append(f"{response.status} {method} {path} {shown}: {text[:200]}")
        payload = None
        if response.content_type == "application/json":
            try:
                payload = json.loads(text)
            except ValueError:
                payload = None
        return response.status, payload

    async def peel(self, method: str, path: str, value: Any, names: list[str]) -> None:
        """Send every field as ``value``; drop the fields a JSON 4xx names and send again."""
        api = path.startswith("/api/")
        for _ in range(8):
            if method == "GET":
                query, body = {n: str(value) for n in names}, {}
            else:
                query, body = {}, _body(names, value, api=api)
            status, payload = await self.send(method, path, query, body)
            named = set((payload or {}).get("fields") or {}) if 400 <= status < 500 else set()
            named = {n.split(".")[0] for n in named} & set(names)
            if not named:
                return
            names = [n for n in names if n not in named]


def _short(value: Any) -> str:
    return repr(value)[:160]


def _body(names: list[str], value: Any, *, api: bool) -> dict[str, Any]:
    if not api:
        return {n: str(value) for n in names}
    body: dict[str, Any] = {n: value for n in names}
    nested = {n: value for n in ("id", "description", "quantity", "price", "name", "number")}
    body.update(
        lines=[nested | {"product_id": value, "discount_percent": value, "discount": value}],
        phones=[value, {"number": value, "kind": value}],
        emails=[value],
        tags=[value],
        dispositions=[{"code": value, "name": value, "kind": value}],
        client={"id": value},
    )
    return body


def _paths(resource: web.AbstractResource, fill: dict[str, str]) -> list[str]:
    """The resource's path with its parameters filled from ``fill`` (a report: every name)."""
    formatter = resource.get_info().get("formatter") or resource.canonical
    if "{name}" in formatter:
        return [formatter.format(**fill, name=spec.name) for spec in all_reports()]
    return [formatter.format(**fill)]


def _fill(formatter: str, walk: Walk) -> dict[str, str]:
    good = {"id": "1", "payment": "1", "entry": "1", "kind": "channel", "action": "pause"}
    good |= {"linkedid": "1700000000.1", "login": walk.operator_login, "queue": "sales"}
    good["token"] = "1.not-a-signature"  # a mailing's unsubscribe link (a true one: its tests)
    good["code"] = "WALK1"  # a partner's referral link (bad_values_support makes that partner)
    if formatter.startswith("/admin/users/"):
        good["id"] = "2"  # the operator: the walking admin must not lock itself out
    return good


def _routes(app: web.Application) -> list[tuple[str, web.AbstractResource]]:
    routes = []
    for route in app.router.routes():
        formatter = route.resource.canonical if route.resource else ""
        if route.method == "HEAD" or formatter.startswith("/static"):
            continue
        if (route.method, formatter) in SKIPPED:
            continue
        routes.append((route.method, route.resource))
    return routes


async def _bad_paths(walk: Walk, method: str, resource: web.AbstractResource) -> None:
    formatter = resource.canonical
    fill = _fill(formatter, walk)
    for name in [p for p in fill if "{" + p + "}" in formatter]:
        bad_values = BAD_PATH_IDS if name in ("id", "payment", "entry") else BAD_PATH_WORDS
        for bad in bad_values:
            path = _paths(resource, fill | {name: bad if "%" in bad else quote(bad)})[0]
            status, _ = await walk.send(method, path, {}, {} if method == "GET" else {})
            # an id past int32 names nothing; "1\x00" is no id at all (a form post to a path
            # that is no route is refused by CSRF before anything: 403)
            if name in ("id", "payment", "entry") and "%" not in bad and status not in (404, 405):
                walk.failures.append(f"{status} (not 404) {method} {path}")


BAD_BODIES = (
    b"[" * 50_000 + b"]" * 50_000,  # RecursionError in json.loads
    b'{"a":' * 40 + b"1" + b"}" * 40,  # parses, deeper than any body of ours
    b"[1, 2]",  # an array where an object is expected
    b"1" * 5000,  # past Python's 4,300 digits for int()
    b'{"amount": NaN, "name": "x"}',
    b'{"amount": 1e400}',
    b"\xff\xfe{}",  # not UTF-8
    b'{"name": "\\u0000", "title": "a\\u0000b", "notes": "\\u0000"}',
)


async def _bad_json(walk: Walk, method: str, path: str) -> None:
    for raw in BAD_BODIES:
        await walk.send(method, path, {}, None, raw=raw)


async def _walk_path(walk: Walk, method: str, path: str, values: tuple[Any, ...]) -> None:
    names = QUERY_NAMES if method == "GET" else FIELD_NAMES
    for value in values if method == "GET" else (*values, LONG_TEXT):
        await walk.peel(method, path, value, names)
    if path.startswith("/api/") and method != "GET":
        await _bad_json(walk, method, path)


@pytest.fixture
async def walk(
    client: Any, make_user: Any, settings: Any, db_session: Any, database_url: str
) -> Walk:
    admin = await make_user("admin", login="walker")
    operator = await make_user("operator", login="op1", extension="101")
    csrf = await sign_in(client, admin)
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        token = await create_token(session, user=await get_user(session, admin.id))
        await session.commit()
        await seed(session, await get_user(session, admin.id), settings)
    await engine.dispose()
    return Walk(client, csrf, token, operator.login)


async def test_no_route_answers_500_to_out_of_range_numbers_nul_bytes_and_absurd_dates(
    walk: Walk, app: web.Application, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=NET_LOGGER)
    started = time.monotonic()
    gate = asyncio.Semaphore(6)  # the database's round trips overlap; the answers do not mix

    async def one(job: Awaitable[None]) -> None:
        async with gate:
            await job

    jobs: list[Awaitable[None]] = []
    for method, resource in _routes(app):
        jobs.append(_bad_paths(walk, method, resource))
        for index, path in enumerate(_paths(resource, _fill(resource.canonical, walk))):
            values = BAD_SCALARS if index == 0 else REPORT_SCALARS
            jobs.append(_walk_path(walk, method, path, values))
    await asyncio.gather(*(one(job) for job in jobs))
    elapsed = time.monotonic() - started
    netted = [r.getMessage() for r in caplog.records if r.name == NET_LOGGER]
    problems = walk.failures + [f"refused only by the database: {m}" for m in netted]
    assert not problems, f"{len(problems)} of {walk.sent} requests:\n" + "\n".join(problems)
    assert walk.sent > 2500, walk.sent  # the walk really walked
    print(f"{walk.sent} requests in {elapsed:.1f} s")
