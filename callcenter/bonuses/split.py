"""The arithmetic of a bonus split, with nothing hidden.

For each measure m (revenue, orders, calls handled, talk time, tasks done on time) a
manager's part is their value over the total of every manager: p(m) = value / total. Their
share of the pool is the weighted mean of those parts, over the measures anyone scored in:

    share = sum(w(m) x p(m)) / sum(w(m))        amount = pool x share

Amounts are rounded down to the kopeck and the kopecks left over go one each to the largest
remainders (ties by name), so the amounts add up to the pool exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from callcenter.bonuses.models import MEASURES

KOPECK = Decimal("0.01")


@dataclass(frozen=True)
class Contribution:
    user_id: int | None
    name: str
    revenue: Decimal
    orders: int
    calls: int
    talk_seconds: float
    tasks_on_time: int

    def value(self, measure: str) -> Decimal:
        return Decimal(str(getattr(self, measure)))


@dataclass(frozen=True)
class ManagerShare:
    contribution: Contribution
    parts: dict[str, Decimal]  # measure -> p(m), 0-1
    share: Decimal  # 0-1
    amount: Decimal | None  # None without a pool


@dataclass(frozen=True)
class Split:
    weights: dict[str, int]
    used_weights: dict[str, int]  # the measures anyone scored in
    totals: dict[str, Decimal]
    shares: list[ManagerShare] = field(default_factory=list)
    pool: Decimal | None = None


def split_pool(
    contributions: list[Contribution], weights: dict[str, int], pool: Decimal | None
) -> Split:
    totals = {m: sum((c.value(m) for c in contributions), Decimal(0)) for m in MEASURES}
    used = {m: weights.get(m, 0) for m in MEASURES if totals[m] > 0 and weights.get(m, 0) > 0}
    weight_sum = Decimal(sum(used.values()))
    rows = []
    for c in contributions:
        parts = {m: c.value(m) / totals[m] if totals[m] else Decimal(0) for m in MEASURES}
        weighted = sum((used[m] * parts[m] for m in used), Decimal(0))
        rows.append((c, parts, weighted / weight_sum if weight_sum else Decimal(0)))
    amounts = _amounts(pool, [(c.name, share) for c, _, share in rows]) if pool else None
    shares = [
        ManagerShare(c, parts, share, amounts[i] if amounts else None)
        for i, (c, parts, share) in enumerate(rows)
    ]
    return Split(dict(weights), used, totals, shares, pool)


def _amounts(pool: Decimal, shares: list[tuple[str, Decimal]]) -> list[Decimal] | None:
    if not shares or sum(s for _, s in shares) == 0:
        return None
    exact = [pool * share for _, share in shares]
    floors = [a.quantize(KOPECK, rounding=ROUND_DOWN) for a in exact]
    left = int((pool - sum(floors)) / KOPECK)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), shares[i][0]))
    for i in order[:left]:
        floors[i] += KOPECK
    return floors
