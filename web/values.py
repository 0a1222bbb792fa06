"""Reading one value from a query string, a form or a JSON body, held to what we can store.

Every whole number, id, time and day a request gives goes through here, so none reaches a
query out of its column's range: a number past it is a 422 naming the field (a path id past
it is a plain 404, in ``web.bad_input``). Text that is not digits at all stays "not given",
as the filters always read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.limits import (
    DAY_OUT_OF_RANGE,
    INT32_MAX,
    MAX_PAGE,
    NUMBER_TOO_LARGE,
    ValueOutOfRange,
    sane_day,
)

TIME_FORMAT = N_("Times are ISO 8601, e.g. 2025-03-01T15:30:00+03:00")
DAY_FORMAT = N_("Dates are given as YYYY-MM-DD")
REF_FORMAT = N_("References are given by numeric id")


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


def moment(value: Any, name: str) -> datetime | None:
    """An ISO 8601 time within 1900..2200; one without an offset is read as UTC."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise BadRequest(TIME_FORMAT, fields={name: TIME_FORMAT}) from None
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
