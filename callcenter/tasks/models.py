from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base

TASK_KINDS = ("call", "email", "shipment", "other")
TASK_STATUSES = ("open", "done", "cancelled")


class Task(Base):
    """Something someone must do by a time: call back, e-mail, ship... (issue 6 grows it).

    ``dedupe_key`` is unique among open tasks, so e.g. three missed calls from one number
    make one callback task (its ``repeats`` counts them), never three.
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
    phone: Mapped[str] = mapped_column(String(64), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    repeats: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    done_at: Mapped[datetime | None]
