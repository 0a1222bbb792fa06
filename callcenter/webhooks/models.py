"""Webhook endpoints and their deliveries: every delivery is a row first, written in the
transaction of the change it tells of, so no event is lost between a change and its sending."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base

STATES = ("pending", "sent", "failed")


class Endpoint(Base):
    """A URL that hears of the events it subscribes to. ``paused_at`` is set by the sender
    when deliveries keep failing (``paused_reason`` says why) or by the admin; deliveries
    wait while it is paused and go out when it is resumed. An inactive endpoint gets none.
    After a rotation deliveries are signed by ``secret`` and by ``previous_secret`` until
    ``previous_secret_until``."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    secret: Mapped[str] = mapped_column(String(100))
    # the secret before the last rotation, still signing until ``previous_secret_until``
    previous_secret: Mapped[str] = mapped_column(String(100), default="", server_default="")
    previous_secret_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_at: Mapped[datetime | None]
    paused_by: Mapped[str] = mapped_column(String(10), default="")  # admin | failures
    paused_reason: Mapped[str] = mapped_column(Text, default="")
    failures_in_row: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Delivery(Base):
    """One event for one endpoint: pending until its receiver answers 2xx (sent), retried with
    growing pauses for a day, then failed. ``event_id`` is the event's own id, the same for
    every endpoint and every resend (a receiver deduplicates on it); ``entity`` (``order:42``)
    keeps an entity's deliveries to one endpoint in order."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sent', 'failed')", name="state"),
        Index("ix_webhook_deliveries_pending", "id", postgresql_where="state = 'pending'"),
        Index(
            "ix_webhook_deliveries_pending_entity",
            "endpoint_id",
            "entity",
            "id",
            postgresql_where="state = 'pending'",
        ),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
        Index("ix_webhook_deliveries_created", "created_at"),  # the purge of old ones
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    entity: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str] = mapped_column(Text, server_default="")
    error: Mapped[str] = mapped_column(Text, server_default="")
    resent_from: Mapped[int | None] = mapped_column(BigInteger)
