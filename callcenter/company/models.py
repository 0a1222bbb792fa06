from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base

COMPANY_KINDS = ("company", "sole_trader")  # an organisation, or an ИП
VAT_MODES = ("included", "on_top", "none")  # prices include VAT, VAT added on top, no VAT


class CompanyProfile(Base):
    """The seller: one row (id 1) holding the company's requisites and bank details."""

    __tablename__ = "company_profile"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("kind IN ('company', 'sole_trader')", name="kind"),
        CheckConstraint("vat_mode IN ('included', 'on_top', 'none')", name="vat_mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    kind: Mapped[str] = mapped_column(String(12), default="company")
    legal_name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(200), default="")
    inn: Mapped[str] = mapped_column(String(12))
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    bank_name: Mapped[str] = mapped_column(String(300))
    bik: Mapped[str] = mapped_column(String(9))
    corr_account: Mapped[str] = mapped_column(String(20))
    settlement_account: Mapped[str] = mapped_column(String(20))
    director: Mapped[str] = mapped_column(String(200), default="")
    accountant: Mapped[str] = mapped_column(String(200), default="")
    vat_mode: Mapped[str] = mapped_column(String(10), default="included")
    vat_exempt_reason: Mapped[str] = mapped_column(String(300), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    @property
    def is_sole_trader(self) -> bool:
        return self.kind == "sole_trader"

    @property
    def display_name(self) -> str:
        return self.short_name or self.legal_name
