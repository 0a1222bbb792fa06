"""Orders, their lines, the status pipeline and every status change."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.clients.models import Channel, Client
from callcenter.db import Base
from callcenter.products.models import Product
from callcenter.users.models import User

STATUS_KINDS = ("open", "final", "cancel")


class OrderStatus(Base):
    """A stage of the pipeline the admin keeps.

    ``open`` stages follow one another by ``position``; a ``final`` stage ends the order
    fulfilled; a ``cancel`` stage (cancelled, refused) ends it unfulfilled and needs a reason.
    ``deadline_days``: how long an order may stay in the stage before it is overdue.
    """

    __tablename__ = "order_statuses"
    __table_args__ = (CheckConstraint("kind IN ('open', 'final', 'cancel')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ru: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), default="open")
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    notify_client: Mapped[bool] = mapped_column(Boolean, default=False)
    email_subject: Mapped[str] = mapped_column(String(300), default="")
    email_body: Mapped[str] = mapped_column(Text, default="")
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    sms_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" else self.name_en

    @property
    def is_open(self) -> bool:
        return self.kind == "open"


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_client_created", "client_id", "created_at"),
        Index("ix_orders_status_due", "status_id", "stage_due_at"),
        CheckConstraint("total >= 0", name="total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), index=True
    )
    status_id: Mapped[int] = mapped_column(ForeignKey("order_statuses.id"))
    status_changed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    stage_due_at: Mapped[datetime | None]  # the current stage's deadline
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    client: Mapped[Client] = relationship(lazy="raise")
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id], lazy="raise")
    channel: Mapped[Channel | None] = relationship(lazy="raise")
    status: Mapped[OrderStatus] = relationship(lazy="raise")
    lines: Mapped[list[OrderLine]] = relationship(
        cascade="all, delete-orphan", order_by="OrderLine.position", lazy="raise"
    )


class OrderLine(Base):
    """A catalog product or a free-text item: quantity × price less a discount in percent."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("price >= 0", name="price"),
        CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(String(300))
    unit_code: Mapped[str] = mapped_column(String(3), default="796")
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    vat_rate: Mapped[str] = mapped_column(String(4), default="22")
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    product: Mapped[Product | None] = relationship(lazy="raise")


class OrderStatusChange(Base):
    """One move of an order: from, to, who, when, why, and the deadline of the stage entered."""

    __tablename__ = "order_status_changes"
    __table_args__ = (Index("ix_order_status_changes_order", "order_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    from_status_id: Mapped[int | None] = mapped_column(ForeignKey("order_statuses.id"))
    to_status_id: Mapped[int] = mapped_column(ForeignKey("order_statuses.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    reason: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None]
