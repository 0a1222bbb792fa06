"""Reading amounts as people type them, and the one rounding rule (half up, to the kopeck)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

KOPECK = Decimal("0.01")
QUANTITY_STEP = Decimal("0.001")
MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)


class NotANumber(ValueError):
    pass


def parse_decimal(text: object) -> Decimal:
    """``"1 234,5"``, ``"1234.50"`` or a number; never a float's binary value."""
    if isinstance(text, bool):
        raise NotANumber(str(text))
    if isinstance(text, int | Decimal):
        return Decimal(text)
    if isinstance(text, float):
        text = repr(text)
    raw = re.sub(r"[\s\u00a0\u202f]", "", str(text)).replace(",", ".")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]*)?|-?\.[0-9]+", raw):
        raise NotANumber(str(text))
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise NotANumber(str(text)) from None
    return value


def money(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, price: Decimal, discount_percent: Decimal) -> Decimal:
    """Quantity × price less the discount, rounded once per line."""
    gross = quantity * price
    return money(gross - gross * discount_percent / 100)
