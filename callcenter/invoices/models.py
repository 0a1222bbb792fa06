from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
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
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.clients.models import Client
from callcenter.db import Base
from callcenter.orders.models import Order

PAYMENT_STATUSES = ("unpaid", "partly_paid", "paid")
Money = Numeric(14, 2)


class InvoiceCounter(Base):
    """The last number given in a year; its row is locked while a number is taken."""

    __tablename__ = "invoice_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


class Invoice(Base):
    """A счёт на оплату: the parties frozen as they were on the day it was issued."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("year", "number", name="uq_invoices_year_number"),
        UniqueConstraint("created_by_id", "request_key", name="uq_invoices_request_key"),
        CheckConstraint("vat_mode IN ('included', 'on_top', 'none')", name="vat_mode"),
        CheckConstraint(
            "payment_status IN ('unpaid', 'partly_paid', 'paid')", name="payment_status"
        ),
        Index("ix_invoices_client_issued", "client_id", "issued_on"),
        Index("ix_invoices_status_issued", "payment_status", "issued_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    # the order it was issued for (its lines came from there); kept if the order goes
    order_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"))
    seller: Mapped[dict[str, Any]] = mapped_column(JSONB)
    buyer: Mapped[dict[str, Any]] = mapped_column(JSONB)
    basis: Mapped[str] = mapped_column(String(300), default="")
    vat_mode: Mapped[str] = mapped_column(String(10))
    vat_exempt_reason: Mapped[str] = mapped_column(String(300), default="")
    currency: Mapped[str] = mapped_column(String(3))
    lines_total: Mapped[Decimal] = mapped_column(Money)
    vat_total: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    payment_status: Mapped[str] = mapped_column(String(12), default="unpaid")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # the issuing form's (or API request's) own key: the same request issues one invoice
    request_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.n"
    )
    payments: Mapped[list[InvoicePayment]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        order_by="[InvoicePayment.paid_on, InvoicePayment.id]",
    )
    client: Mapped[Client] = relationship(lazy="raise")
    order: Mapped[Order | None] = relationship(lazy="raise")

    @property
    def outstanding(self) -> Decimal:
        return max(self.total - self.paid, Decimal("0.00"))

    @property
    def status(self) -> str:
        """What the pages and the API call its state: cancelled, else how far it is paid."""
        return "cancelled" if self.cancelled else self.payment_status


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        UniqueConstraint("invoice_id", "n", name="uq_invoice_lines_invoice_n"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("price >= 0", name="price"),
        CheckConstraint("discount >= 0 AND discount <= 100", name="discount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    n: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit_code: Mapped[str] = mapped_column(String(3), default="")  # OKEI, "" for a dash
    unit: Mapped[str] = mapped_column(String(20), default="")
    price: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))  # per cent
    amount: Mapped[Decimal] = mapped_column(Money)
    vat_rate: Mapped[int | None] = mapped_column(Integer)  # None: без НДС

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class InvoicePayment(Base):
    """Money received. ``request_key`` is the form's (or the API request's) own key: the same
    form sent twice records one payment (``uq_invoice_payments_request_key``)."""

    __tablename__ = "invoice_payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        UniqueConstraint("invoice_id", "request_key", name="uq_invoice_payments_request_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())
    request_key: Mapped[str | None] = mapped_column(String(120))

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
