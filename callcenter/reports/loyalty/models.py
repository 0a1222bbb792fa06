"""Rollup tables of the loyalty report (rebuilt by the rollup job, never by hand).

- ``client_loyalty``: one row per client with what loyalty needs (orders, revenue, first and
  last order, rhythm, calls, last NPS answer, complaints, when silence becomes churn).
- ``loyalty_hours``: additive figures per UTC hour, once for everyone (dimension "all") and
  once per manager (the client's owner), channel and segment of the client;
  ``loyalty_cube_hours`` the same by the three together.

The bonus split's ``manager_hours`` is with the bonuses (``callcenter/bonuses/models.py``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base
from callcenter.feedback.models import Feedback
from callcenter.limits import money_sum
from callcenter.orders.models import Order
from callcenter.tasks.models import Task

DIMENSIONS = ("all", "manager", "channel", "segment")


class ClientLoyalty(Base):
    __tablename__ = "client_loyalty"
    __table_args__ = (
        Index("ix_client_loyalty_churn_at", "churn_at"),
        Index("ix_client_loyalty_owner", "owner_id"),
        Index("ix_client_loyalty_revenue", "revenue"),
    )

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    owner_id: Mapped[int | None]
    channel_id: Mapped[int | None]
    segment_id: Mapped[int | None]
    orders: Mapped[int] = mapped_column(Integer)  # not cancelled
    fulfilled: Mapped[int] = mapped_column(Integer)  # in a final status
    revenue: Mapped[Decimal] = mapped_column(money_sum())  # of the fulfilled ones
    frequency: Mapped[int] = mapped_column(SmallInteger)  # F and M scores (rules.py)
    monetary: Mapped[int] = mapped_column(SmallInteger)  # 0 before the first order
    first_order_at: Mapped[datetime | None]
    last_order_at: Mapped[datetime | None]
    rhythm_seconds: Mapped[float | None] = mapped_column(Float)  # median gap, fulfilled
    calls: Mapped[int] = mapped_column(Integer)
    last_call_at: Mapped[datetime | None]
    nps_last: Mapped[int | None] = mapped_column(SmallInteger)
    complaints: Mapped[int] = mapped_column(Integer)
    open_complaints: Mapped[int] = mapped_column(Integer)
    churn_at: Mapped[datetime | None]  # silent past this moment: churned (only buyers)


class LoyaltyHour(Base):
    __tablename__ = "loyalty_hours"

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(10), primary_key=True)  # DIMENSIONS
    member: Mapped[int] = mapped_column(Integer, primary_key=True)  # the id; 0: none / all
    orders: Mapped[int] = mapped_column(Integer, default=0)
    first_orders: Mapped[int] = mapped_column(Integer, default=0)
    repeat_orders: Mapped[int] = mapped_column(Integer, default=0)
    revenue: Mapped[Decimal] = mapped_column(money_sum(), default=0)
    repeat_revenue: Mapped[Decimal] = mapped_column(money_sum(), default=0)
    gap_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # summed over repeat orders
    gaps_30: Mapped[int] = mapped_column(Integer, default=0)  # repeat orders by their gap
    gaps_90: Mapped[int] = mapped_column(Integer, default=0)
    gaps_180: Mapped[int] = mapped_column(Integer, default=0)
    gaps_365: Mapped[int] = mapped_column(Integer, default=0)
    gaps_longer: Mapped[int] = mapped_column(Integer, default=0)
    client_calls: Mapped[int] = mapped_column(Integer, default=0)  # inbound, known client
    repeat_calls: Mapped[int] = mapped_column(Integer, default=0)
    feedback: Mapped[int] = mapped_column(Integer, default=0)
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    nps_answers: Mapped[int] = mapped_column(Integer, default=0)
    promoters: Mapped[int] = mapped_column(Integer, default=0)
    detractors: Mapped[int] = mapped_column(Integer, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)
    rating_total: Mapped[int] = mapped_column(Integer, default=0)


Index("ix_loyalty_hours_member", LoyaltyHour.dimension, LoyaltyHour.member, LoyaltyHour.hour)

# The same figures by the client's owner, channel and segment together (0: none), for a
# period kept to two or three of them (a manager kept to own clients and a channel, say);
# loyalty_hours serves none or one. At most a row per hour and combination present.
CUBE_DIMENSIONS = ("owner_id", "channel_id", "segment_id")
loyalty_cube_hours = Table(
    "loyalty_cube_hours",
    Base.metadata,
    Column("hour", DateTime(timezone=True), primary_key=True),
    *(Column(name, Integer, primary_key=True) for name in CUBE_DIMENSIONS),
    *(
        Column(c.name, c.type, nullable=False, server_default="0")
        for c in LoyaltyHour.__table__.columns
        if not c.primary_key
    ),
)
Index(
    "ix_loyalty_cube_hours_owner",
    loyalty_cube_hours.c.owner_id,
    loyalty_cube_hours.c.channel_id,
    loyalty_cube_hours.c.hour,
)
Index(
    "ix_loyalty_cube_hours_channel",
    loyalty_cube_hours.c.channel_id,
    loyalty_cube_hours.c.segment_id,
    loyalty_cube_hours.c.hour,
)
Index(
    "ix_loyalty_cube_hours_segment",
    loyalty_cube_hours.c.segment_id,
    loyalty_cube_hours.c.owner_id,
    loyalty_cube_hours.c.hour,
)


# The rollups find changed rows by these stamps (see rollups.py); the ones on
# orders.updated_at and clients.updated_at are declared with the sales rollups.
Index("ix_orders_status_changed_at", Order.__table__.c.status_changed_at)
Index("ix_tasks_updated_at", Task.__table__.c.updated_at)
Index("ix_feedback_updated_at", Feedback.__table__.c.updated_at)
