"""What a user types for an invoice and its payments, checked into clean values.

Numbers are read the way people type them in Russia and elsewhere: «1 234,50» or «1234.50».
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from callcenter.errors import Invalid
from callcenter.i18n import N_
from callcenter.invoices.figures import (
    VAT_MODES,
    VAT_RATES,
    Figures,
    general_vat_rate,
    invoice_figures,
    line_amount,
)
from callcenter.invoices.models import Invoice, InvoiceLine, InvoicePayment
from callcenter.limits import DAY_OUT_OF_RANGE, NUMBER_TOO_LARGE, column_max, fits_column, sane_day
from callcenter.orders.money import MAX_WHOLE_DIGITS, NumberTooLarge
from callcenter.products.units import DOCUMENT_UNITS

MAX_LINES = 200
MAX_AMOUNT = column_max(InvoicePayment.amount)  # a price or a payment
NO_VAT = "none"
PRICED_FIELDS = ("quantity", "price", "discount", "vat_rate")  # a line's figures read these


class InvoiceInvalid(Invalid):
    id = "invoice_invalid"


@dataclass
class LineInput:
    name: str = ""
    quantity: Any = "1"
    unit_code: str = "796"
    price: Any = ""
    discount: Any = ""
    vat_rate: Any = ""  # "" the invoice's rate, "none" без НДС, or a rate such as 22

    def is_blank(self) -> bool:
        return not self.name.strip() and not str(self.price or "").strip()


@dataclass(frozen=True)
class CleanLine:
    n: int
    name: str
    quantity: Decimal
    unit_code: str
    unit: str
    price: Decimal
    discount: Decimal
    amount: Decimal
    vat_rate: int | None


@dataclass
class Terms:
    """How VAT is charged, as decided for one invoice."""

    vat_mode: str
    vat_exempt_reason: str = ""
    issued_on: date = field(default_factory=date.today)


def parse_decimal(value: Any, places: int) -> Decimal:
    """«1 234,50» -> Decimal("1234.50"); ValueError when it is not a number or too precise."""
    if isinstance(value, bool):
        raise ValueError(value)
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value if value is not None else "")).replace(
        ",", "."
    )
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        raise ValueError(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None
    if number and number.adjusted() >= MAX_WHOLE_DIGITS:
        raise NumberTooLarge(value)  # quantizing it would overflow Decimal's own precision
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(value)
    return number


def parse_date(value: Any, name: str) -> date | None:
    """An ISO date (2026-03-05) or 05.03.2026; None when empty; InvoiceInvalid otherwise."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if match := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
            day, month, year = (int(g) for g in match.groups())
            parsed = date(year, month, day)
        else:
            parsed = date.fromisoformat(text)
    except ValueError:
        raise InvoiceInvalid(
            N_("Please correct the marked fields"), fields={name: N_("Not a date")}
        ) from None
    if not sane_day(parsed):
        raise InvoiceInvalid(
            N_("Please correct the marked fields"), fields={name: DAY_OUT_OF_RANGE}
        )
    return parsed


def _number(errors: dict[str, str], key: str, value: Any, places: int, message: str) -> Decimal:
    try:
        return parse_decimal(value, places)
    except NumberTooLarge:
        errors[key] = NUMBER_TOO_LARGE
    except ValueError:
        errors[key] = message
    return Decimal(0)


def _rate(errors: dict[str, str], key: str, value: Any, terms: Terms) -> int | None:
    if terms.vat_mode == NO_VAT or str(value).strip().lower() == NO_VAT:
        return None
    text = str(value if value is not None else "").strip().rstrip("%").strip()
    if not text:
        return general_vat_rate(terms.issued_on)
    if not (text.isascii() and text.isdigit() and len(text) <= 3) or int(text) not in VAT_RATES:
        errors[key] = N_("Choose a VAT rate from the list")
        return None
    rate = int(text)
    if rate == 22 and general_vat_rate(terms.issued_on) < 22:
        errors[key] = N_("The 22 per cent rate applies from 1 January 2026")
    return rate


