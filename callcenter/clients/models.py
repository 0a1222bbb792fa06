from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.db import Base
from callcenter.users.models import User

PHONE_KINDS = ("mobile", "work", "home", "fax")
CLIENT_KINDS = ("person", "company")
NOTIFY_BY = ("email", "sms", "both", "none")  # how the client hears of their orders


class Channel(Base):
    """An acquisition channel (advertising source): a list the admin manages."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Segment(Base):
    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


client_tags = Table(
    "client_tags",
    Base.metadata,
    Column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Client(Base):
    """A person or a company the business sells to or serves."""

    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint("kind IN ('person', 'company')", name="kind"),
        CheckConstraint("notify_by IN ('email', 'sms', 'both', 'none')", name="notify_by"),
        Index("ix_clients_inn", "inn", postgresql_where="inn IS NOT NULL"),
        Index("ix_clients_owner_name", "owner_id", "name"),
        Index("ix_clients_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(300))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), index=True
    )
    inn: Mapped[str | None] = mapped_column(String(12))
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    legal_address: Mapped[str] = mapped_column(Text, default="")
    postal_address: Mapped[str] = mapped_column(Text, default="")
    bank_name: Mapped[str] = mapped_column(String(300), default="")
    bik: Mapped[str | None] = mapped_column(String(9))
    corr_account: Mapped[str | None] = mapped_column(String(20))
    settlement_account: Mapped[str | None] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), index=True
    )
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("segments.id", ondelete="SET NULL"), index=True
    )
    # attribution: ``channel_id`` is the first touch (kept once set); the last touch moves
    # with every later website lead or call to a tracked number (callcenter/marketing)
    first_touch_at: Mapped[datetime | None]
    last_channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL")
    )
    last_touch_at: Mapped[datetime | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    # order status notifications: by e-mail, by text message, both, or none
    notify_by: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), index=True
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    phones: Mapped[list[ClientPhone]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="ClientPhone.position"
    )
    emails: Mapped[list[ClientEmail]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="ClientEmail.position"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=client_tags, order_by="Tag.name")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="raise")
    channel: Mapped[Channel | None] = relationship(foreign_keys=[channel_id], lazy="raise")
    segment: Mapped[Segment | None] = relationship(lazy="raise")
    company: Mapped[Client | None] = relationship(
        foreign_keys=[company_id], remote_side=[id], lazy="raise"
    )


class ClientPhone(Base):
    """A phone as typed, beside its E.164 form and extension digits."""

    __tablename__ = "client_phones"
    __table_args__ = (CheckConstraint("kind IN ('mobile', 'work', 'home', 'fax')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    e164: Mapped[str] = mapped_column(String(20), index=True)
    extension: Mapped[str] = mapped_column(String(16), default="")
    kind: Mapped[str] = mapped_column(String(10), default="mobile")
    position: Mapped[int] = mapped_column(Integer, default=0)

    client: Mapped[Client] = relationship(back_populates="phones")


class ClientEmail(Base):
    __tablename__ = "client_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    client: Mapped[Client] = relationship(back_populates="emails")
