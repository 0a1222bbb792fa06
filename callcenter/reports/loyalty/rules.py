"""The rules loyalty is judged by: RFM scores on fixed thresholds, churn, the loyalty score.

One place for them, so the report, the client card and their "How it is counted" blocks
agree. The thresholds are fixed (not quintiles), so a client's scores do not move when other
clients buy, and a score means the same thing in every period.

- **R**ecency: days since the client's last order (any not cancelled): up to 30 days 5, up
  to 90 days 4, up to 180 days 3, up to 365 days 2, longer 1.
- **F**requency: orders not cancelled: 10 or more 5, 5-9 4, 3-4 3, 2 2, 1 1.
- **M**onetary: the total of fulfilled orders (a final status): from 500,000 5, from
  100,000 4, from 30,000 3, from 10,000 2, less 1.
- **Churned**: a client who has ordered and since then neither ordered nor called for
  longer than CHURN_FACTOR x their own rhythm (the median interval between their fulfilled
  orders, as on the card; at least CHURN_FLOOR_DAYS), or than CHURN_DAYS when they have no
  rhythm yet (fewer than two fulfilled orders).
- **Loyalty score** (0-100): R x 8 + F x 6 + M x 4 (at most 90) + their last NPS answer
  (promoter 10, passive 5, detractor 0, none 5), less 10 per open complaint, kept in 0-100.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case

from callcenter.i18n import N_

RECENCY_DAYS = (30, 90, 180, 365)  # at most this many days: 5, 4, 3, 2; longer: 1
FREQUENCY_ORDERS = (10, 5, 3, 2)  # at least this many orders: 5, 4, 3, 2; one: 1
MONETARY = (Decimal(500_000), Decimal(100_000), Decimal(30_000), Decimal(10_000))
CHURN_FACTOR = 2
CHURN_FLOOR_DAYS = 30
CHURN_DAYS = 180
REPEAT_CALL_DAYS = 7  # an inbound call is a repeat call when the client called this recently

WEIGHT_R, WEIGHT_F, WEIGHT_M = 8, 6, 4
VOICE = {"promoter": 10, "passive": 5, "detractor": 0, "": 5}
VOICE_NAMES = (N_("promoter"), N_("passive"), N_("detractor"))  # the card translates them
COMPLAINT_PENALTY = 10

# RFM segments by recency and frequency, checked in this order
SEGMENTS: tuple[tuple[str, int, int, int, int], ...] = (
    # (name, lowest R, highest R, lowest F, highest F)
    (N_("Champions"), 4, 5, 4, 5),
    (N_("Loyal"), 3, 5, 3, 5),
    (N_("New"), 4, 5, 1, 1),
    (N_("Promising"), 4, 5, 2, 3),
    (N_("At risk"), 1, 2, 3, 5),
    (N_("Lost"), 1, 1, 1, 2),
    (N_("Need attention"), 1, 5, 1, 5),
)


def recency_score(days: float) -> int:
    for score, limit in zip((5, 4, 3, 2), RECENCY_DAYS, strict=True):
        if days <= limit:
            return score
    return 1


def frequency_score(orders: int) -> int:
    for score, least in zip((5, 4, 3, 2), FREQUENCY_ORDERS, strict=True):
        if orders >= least:
            return score
    return 1


def monetary_score(revenue: Decimal) -> int:
    for score, least in zip((5, 4, 3, 2), MONETARY, strict=True):
        if revenue >= least:
            return score
    return 1


def segment_of(r: int, f: int) -> str:
    for name, r_low, r_high, f_low, f_high in SEGMENTS:
        if r_low <= r <= r_high and f_low <= f <= f_high:
            return name
    return SEGMENTS[-1][0]


def recency_sql(last_order_at: Any, now: datetime) -> ColumnElement[int]:
    """R from the last order's time (compared as instants: cheap over a million rows)."""
    limits = [now - timedelta(days=d) for d in RECENCY_DAYS]
    return case(
        *((last_order_at >= x, s) for s, x in zip((5, 4, 3, 2), limits, strict=True)), else_=1
    )


def _at_least_text(expression: str, limits: Sequence[Any]) -> str:
    branches = " ".join(
        f"WHEN {expression} >= {x} THEN {s}" for s, x in zip((5, 4, 3, 2), limits, strict=True)
    )
    return f"CASE {branches} ELSE 1 END"


def frequency_sql_text(orders: str) -> str:
    """F in SQL text, for the rollup that stores it."""
    return _at_least_text(orders, FREQUENCY_ORDERS)


def monetary_sql_text(revenue: str) -> str:
    return _at_least_text(revenue, MONETARY)


def churn_window(rhythm_seconds: float | None) -> timedelta:
    """How long a client may be silent before they count as churned."""
    if rhythm_seconds is None:
        return timedelta(days=CHURN_DAYS)
    return max(timedelta(seconds=CHURN_FACTOR * rhythm_seconds), timedelta(CHURN_FLOOR_DAYS))


def voice_of(nps: int | None) -> str:
    if nps is None:
        return ""
    return "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"


@dataclass(frozen=True)
class LoyaltyScore:
    """A client's score and the parts it is made of, for the card."""

    score: int
    recency: int  # 0 when the client has not ordered
    frequency: int
    monetary: int
    voice: str  # promoter | passive | detractor | "" (no NPS answer)
    open_complaints: int
    days_since_order: int | None
    segment: str
    churned: bool
    churn_at: datetime | None

    @property
    def parts(self) -> list[tuple[str, str, int]]:
        """(part, what it is, points) in the order the card lists them."""
        return [
            (N_("Recency"), f"{self.recency} x {WEIGHT_R}", self.recency * WEIGHT_R),
            (N_("Frequency"), f"{self.frequency} x {WEIGHT_F}", self.frequency * WEIGHT_F),
            (N_("Monetary"), f"{self.monetary} x {WEIGHT_M}", self.monetary * WEIGHT_M),
            (N_("Last NPS answer"), self.voice or "—", VOICE[self.voice]),
            (
                N_("Open complaints"),
                f"{self.open_complaints} x -{COMPLAINT_PENALTY}",
                -COMPLAINT_PENALTY * self.open_complaints,
            ),
        ]


def loyalty_score(
    *,
    orders: int,
    revenue: Decimal,
    last_order_at: datetime | None,
    nps_last: int | None,
    open_complaints: int,
    churn_at: datetime | None,
    now: datetime,
) -> LoyaltyScore:
    days = (now - last_order_at).total_seconds() / 86400 if last_order_at else None
    r = recency_score(days) if days is not None and orders else 0
    f = frequency_score(orders) if orders else 0
    m = monetary_score(revenue) if orders else 0
    voice = voice_of(nps_last)
    raw = r * WEIGHT_R + f * WEIGHT_F + m * WEIGHT_M + VOICE[voice]
    raw -= COMPLAINT_PENALTY * open_complaints
    return LoyaltyScore(
        score=max(0, min(100, raw)),
        recency=r,
        frequency=f,
        monetary=m,
        voice=voice,
        open_complaints=open_complaints,
        days_since_order=int(days) if days is not None else None,
        segment=segment_of(r, f) if orders else "",
        churned=churn_at is not None and churn_at <= now,
        churn_at=churn_at,
    )
