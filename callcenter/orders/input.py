"""What a user submits for an order, and its validation into clean values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from callcenter.errors import Invalid
from callcenter.i18n import N_
from callcenter.limits import NUMBER_TOO_LARGE, fits_column, sane_due
from callcenter.orders.models import Order
from callcenter.orders.money import (
    MAX_AMOUNT,
    QUANTITY_STEP,
    NotANumber,
    NumberTooLarge,
    line_amount,
    money,
    parse_decimal,
)
from callcenter.products.models import VAT_RATES
from callcenter.products.units import UNITS

MAX_LINES = 200


class OrderInvalid(Invalid):
    id = "order_invalid"


@dataclass
class LineInput:
    product_id: int | None = None
    description: str = ""
    quantity: str = "1"
    price: str = ""  # empty: the product's price
    discount_percent: str = "0"
    unit_code: str = ""  # empty: the product's unit, or pieces
    vat_rate: str = ""  # empty: the product's rate, or 22%

    @property
    def is_blank(self) -> bool:
        return self.product_id is None and not self.description.strip() and not self.price.strip()


@dataclass
class OrderInput:
    client_id: int | None = None
    manager_id: int | None = None
    channel_id: int | None = None  # None: the client's channel
    notes: str = ""
    stage_due: str | None = None  # the stage deadline (YYYY-MM-DD); None/empty: by days
    lines: list[LineInput] = field(default_factory=list)


@dataclass
class ProductFacts:
    """What a line takes from its catalog product when the user left it out."""

    name: str
    price: Decimal
    unit_code: str
    vat_rate: str


@dataclass
class CleanLine:
    product_id: int | None
    description: str
    quantity: Decimal
    price: Decimal
    discount_percent: Decimal
    unit_code: str
    vat_rate: str
    amount: Decimal


def _number(
    errors: dict[str, str], key: str, text: str, *, low: Decimal, high: Decimal, step: Decimal
) -> Decimal:
    try:
        value = parse_decimal(text)
    except NumberTooLarge:
        errors[key] = NUMBER_TOO_LARGE
        return Decimal(0)
    except NotANumber:
        errors[key] = N_("Not a number")
        return Decimal(0)
    if value < low or value > high:
        errors[key] = N_("Out of range")
        return Decimal(0)
    return value.quantize(step)


def _line(
    errors: dict[str, str], index: int, line: LineInput, product: ProductFacts | None
) -> CleanLine:
    key = f"lines.{index}"
    description = " ".join(line.description.split()) or (product.name if product else "")
    if not description:
        errors[f"{key}.description"] = N_("Describe the item or pick a product")
    elif len(description) > 300:
        errors[f"{key}.description"] = N_("Too long")
    quantity = _number(
        errors,
        f"{key}.quantity",
        line.quantity,
        low=QUANTITY_STEP,
        high=Decimal(10**9 - 1),
        step=QUANTITY_STEP,
    )
    price_text = line.price if line.price.strip() or product is None else str(product.price)
    if not price_text.strip():
        errors[f"{key}.price"] = N_("A price is required")
        price = Decimal(0)
    else:
        price = money(
            _number(
                errors,
                f"{key}.price",
                price_text,
                low=Decimal(0),
                high=MAX_AMOUNT,
                step=Decimal("0.01"),
            )
        )
    discount = _number(
        errors,
        f"{key}.discount_percent",
        line.discount_percent or "0",
        low=Decimal(0),
        high=Decimal(100),
        step=Decimal("0.01"),
    )
    unit = line.unit_code or (product.unit_code if product else "796")
    if unit not in UNITS:
        errors[f"{key}.unit_code"] = N_("Choose a unit from the list")
    vat = line.vat_rate or (product.vat_rate if product else "22")
    if vat not in VAT_RATES:
        errors[f"{key}.vat_rate"] = N_("Choose a VAT rate from the list")
    amount = line_amount(quantity, price, discount)
    return CleanLine(line.product_id, description, quantity, price, discount, unit, vat, amount)


def validate_lines(
    lines: list[LineInput], products: dict[int, ProductFacts]
) -> tuple[list[CleanLine], dict[str, str]]:
    """Clean lines and the errors by field (``lines.<n>.<field>``); blank rows are skipped."""
    errors: dict[str, str] = {}
    clean: list[CleanLine] = []
    for index, line in enumerate(lines):
        if line.is_blank:
            continue
        product = products.get(line.product_id) if line.product_id is not None else None
        if line.product_id is not None and product is None:
            errors[f"lines.{index}.product_id"] = N_("No such product")
        clean.append(_line(errors, index, line, product))
    if not clean and not errors:
        errors["lines"] = N_("An order needs at least one line")
    elif len(clean) > MAX_LINES:
        errors["lines"] = N_("Too many lines")
    elif not fits_column(sum((c.amount for c in clean), Decimal(0)), Order.total):
        errors["lines"] = N_("The total is too large")  # each line's amount is at most that
    return clean, errors


class DueOutOfRange(ValueError):
    """A deadline date outside 2000..2100."""


def parse_due(text: str, timezone: str) -> datetime | None:
    """A deadline date means the end of that day where the user is."""
    if not text.strip():
        return None
    day = date.fromisoformat(text.strip())
    due = datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(timezone))
    if not sane_due(due):
        raise DueOutOfRange(text)
    return due