def _line(errors: dict[str, str], i: int, n: int, line: LineInput, terms: Terms) -> CleanLine:
    key = f"lines.{i}."
    name = " ".join(line.name.split())
    if not name:
        errors[key + "name"] = N_("Name the goods or service")
    elif len(name) > 500:
        errors[key + "name"] = N_("Name is too long")
    quantity = _number(errors, key + "quantity", line.quantity, 3, N_("A quantity like 2 or 1,5"))
    if quantity <= 0 and key + "quantity" not in errors:
        errors[key + "quantity"] = N_("Quantity must be above zero")
    elif not fits_column(quantity, InvoiceLine.quantity):
        errors[key + "quantity"] = NUMBER_TOO_LARGE
        quantity = Decimal(0)
    price = _number(errors, key + "price", line.price, 2, N_("A price like 1 500,00"))
    if price < 0 or price > MAX_AMOUNT:
        errors[key + "price"] = N_("A price like 1 500,00")
    discount = _number(
        errors, key + "discount", line.discount or "0", 2, N_("A discount in per cent, 0 to 100")
    )
    if not 0 <= discount <= 100:
        errors[key + "discount"] = N_("A discount in per cent, 0 to 100")
    if line.unit_code not in DOCUMENT_UNITS:
        errors[key + "unit_code"] = N_("Choose a unit from the list")
    rate = _rate(errors, key + "vat_rate", line.vat_rate, terms)
    amount = line_amount(quantity, price, discount) if quantity > 0 else Decimal("0.00")
    return CleanLine(
        n,
        name,
        quantity,
        line.unit_code,
        DOCUMENT_UNITS.get(line.unit_code, ""),
        price,
        discount,
        amount,
        rate,
    )


def validate_terms(errors: dict[str, str], terms: Terms) -> None:
    if terms.vat_mode not in VAT_MODES:
        errors["vat_mode"] = N_("Choose how VAT is charged")
    elif terms.vat_mode == NO_VAT and not terms.vat_exempt_reason.strip():
        errors["vat_exempt_reason"] = N_("Say why no VAT is charged, e.g. the simplified system")


def validate_lines(lines: list[LineInput], terms: Terms) -> list[CleanLine]:
    """Check the terms and every line; blank lines are left out. Raises InvoiceInvalid."""
    errors: dict[str, str] = {}
    validate_terms(errors, terms)
    clean: list[CleanLine] = []
    for i, line in enumerate(lines):
        if not line.is_blank():
            clean.append(_line(errors, i, len(clean) + 1, line, terms))
    if not clean:
        errors["lines"] = N_("Add at least one line")
    elif len(clean) > MAX_LINES:
        errors["lines"] = N_("An invoice holds at most 200 lines")
    elif not errors and sum(line.amount for line in clean) <= 0:
        errors["lines"] = N_("The invoice comes to nothing: check the prices")
    if errors:
        raise InvoiceInvalid(N_("Please correct the marked fields"), fields=errors)
    return clean


def check_figures(figures: Figures) -> None:
    """The figures worked out from valid lines, held to the columns they are stored in: the
    lines' sum (each line's amount is at most that), and VAT and the total, which VAT on top
    makes larger than the lines. Raises InvoiceInvalid naming the lines."""
    if not fits_column(figures.lines_total, Invoice.lines_total):
        reason = N_("The lines come to more than an invoice can hold")
    elif not (
        fits_column(figures.vat_total, Invoice.vat_total)
        and fits_column(figures.total, Invoice.total)
    ):
        reason = N_("With VAT the total comes to more than an invoice can hold")
    else:
        return
    raise InvoiceInvalid(N_("Please correct the marked fields"), fields={"lines": reason})


def validate_payment(amount: Any, paid_on: Any) -> tuple[Decimal, date]:
    errors: dict[str, str] = {}
    value = _number(errors, "amount", amount, 2, N_("An amount like 1 500,00"))
    if "amount" not in errors and not 0 < value <= MAX_AMOUNT:
        errors["amount"] = N_("The amount must be above zero")
    day = None
    try:
        day = parse_date(paid_on, "paid_on")
    except InvoiceInvalid as exc:
        errors.update(exc.fields)
    if day is None and "paid_on" not in errors:
        errors["paid_on"] = N_("When was it paid?")
    if errors or day is None:
        raise InvoiceInvalid(N_("Please correct the marked fields"), fields=errors)
    return value, day


@dataclass(frozen=True)
class Preview:
    """The form's figures before issuing: each typed line's amount (None for a blank line
    or one whose numbers cannot be read yet), and the invoice's figures over the lines
    that can be: computed by the very functions issuing uses."""

    amounts: list[Decimal | None]
    figures: Figures


def preview_lines(lines: list[LineInput], terms: Terms) -> Preview:
    """What issuing these lines would come to; never raises on what is typed."""
    if terms.vat_mode not in VAT_MODES:
        terms = Terms("included", terms.vat_exempt_reason, terms.issued_on)
    amounts: list[Decimal | None] = []
    priced: list[tuple[Decimal, int | None]] = []
    for i, line in enumerate(lines):
        errors: dict[str, str] = {}
        clean = None if line.is_blank() else _line(errors, i, i + 1, line, terms)
        key = f"lines.{i}."
        figures_ok = not any(key + name in errors for name in PRICED_FIELDS)
        if clean is None or not figures_ok:
            amounts.append(None)
            continue
        amounts.append(clean.amount)
        priced.append((clean.amount, clean.vat_rate))
    return Preview(amounts, invoice_figures(priced, terms.vat_mode))
