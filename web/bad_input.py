"""Values no handler should see: ids past their column, NUL bytes, JSON too deep or absurd.

The innermost middleware, so it sees the request the handler gets (an upload's larger-body
clone included) and wraps the handler alone. Before the handler:

- a path id outside 1..2**31-1 (a ``\\d+`` parameter) is a 404: no such thing can exist;
- a NUL byte in a query string or a form field is a 422 naming the field: PostgreSQL cannot
  store one in text;
- an API body is read once as JSON with its nesting, NUL bytes, NaN/Infinity and numbers of
  absurd length checked; each refused with where it is (``lines.0.price``). A body that is
  not JSON is left to the handler, which says so.

After it, the last line of defence: a value only the database refused (a ``DataError``: an
integer or date past its column, a NUL byte) or a date past Python's is a 422, logged with
the path and never shown. Each such log line is a parsing gap that ``web.values`` should close:
the route-by-route test fails on any.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

import asyncpg
from aiohttp import web
from multidict import MultiMapping
from sqlalchemy.exc import DBAPIError

from callcenter.errors import BadRequest, Invalid, NotFound
from callcenter.i18n import N_
from callcenter.limits import INT32_MAX, NUL_IN_TEXT, NUMBER_TOO_LARGE, ValueOutOfRange
from web.auth import Handler

log = logging.getLogger(__name__)
MAX_DEPTH = 32  # our deepest body (a campaign's retry rules) is 3
MAX_DIGITS = 40  # past any Numeric of ours; int() of 4,300 digits is refused by Python itself
ID_PARAM = re.compile(r"\(\?P<(\w+)>\\d\+\)")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
NOT_A_NUMBER = N_("Not a number")


class TooDeep(BadRequest):
    id = "json_too_deep"


class _Absurd:
    """A JSON number no column holds (NaN, Infinity, 10**5000), kept to name where it was."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _id_params(request: web.Request) -> list[str]:
    resource = request.match_info.route.resource
    pattern = resource.get_info().get("pattern") if resource is not None else None
    return ID_PARAM.findall(pattern.pattern) if pattern is not None else []


def _check_path(request: web.Request) -> None:
    if any("\x00" in value for value in request.match_info.values()):
        raise NotFound(N_("Page not found"))
    for name in _id_params(request):
        raw = request.match_info[name]
        if len(raw) > len(str(INT32_MAX)) or not 1 <= int(raw) <= INT32_MAX:
            raise NotFound(N_("Page not found"))


def _check_fields(fields: MultiMapping[Any]) -> None:
    for name, value in fields.items():
        if "\x00" in name:
            raise ValueOutOfRange(name.replace("\x00", ""), NUL_IN_TEXT)
        if isinstance(value, str) and "\x00" in value:
            raise ValueOutOfRange(name, NUL_IN_TEXT)


def _big_int(text: str) -> Any:
    return _Absurd(NUMBER_TOO_LARGE) if len(text.lstrip("-")) > MAX_DIGITS else int(text)


def _constant(_text: str) -> Any:
    return _Absurd(NOT_A_NUMBER)


def _walk(body: Any) -> None:
    """Every value of a parsed body, without recursion: too deep, NUL, NaN and the like."""
    stack: list[tuple[str, Any, int]] = [("", body, 0)]
    while stack:
        where, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TooDeep(N_("JSON too deeply nested"))
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(where, key)
                stack.append((f"{where}.{key}" if where else key, item, depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (f"{where}.{i}" if where else str(i), v, depth + 1) for i, v in enumerate(value)
            )
        elif isinstance(value, str):
            _check_text(where, value)
        elif isinstance(value, _Absurd):
            raise ValueOutOfRange(where or "body", value.reason)
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValueOutOfRange(where or "body", NOT_A_NUMBER)


def _check_text(where: str, text: str) -> None:
    if "\x00" in text:
        raise ValueOutOfRange(where or "body", NUL_IN_TEXT)


async def _check_json(request: web.Request) -> None:
    raw = await request.read()  # kept by aiohttp: the handler's own request.json() reuses it
    if not raw.strip():
        return
    try:
        body = json.loads(raw, parse_int=_big_int, parse_constant=_constant)
    except RecursionError:
        raise TooDeep(N_("JSON too deeply nested")) from None
    except ValueError:  # not JSON, or not UTF-8: the handler refuses it in its own words
        return
    _walk(body)


def _refused_by_database(exc: BaseException) -> bool:
    """A value the database (or its driver) could not take, anywhere in the cause chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, asyncpg.DataError | asyncpg.exceptions._base.DataError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@web.middleware
async def bad_input_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.match_info.http_exception is None:
        _check_path(request)
    _check_fields(request.query)
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.can_read_body:
        if request.content_type in FORMS:
            _check_fields(await request.post())
        elif request.path.startswith("/api/") or request.content_type == "application/json":
            await _check_json(request)
    try:
        return await handler(request)
    except DBAPIError as exc:
        if not _refused_by_database(exc):
            raise
        log.warning(
            "a value only the database refused on %s %s: %s", request.method, request.path, exc.orig
        )
        raise Invalid(
            N_("A value is out of range or holds a character that cannot be stored")
        ) from None
    except OverflowError as exc:
        log.warning("a value out of range on %s %s: %s", request.method, request.path, exc)
        raise Invalid(N_("A value is out of range")) from None
