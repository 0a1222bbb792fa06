"""The product catalog: what order lines can be picked from (free-text lines need none)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Index, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base

VAT_RATES = ("22", "10", "0", "5", "7", "none")  # art. 164 НК РФ, УСН 5/7, "без НДС"


class Product(Base):
    """A product or a service with its unit (an OKEI code), price and VAT rate."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("vat_rate IN ('22', '10', '0', '5', '7', 'none')", name="vat_rate"),
        CheckConstraint("price >= 0", name="price"),
        CheckConstraint("cost >= 0", name="cost"),
        Index("uq_products_sku", "sku", unique=True, postgresql_where="sku <> ''"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    sku: Mapped[str] = mapped_column(String(64), default="")
    unit_code: Mapped[str] = mapped_column(String(3), default="796")
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    # what a unit costs the company (purchase or production), if known: gives the margin
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    vat_rate: Mapped[str] = mapped_column(String(4), default="22")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
