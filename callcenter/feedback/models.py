from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.clients.models import Client
from callcenter.db import Base
from callcenter.orders.models import Order
from callcenter.users.models import User

FEEDBACK_KINDS = ("complaint", "review", "suggestion")
FEEDBACK_STATUSES = ("new", "in_progress", "resolved")
# a score is either a rating of 1 to 5 or a Net Promoter Score answer of 0 to 10
SCORE_SCALES = {"rating": (1, 5), "nps": (0, 10)}


class Feedback(Base):
    """What a client told us: a complaint, a review or a suggestion, and how it was handled.

    An unresolved complaint flags the client on their card and in the screen-pop.
    """

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("kind IN ('complaint', 'review', 'suggestion')", name="kind"),
        CheckConstraint("status IN ('new', 'in_progress', 'resolved')", name="status"),
        CheckConstraint(
            "(score_scale IS NULL AND score IS NULL)"
            " OR (score_scale = 'rating' AND score BETWEEN 1 AND 5)"
            " OR (score_scale = 'nps' AND score BETWEEN 0 AND 10)",
            name="score",
        ),
        CheckConstraint("status <> 'resolved' OR resolution <> ''", name="resolution"),
        Index(
            "ix_feedback_open_complaints",
            "client_id",
            postgresql_where="kind = 'complaint' AND status <> 'resolved'",
        ),
        Index("ix_feedback_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="new")
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text, default="")
    score_scale: Mapped[str | None] = mapped_column(String(8))
    score: Mapped[int | None] = mapped_column(SmallInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    resolved_at: Mapped[datetime | None]

    client: Mapped[Client] = relationship(lazy="raise")
    order: Mapped[Order | None] = relationship(lazy="raise")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.status != "resolved"
