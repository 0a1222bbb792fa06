"""What our columns can hold and which dates make sense: the bounds every input is held to.

PostgreSQL refuses an integer past its column, a NUL byte in text and a date past year
294276; Python refuses dates past 9999. A value past these bounds is the user's mistake
(or a probe), so it is refused with the field named before it reaches a query.

Every id is an ``Integer`` (int32) column somewhere: the audit log's ``entity_id`` keeps the
id of every entity, even of the bigint tables, so no id past int32 can ever be stored.

Money a user types is held to its own column as it is read; money worked out from it (a
line's quantity × price, a total, VAT on top, a sum of commissions) is held to the column it
is written to, read off that column's own ``Numeric(precision, scale)``, just before the
write (``fits_column``): so a column made wider or narrower moves its check with it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, localcontext
from typing import Any

from sqlalchemy import Numeric

from callcenter.errors import Invalid
from callcenter.i18n import N_

INT32_MAX = 2**31 - 1  # an Integer column: every id, every count a user types

# a sum of money columns (the report rollups' revenue and cost, a bonus share's revenue):
# an order's cost is up to 200 lines of quantity x product cost (10^9 x 10^12 each), so a
# day of millions of such orders fits in 38 whole digits: no pile of them stops a rollup
MONEY_SUM_PRECISION = 40


def money_sum() -> Numeric[Any]:
    return Numeric(MONEY_SUM_PRECISION, 2)


MAX_PAGE = 100_000  # a page further than any list goes

# a date a user gives for anything (a filter, an invoice's day, a consent's): four digits
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2200, 12, 31)
# a deadline or a reminder: the rollups bucket them by hour, from 2000 to 2100
EARLIEST_DUE = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_DUE = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)

DAY_OUT_OF_RANGE = N_("A date between 1900 and 2200")
DUE_OUT_OF_RANGE = N_("A date between 2000 and 2100")
NUMBER_TOO_LARGE = N_("The number is too large")
NUL_IN_TEXT = N_("The text contains a NUL character")
AMOUNT_TOO_LARGE = N_("The amount is too large to be stored")


class ValueOutOfRange(Invalid):
    """A value no column of ours can hold; ``fields`` names where it was given."""

    id = "value_out_of_range"

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(N_("Please correct the marked fields"), fields={name: reason})


def fits_id(value: int) -> bool:
    return 1 <= value <= INT32_MAX


def sane_day(value: date) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DAY <= day <= LATEST_DAY


def sane_due(value: datetime) -> bool:
    """A deadline within 2000..2100 (a naive time is read as UTC)."""
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return EARLIEST_DUE <= moment <= LATEST_DUE


def check_day(value: date | None, name: str) -> date | None:
    if value is not None and not sane_day(value):
        raise ValueOutOfRange(name, DAY_OUT_OF_RANGE)
    return value


def check_text(value: str, name: str) -> str:
    if "\x00" in value:
        raise ValueOutOfRange(name, NUL_IN_TEXT)
    return value


def id_in(text: str, name: str) -> int | None:
    """An id typed as digits (``?assignee=12``); None when it is not digits; past int32, refused."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) > len(str(INT32_MAX)) or int(text) > INT32_MAX:
        raise ValueOutOfRange(name, NUMBER_TOO_LARGE)
    return int(text)


def column_max(column: Any) -> Decimal:
    """The largest value a ``Numeric(p, s)`` column holds: ``Invoice.total`` -> 999999999999.99.

    ``column`` is a mapped attribute or a table's column."""
    kind = column.expression.type
    if not isinstance(kind, Numeric) or kind.precision is None or kind.scale is None:
        raise TypeError(f"{column} is not a Numeric(precision, scale) column")
    with localcontext(prec=kind.precision + 2):  # exact past the default 28 digits
        return Decimal(10) ** (kind.precision - kind.scale) - Decimal(1).scaleb(-kind.scale)


def fits_column(value: Decimal, column: Any) -> bool:
    """Whether ``value`` is stored in ``column`` as it is (a value the column would round up
    past its limit, 999999999999.995 in Numeric(14, 2), does not fit)."""
    return value.is_finite() and value.copy_abs() <= column_max(column)  # exact, no context


def check_fits(value: Decimal, column: Any, name: str, reason: str = AMOUNT_TOO_LARGE) -> Decimal:
    """``value`` if ``column`` can hold it; else ValueOutOfRange naming the field ``name``."""
    if not fits_column(value, column):
        raise ValueOutOfRange(name, reason)
    return value
