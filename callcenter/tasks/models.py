from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.clients.models import Client
from callcenter.db import Base
from callcenter.orders.models import Order
from callcenter.users.models import User

TASK_KINDS = ("call", "email", "shipment", "other")
TASK_STATUSES = ("open", "done", "cancelled")


class Task(Base):
    """Something someone must do by a time: call back, e-mail, ship...

    ``dedupe_key`` is unique among open tasks, so e.g. three missed calls from one number
    make one callback task (its ``repeats`` counts them), never three. ``reminded_at`` is set,
    in the same transaction as the reminder's NOTIFY, by the one job run that reminds of it.
    A task with no assignee belongs to its ``queue``'s pool, for that queue's operators.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("kind IN ('call', 'email', 'shipment', 'other')", name="kind"),
        CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status"),
        Index(
            "uq_tasks_open_dedupe",
            "dedupe_key",
            unique=True,
            postgresql_where="status = 'open' AND dedupe_key IS NOT NULL",
        ),
        Index(
            "ix_tasks_assignee_open", "assignee_id", "due_at", postgresql_where="status = 'open'"
        ),
        Index(
            "ix_tasks_to_remind",
            "due_at",
            postgresql_where="status = 'open' AND reminded_at IS NULL",
        ),
        Index("ix_tasks_assignee_due", "assignee_id", "due_at"),
        Index("ix_tasks_due_at", "due_at"),  # supervision counts over a period
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    queue: Mapped[str] = mapped_column(String(80), default="")  # a queue's pool when no assignee
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    phone: Mapped[str] = mapped_column(String(64), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    repeats: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    reminded_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="raise")
    client: Mapped[Client | None] = relationship(lazy="raise")
    order: Mapped[Order | None] = relationship(lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.status == "open"
