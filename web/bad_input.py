"""Values no handler should see: ids past their column, NUL bytes, JSON too deep or absurd.

The innermost middleware, so it sees the request the handler gets (an upload's larger-body
clone included) and wraps the handler alone. Before the handler:

- a path id outside 1..2**31-1 (a ``\\d+`` parameter) is a 404: no such thing can exist;
- a NUL byte in a query string or a page's form field is a 422 naming the field: PostgreSQL
  cannot store one in text. (JSON bodies are checked where they are read: ``read_json`` in
  ``web.values``; reading one here would leave the handler a body it cannot read again.)

After it, the last line of defence: a value only the database refused (a ``DataError``: an
integer or date past its column, a NUL byte, text past its length) or a date past Python's
is a 422, and a body too deep for a handler reading it itself a 400; each is logged with the
path, and neither SQL nor a trace is ever shown. Each such log line is a parsing gap that
``web.values`` should close: the route-by-route test (``tests/web/test_bad_values.py``) fails
on any. Bodies stay capped by aiohttp's 1 MB ``client_max_size`` (uploads: ``web.imports``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import asyncpg
from aiohttp import web
from multidict import MultiMapping
from sqlalchemy.exc import DBAPIError

from callcenter.errors import Invalid, NotFound
from callcenter.i18n import N_
from callcenter.limits import INT32_MAX, NUL_IN_TEXT, ValueOutOfRange
from web.auth import Handler
from web.values import TOO_DEEP, TooDeep, close_files, read_form

log = logging.getLogger(__name__)
ID_PARAM = re.compile(r"\(\?P<(\w+)>\\d\+\)")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


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
    api = request.path.startswith("/api/")
    if request.match_info.http_exception is None:
        _check_path(request)
    _check_fields(request.query)
    form = None
    if request.content_type in FORMS and request.method == "POST" and not api:
        form = await read_form(request)  # what every page's handler reads: it is kept
        _check_fields(form)
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
    except RecursionError:  # a body read by a handler of its own, not by ``read_json``
        log.warning("JSON too deeply nested on %s %s", request.method, request.path)
        raise TooDeep(TOO_DEEP) from None
    except OverflowError as exc:
        log.warning("a value out of range on %s %s: %s", request.method, request.path, exc)
        raise Invalid(N_("A value is out of range")) from None
    finally:
        if form is not None:
            close_files(form)
