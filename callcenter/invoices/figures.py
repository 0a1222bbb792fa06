"""An invoice's figures: line amounts, one VAT row per rate, the total to pay.

Rounding: each line's amount is rounded half-up to the kopeck; VAT is then computed once per
rate on the sum of that rate's line amounts (total-wise), never per line. So the VAT row of a
12 200,00 invoice at 22 % included is always 2 200,00, however the lines split it; rounding
each line could make it 2 199,99. Included VAT = base × r / (100 + r); VAT on top = base × r / 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

VAT_MODES = ("included", "on_top", "none")
VAT_RATES = (22, 20, 10, 7, 5, 0)  # art. 164 НК РФ; 5 and 7 are the УСН rates
GENERAL_RATE_FROM = {date(2026, 1, 1): 22}  # 425-ФЗ of 28.11.2025; 20 % before
KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")


def round_money(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def general_vat_rate(on: date) -> int:
    """The general VAT rate on a date: 22 % from 1 January 2026, 20 % before."""
    rate = 20
    for since, later_rate in sorted(GENERAL_RATE_FROM.items()):
        if on >= since:
            rate = later_rate
    return rate


def line_amount(quantity: Decimal, price: Decimal, discount: Decimal = ZERO) -> Decimal:
    """Quantity × price less a discount in per cent, to the kopeck."""
    return round_money(quantity * price * (100 - discount) / 100)


def included_vat(amount: Decimal, rate: int) -> Decimal:
    return round_money(amount * rate / (100 + rate))


@dataclass(frozen=True)
class VatRow:
    rate: int
    base: Decimal  # the line amounts at this rate, as printed
    vat: Decimal


@dataclass(frozen=True)
class Figures:
    lines_total: Decimal  # «Итого»: the sum of the line amounts
    vat_rows: tuple[VatRow, ...]  # highest rate first
    vat_total: Decimal
    total: Decimal  # «Всего к оплате»


def invoice_figures(lines: list[tuple[Decimal, int | None]], vat_mode: str) -> Figures:
    """``lines`` are (amount, VAT rate or None for «без НДС») pairs, amounts already rounded."""
    if vat_mode not in VAT_MODES:
        raise ValueError(f"unknown VAT mode {vat_mode!r}")
    lines_total = sum((amount for amount, _ in lines), ZERO)
    bases: dict[int, Decimal] = {}
    if vat_mode != "none":
        for amount, rate in lines:
            if rate is not None:
                bases[rate] = bases.get(rate, ZERO) + amount
    rows = []
    for rate in sorted(bases, reverse=True):
        base = bases[rate]
        vat = included_vat(base, rate) if vat_mode == "included" else round_money(base * rate / 100)
        rows.append(VatRow(rate, base, vat))
    vat_total = sum((row.vat for row in rows), ZERO)
    total = lines_total + vat_total if vat_mode == "on_top" else lines_total
    return Figures(lines_total, tuple(rows), vat_total, total)
