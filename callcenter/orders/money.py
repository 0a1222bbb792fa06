"""Reading amounts as people type them, and the one rounding rule (half up, to the kopeck)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

KOPECK = Decimal("0.01")
QUANTITY_STEP = Decimal("0.001")
MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)


MAX_WHOLE_DIGITS = 14  # more than any money column a user types into holds: past it, refused


class NotANumber(ValueError):
    pass


class NumberTooLarge(NotANumber):
    """More whole digits than any money column holds (quantizing it would fail too)."""


def parse_decimal(text: object) -> Decimal:
    """``"1 234,5"``, ``"1234.50"`` or a number; never a float's binary value."""
    if isinstance(text, bool):
        raise NotANumber(str(text))
    if isinstance(text, int | Decimal):
        return _bounded(Decimal(text), str(text))
    if isinstance(text, float):
        text = repr(text)
    raw = re.sub(r"[\s\u00a0\u202f]", "", str(text)).replace(",", ".")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]*)?|-?\.[0-9]+", raw):
        raise NotANumber(str(text))
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise NotANumber(str(text)) from None
    return _bounded(value, str(text))


def _bounded(value: Decimal, text: str) -> Decimal:
    if not value.is_finite():
        raise NotANumber(text)
    if value and value.adjusted() >= MAX_WHOLE_DIGITS:
        raise NumberTooLarge(text)
    return value


def money(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, price: Decimal, discount_percent: Decimal) -> Decimal:
    """Quantity × price less the discount, rounded once per line."""
    gross = quantity * price
    return money(gross - gross * discount_percent / 100)
