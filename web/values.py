"""Reading one value from a query string, a form or a JSON body, held to what we can store.

Every whole number, id, time and day a request gives goes through here, so none reaches a
query out of its column's range: a number past it is a 422 naming the field (a path id past
it is a plain 404, in ``web.bad_input``). Text that is not digits at all stays "not given",
as the filters always read it. Every posted form is read by ``read_form``: one the parser
cannot read (a part's header broken, no boundary) is a 400. Every JSON body is read by
``read_json``: nested at most ``MAX_DEPTH`` deep (deeper is a 400, never a RecursionError),
and no NUL byte, NaN, Infinity or number of absurd length anywhere in it (a 422 naming
where).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy

from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.limits import (
    DAY_OUT_OF_RANGE,
    DUE_OUT_OF_RANGE,
    INT32_MAX,
    MAX_PAGE,
    NUL_IN_TEXT,
    NUMBER_TOO_LARGE,
    ValueOutOfRange,
    sane_day,
    sane_due,
)

TIME_FORMAT = N_("Times are ISO 8601, e.g. 2025-03-01T15:30:00+03:00")
DAY_FORMAT = N_("Dates are given as YYYY-MM-DD")
REF_FORMAT = N_("References are given by numeric id")
NOT_AN_OBJECT = N_("The body must be a JSON object")
NOT_A_NUMBER = N_("Not a number")
TOO_DEEP = N_("JSON too deeply nested")
MALFORMED_FORM = N_("The form is malformed")
MAX_DEPTH = 32  # our deepest body (a campaign's retry rules) is 3
MAX_DIGITS = 40  # past any Numeric of ours; int() of 4,300 digits is refused by Python itself


class TooDeep(BadRequest):
    id = "json_too_deep"


class MalformedForm(BadRequest):
    id = "malformed_form"


class _Absurd:
    """A JSON number no column holds (NaN, Infinity, 10**5000), kept to name where it was."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def parse_int(value: Any, name: str, *, high: int = INT32_MAX) -> int | None:
    """Digits into an int up to ``high``; None when empty or not digits; past it, refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value) if value >= 0 else ""
    else:
        text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) > len(str(high)) or int(text) > high:  # len first: no 5,000-digit int()
        raise ValueOutOfRange(name, NUMBER_TOO_LARGE)
    return int(text)


def int_field(source: Mapping[str, Any], name: str, *, high: int = INT32_MAX) -> int | None:
    """``source[name]`` (a query string, a form) as a whole number up to ``high``."""
    return parse_int(source.get(name), name, high=high)


def page_field(source: Mapping[str, Any]) -> int:
    return int_field(source, "page", high=MAX_PAGE) or 1


def per_page_field(source: Mapping[str, Any], *, default: int = 50, most: int = 200) -> int:
    return min(int_field(source, "per_page") or default, most)


def ref(value: Any, name: str) -> int | None:
    """A JSON reference: an id, its digits, or ``{"id": ...}``; None when null or empty."""
    if isinstance(value, dict):
        value = value.get("id")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest(REF_FORMAT, fields={name: REF_FORMAT})
    number = parse_int(value, name)
    if number is None:
        raise BadRequest(REF_FORMAT, fields={name: REF_FORMAT})
    return number


def moment(value: Any, name: str, *, due: bool = False) -> datetime | None:
    """An ISO 8601 time within 1900..2200 (``due``: a deadline, 2000..2100); one without an
    offset is read as UTC."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise BadRequest(TIME_FORMAT, fields={name: TIME_FORMAT}) from None
    if due and not sane_due(parsed):
        raise ValueOutOfRange(name, DUE_OUT_OF_RANGE)
    if not sane_day(parsed):
        raise ValueOutOfRange(name, DAY_OUT_OF_RANGE)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(value: Any, name: str) -> date | None:
    """A YYYY-MM-DD day within 1900..2200; None when empty."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        raise BadRequest(DAY_FORMAT, fields={name: DAY_FORMAT}) from None
    if not sane_day(parsed):
        raise ValueOutOfRange(name, DAY_OUT_OF_RANGE)
    return parsed


def id_list(value: Any, name: str) -> list[int]:
    """A JSON list of ids, each within an id column's range."""
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise BadRequest(N_("A list of numeric ids is expected"), fields={name: N_("Not ids")})
    if not all(0 <= v <= INT32_MAX for v in value):
        raise ValueOutOfRange(name, NUMBER_TOO_LARGE)
    return list(value)


def _big_int(text: str) -> Any:
    return _Absurd(NUMBER_TOO_LARGE) if len(text.lstrip("-")) > MAX_DIGITS else int(text)


def _constant(_text: str) -> Any:
    return _Absurd(NOT_A_NUMBER)  # NaN, Infinity, -Infinity


def _walk(body: Any) -> None:
    """Every value of a parsed body, without recursion: too deep, NUL, NaN and the like."""
    stack: list[tuple[str, Any, int]] = [("", body, 0)]
    while stack:
        where, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TooDeep(TOO_DEEP)
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


async def read_json(request: web.Request, *, parse_float: Callable[[str], Any] = float) -> Any:
    """The request's JSON body, checked: not too deep, no NUL, no NaN/Infinity, no number of
    absurd length; each refused naming where it is (``lines.0.price``)."""
    raw = await request.read()
    try:
        body = json.loads(
            raw, parse_int=_big_int, parse_constant=_constant, parse_float=parse_float
        )
    except RecursionError:
        raise TooDeep(TOO_DEEP) from None
    except ValueError:  # not JSON, or not UTF-8
        raise BadRequest(NOT_AN_OBJECT) from None
    _walk(body)
    return body


async def read_json_object(
    request: web.Request, *, parse_float: Callable[[str], Any] = float
) -> dict[str, Any]:
    """``read_json``, refusing anything but an object; no body at all is an empty one."""
    if not request.body_exists or not (await request.read()).strip():
        return {}
    body = await read_json(request, parse_float=parse_float)
    if not isinstance(body, dict):
        raise BadRequest(NOT_AN_OBJECT)
    return body


async def read_form(request: web.Request) -> MultiDictProxy[Any]:
    """The posted form (URL-encoded or multipart), read once and kept by aiohttp; one the
    parser cannot read is a 400 (aiohttp raises its own protocol errors, or ValueError)."""
    try:
        return await request.post()
    except (HttpProcessingError, ValueError):
        raise MalformedForm(MALFORMED_FORM) from None


def close_files(form: MultiDictProxy[Any]) -> None:
    """Close every file aiohttp spooled from the form (closing one twice is harmless): a
    handler that refused the form before reading its file would otherwise leak it."""
    for value in form.values():
        if isinstance(value, web.FileField):
            value.file.close()


async def read_money_json(request: web.Request) -> dict[str, Any]:
    """A JSON object whose numbers are read as Decimal, never as binary floats."""
    return await read_json_object(request, parse_float=Decimal)
