"""What marketing attribution stores: the website forms' keys, the maps from UTM sources and
dialed numbers (DIDs) to channels, every touch of a client by a channel, the leads received
(one per form key and ``Idempotency-Key``) and each channel's spend per month."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base

TOUCH_SOURCES = ("lead", "call")


class LeadFormKey(Base):
    """A website form's key: which pool its call-back tasks go to, how soon, which origin.

    Only the SHA-256 of the key is kept; the admin sees the key once, when it is made."""

    __tablename__ = "lead_form_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    queue: Mapped[str] = mapped_column(String(80), default="")  # the pool of its tasks
    due_minutes: Mapped[int] = mapped_column(Integer, default=15)
    allowed_origin: Mapped[str] = mapped_column(String(200), default="")  # for CORS
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class UtmChannel(Base):
    """A ``utm_source`` (lower case) and the channel its leads count under."""

    __tablename__ = "utm_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    utm_source: Mapped[str] = mapped_column(String(100), unique=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))


class TrackedNumber(Base):
    """An advertised number (a DID, E.164): a new caller to it comes from its channel."""

    __tablename__ = "tracked_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))


class ClientTouch(Base):
    """A client reached us through a channel: a website lead or a call to a tracked number."""

    __tablename__ = "client_touches"
    __table_args__ = (
        CheckConstraint("source IN ('lead', 'call')", name="source"),
        Index("ix_client_touches_client_at", "client_id", "touched_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(10))
    touched_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Lead(Base):
    """One lead received from a website form; a retry with the same ``Idempotency-Key``
    finds this row instead of making a second one (``uq_leads_key_request``)."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("form_key_id", "request_key", name="uq_leads_key_request"),
        Index("ix_leads_key_created", "form_key_id", "created_at"),
        Index("ix_leads_address_created", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    form_key_id: Mapped[int] = mapped_column(ForeignKey("lead_form_keys.id", ondelete="CASCADE"))
    request_key: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(64), default="")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))
    created_client: Mapped[bool] = mapped_column(default=False)
    utm_source: Mapped[str] = mapped_column(String(100), default="")
    utm_medium: Mapped[str] = mapped_column(String(100), default="")
    utm_campaign: Mapped[str] = mapped_column(String(200), default="")
    utm_term: Mapped[str] = mapped_column(String(200), default="")
    utm_content: Mapped[str] = mapped_column(String(200), default="")
    page: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ChannelSpend(Base):
    """What a channel cost in a month (``month`` is its first day)."""

    __tablename__ = "channel_spend"
    __table_args__ = (
        UniqueConstraint("channel_id", "month", name="uq_channel_spend_channel_month"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("EXTRACT(DAY FROM month) = 1", name="month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
