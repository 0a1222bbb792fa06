"""Manager bonuses: the admin's weights, pools entered by supervisors, approved splits,
and the ``manager_hours`` rollup the splits are computed from.

A pool is an amount for a period (days, both included). Until approved its split is
computed afresh from the ``manager_hours`` rollup; approving freezes it: the split, the
weights and every manager's measures are stored with who approved and when, and nothing
recomputes them afterwards.

- ``manager_hours``: per UTC hour and user: fulfilled orders and their revenue, calls
  handled and talk time, tasks due and those done on time (rebuilt by ``rollup.py``, never
  by hand).
- ``report_task_hours``: the hour each task was last counted in, so moving a task's due time
  rebuilds the hour it left as well as the one it entered.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base
from callcenter.i18n import N_
from callcenter.limits import money_sum

MEASURES = ("revenue", "orders", "calls", "talk_seconds", "tasks_on_time")
MEASURE_LABELS = {
    "revenue": N_("Revenue"),
    "orders": N_("Orders"),
    "calls": N_("Calls handled"),
    "talk_seconds": N_("Talk time"),
    "tasks_on_time": N_("Tasks done on time"),
}
DEFAULT_WEIGHTS = {
    "revenue": 40,
    "orders": 20,
    "calls": 15,
    "talk_seconds": 10,
    "tasks_on_time": 15,
}


class BonusWeight(Base):
    __tablename__ = "bonus_weights"
    __table_args__ = (CheckConstraint("weight >= 0 AND weight <= 1000", name="weight"),)

    measure: Mapped[str] = mapped_column(String(20), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class BonusPool(Base):
    __tablename__ = "bonus_pools"
    __table_args__ = (
        UniqueConstraint("first_day", "last_day", name="uq_bonus_pools_period"),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("last_day >= first_day", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    since: Mapped[datetime]  # the period as instants, in the time zone it was entered in
    until: Mapped[datetime]
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_name: Mapped[str] = mapped_column(String(200), default="")
    approved_at: Mapped[datetime | None]
    weights: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # frozen at approval

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


class BonusShare(Base):
    """One manager's part of an approved pool, with the measures it was computed from."""

    __tablename__ = "bonus_shares"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pool_id: Mapped[int] = mapped_column(
        ForeignKey("bonus_pools.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    manager_name: Mapped[str] = mapped_column(String(200))
    revenue: Mapped[Decimal] = mapped_column(money_sum())
    orders: Mapped[int] = mapped_column(Integer)
    calls: Mapped[int] = mapped_column(Integer)
    talk_seconds: Mapped[float] = mapped_column(Float)
    tasks_on_time: Mapped[int] = mapped_column(Integer)
    share: Mapped[float] = mapped_column(Float)  # 0-100, of the pool
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class ManagerHour(Base):
    __tablename__ = "manager_hours"

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, default=0)  # fulfilled in the hour
    revenue: Mapped[Decimal] = mapped_column(money_sum(), default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)  # answered legs of the user
    talk_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    tasks_due: Mapped[int] = mapped_column(Integer, default=0)
    tasks_on_time: Mapped[int] = mapped_column(Integer, default=0)


Index("ix_manager_hours_user", ManagerHour.user_id, ManagerHour.hour)


class TaskHour(Base):
    __tablename__ = "report_task_hours"

    task_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hour: Mapped[datetime] = mapped_column(index=True)
