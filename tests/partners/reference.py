"""The commission arithmetic of ``callcenter.partners.commissions`` written again in Python
with ``Decimal``, no I/O: the reference the accrual's SQL is checked against (random orders,
every rounding edge). The app itself computes it all in SQL.

The rules:

- A line's amount without VAT: with the invoice's VAT ``included``, amount − amount × r /
  (100 + r), the VAT rounded half up to the kopeck per line; VAT ``on_top`` or ``none``: the
  amount as it is (the order's prices carry no VAT then).
- A line's margin: its amount without VAT − quantity × the catalog's unit cost (rounded half up
  to the kopeck); a line whose product has no cost in the catalog counts its amount without
  VAT (the margin is not known, so nothing is taken off).
- The base of a share: the sum over the order's lines of one product group (lines of no group
  together), never below zero.
- A share: base × rate / 100, rounded half up to the kopeck (ROUND_HALF_UP), once per
  (partner, level, product group). The rate is the plan's rate for that group at that level,
  else the plan's rate for the level.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")


def kopecks(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SoldLine:
    amount: Decimal  # as the order has it
    vat_rate: str  # "22", "10", "0", ... or "none"
    quantity: Decimal
    unit_cost: Decimal | None  # the catalog's, None when not known
    group_id: int | None


@dataclass(frozen=True)
class Earner:
    partner_id: int
    level: int
    base_kind: str  # "net" or "margin": the earner's plan's
    rates: dict[int | None, Decimal]  # group id (None: the level's own) -> per cent


@dataclass(frozen=True)
class Share:
    partner_id: int
    level: int
    group_id: int | None
    base: Decimal
    rate: Decimal
    amount: Decimal


def net_amount(line: SoldLine, vat_mode: str) -> Decimal:
    if vat_mode != "included" or not line.vat_rate.isdigit():
        return line.amount
    rate = int(line.vat_rate)
    return line.amount - kopecks(line.amount * rate / (100 + rate))


def margin(line: SoldLine, vat_mode: str) -> Decimal:
    net = net_amount(line, vat_mode)
    if line.unit_cost is None:
        return net
    return net - kopecks(line.quantity * line.unit_cost)


def bases(lines: list[SoldLine], vat_mode: str, kind: str) -> dict[int | None, Decimal]:
    """The base of each product group (None: lines of no group), never below zero."""
    measure = margin if kind == "margin" else net_amount
    sums: dict[int | None, Decimal] = {}
    for line in lines:
        sums[line.group_id] = sums.get(line.group_id, ZERO) + measure(line, vat_mode)
    return {group: max(total, ZERO) for group, total in sums.items()}


def sales_without_vat(lines: list[SoldLine], vat_mode: str) -> Decimal:
    return sum((net_amount(line, vat_mode) for line in lines), ZERO)


def shares(lines: list[SoldLine], vat_mode: str, earners: list[Earner]) -> list[Share]:
    """Each earner's share per product group; a zero rate or a zero share is no line."""
    result = []
    by_kind = {kind: bases(lines, vat_mode, kind) for kind in ("net", "margin")}
    for earner in earners:
        for group, base in sorted(by_kind[earner.base_kind].items(), key=_group_order):
            rate = earner.rates.get(group) if group is not None else None
            if rate is None:
                rate = earner.rates.get(None)
            if not rate:
                continue
            amount = kopecks(base * rate / 100)
            if amount:
                result.append(Share(earner.partner_id, earner.level, group, base, rate, amount))
    return result


def _group_order(item: tuple[int | None, Decimal]) -> int:
    return item[0] or 0


def qualifies(
    from_level: int | None, min_sales: Decimal | None, level: int, personal_sales: Decimal
) -> bool:
    """Whether a partner with these personal sales in the month earns at ``level`` under a
    plan that asks for ``min_sales`` from ``from_level`` on."""
    if from_level is None or level < from_level:
        return True
    return personal_sales >= (min_sales or 0)
