"""A text message the CRM sends one client about one thing (an order entering a status): a row
first, written in the transaction that decided it, then sent by the SMS outbox at most once.
One per order and status, made so by the database: two status changes racing make one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base

STATES = ("queued", "sending", "sent", "delivered", "failed")


class SmsMessage(Base):
    __tablename__ = "sms_messages"
    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'delivered', 'failed')", name="state"
        ),
        UniqueConstraint("order_id", "status_id", name="uq_sms_messages_order_status"),
        Index("ix_sms_messages_due", "next_attempt_at", postgresql_where="state = 'queued'"),
        Index(
            "ix_sms_messages_unconfirmed",
            "checked_at",
            postgresql_where="state = 'sent' AND message_id <> ''",
        ),
        Index("ix_sms_messages_message", "message_id", postgresql_where="message_id <> ''"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    to_number: Mapped[str] = mapped_column(String(20))  # E.164
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_error: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    status_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_statuses.id", ondelete="SET NULL")
    )
    provider: Mapped[str] = mapped_column(String(20), default="")
    message_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    claimed_at: Mapped[datetime | None]  # taken by a sender (state sending)
    handed_at: Mapped[datetime | None]  # given to the provider: never sent again
    sent_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
