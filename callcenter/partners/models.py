"""Partners, their tree (a closure table), plans, attributions, commissions and payouts."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.clients.models import Client
from callcenter.db import Base
from callcenter.users.models import User

PARTNER_STATUSES = ("active", "suspended")
PLAN_BASES = ("net", "margin")  # the order total without VAT, or the margin where costs are known
LINE_STATES = ("held", "payable", "paid", "reversed")
ATTRIBUTION_SOURCES = ("card", "import", "order", "link", "api")
Money = Numeric(14, 2)
Rate = Numeric(6, 3)  # per cent, 0 to 100, three places


class CommissionPlan(Base):
    """What each level of the chain earns, on which base, and who qualifies from which level:
    a partner at level ``qualify_from_level`` or deeper earns only with at least
    ``qualify_min_sales`` of personal sales (without VAT) in the calendar month of the payment."""

    __tablename__ = "commission_plans"
    __table_args__ = (
        CheckConstraint("base IN ('net', 'margin')", name="base"),
        CheckConstraint("qualify_from_level IS NULL OR qualify_from_level >= 1", name="qualify"),
        CheckConstraint("qualify_min_sales IS NULL OR qualify_min_sales >= 0", name="min_sales"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    base: Mapped[str] = mapped_column(String(10), default="net")
    qualify_from_level: Mapped[int | None] = mapped_column(Integer)
    qualify_min_sales: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    rates: Mapped[list[PlanRate]] = relationship(
        cascade="all, delete-orphan",
        order_by="[PlanRate.level, PlanRate.group_id.nulls_first()]",
        lazy="selectin",
    )

    def rate_for(self, level: int, group_id: int | None) -> Decimal | None:
        """The group's own rate at this level if the plan has one, else the level's rate."""
        general = None
        for rate in self.rates:
            if rate.level != level:
                continue
            if group_id is not None and rate.group_id == group_id:
                return rate.rate
            if rate.group_id is None:
                general = rate.rate
        return general

    @property
    def depth(self) -> int:
        return max((rate.level for rate in self.rates), default=0)


class ProductGroup(Base):
    """A group of catalog products that plans may pay another rate on."""

    __tablename__ = "commission_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class ProductGroupMember(Base):
    """A product's group (one at most)."""

    __tablename__ = "commission_group_products"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("commission_groups.id", ondelete="CASCADE"), index=True
    )


class PlanRate(Base):
    """A level's rate in per cent; with ``group_id``, that product group's rate at the level."""

    __tablename__ = "commission_plan_rates"
    __table_args__ = (
        CheckConstraint("level >= 1 AND level <= 20", name="level"),
        CheckConstraint("rate >= 0 AND rate <= 100", name="rate"),
        Index(
            "uq_commission_plan_rates_level_group",
            "plan_id",
            "level",
            text("coalesce(group_id, 0)"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("commission_plans.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("commission_groups.id", ondelete="CASCADE")
    )
    rate: Mapped[Decimal] = mapped_column(Rate)


class Partner(Base):
    """A person or company from the client base (their requisites live on the client record)
    who brings clients and recruits partners. ``sponsor_id`` is who recruited them."""

    __tablename__ = "partners"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended')", name="status"),
        CheckConstraint("sponsor_id IS NULL OR sponsor_id <> id", name="not_own_sponsor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), unique=True
    )
    code: Mapped[str] = mapped_column(String(20), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("commission_plans.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(10), default="active")
    sponsor_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="RESTRICT"), index=True
    )
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # the partner's own sign-in (role ``partner``), if they have one
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    client: Mapped[Client] = relationship(lazy="raise")
    plan: Mapped[CommissionPlan] = relationship(lazy="raise")
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id], lazy="raise")

    @property
    def name(self) -> str:
        return self.client.name


class PartnerPath(Base):
    """The closure of the sponsor tree: one row per (ancestor, descendant) with the depth
    between them, a partner being its own ancestor at depth 0. Kept in the same transaction as
    every sponsor change, under one lock, so it never holds a cycle."""

    __tablename__ = "partner_paths"
    __table_args__ = (
        Index("ix_partner_paths_descendant", "descendant_id", "depth"),
        Index("ix_partner_paths_ancestor_depth", "ancestor_id", "depth"),  # partners per level
        CheckConstraint("depth >= 0", name="depth"),
    )

    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    descendant_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    depth: Mapped[int] = mapped_column(Integer)


class ClientAttribution(Base):
    """The partner a client came through (one at most), since when and how it was given."""

    __tablename__ = "client_attributions"
    __table_args__ = (
        CheckConstraint("source IN ('card', 'import', 'order', 'link', 'api')", name="source"),
    )

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="RESTRICT"), index=True
    )
    attributed_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(10), default="card")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CommissionRun(Base):
    """One paid order's commissions: made by the payment that paid the order in full. At most
    one live (not reversed) run per order (``uq_commission_runs_live_order``) and one run per
    payment (``uq_commission_runs_payment``): an order accrues exactly once however many
    payments, retries or processes race for it."""

    __tablename__ = "commission_runs"
    __table_args__ = (
        UniqueConstraint("payment_id", name="uq_commission_runs_payment"),
        Index(
            "uq_commission_runs_live_order",
            "order_id",
            unique=True,
            postgresql_where=text("reversed_at IS NULL"),
        ),
        # a partner's live sales of a period, summed from the index alone (downline, plans)
        Index(
            "ix_commission_runs_live_partner_paid",
            "partner_id",
            "paid_on",
            postgresql_include=["sales"],
            postgresql_where=text("reversed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"))
    # the invoice payment that paid the order in full; no foreign key: a payment removed as a
    # mistake reverses the run, and the run keeps naming it
    payment_id: Mapped[int] = mapped_column(BigInteger)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    paid_on: Mapped[date] = mapped_column(Date)
    sales: Mapped[Decimal] = mapped_column(Money)  # the order's total without VAT
    vat_mode: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    reversed_at: Mapped[datetime | None]
    reverse_reason: Mapped[str] = mapped_column(String(20), default="")


class CommissionLine(Base):
    """One partner's share of one run at one level (and product group): ``base`` × ``rate`` %
    rounded half up to the kopeck. A reversal is a negative line naming the line it reverses."""

    __tablename__ = "commission_lines"
    __table_args__ = (
        CheckConstraint("state IN ('held', 'payable', 'paid', 'reversed')", name="state"),
        CheckConstraint("level >= 1", name="level"),
        Index(
            "uq_commission_lines_share",
            "run_id",
            "partner_id",
            "level",
            text("coalesce(group_id, 0)"),
            unique=True,
            postgresql_where=text("reverses_id IS NULL"),
        ),
        UniqueConstraint("reverses_id", name="uq_commission_lines_reverses_id"),
        # a statement's lines page by page, its figures summed from the index alone
        Index(
            "ix_commission_lines_partner_booked_id",
            "partner_id",
            "booked_on",
            "id",
            postgresql_include=["state", "amount", "reverses_id"],
        ),
        Index("ix_commission_lines_partner_state", "partner_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("commission_runs.id", ondelete="RESTRICT"), index=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"))
    level: Mapped[int] = mapped_column(Integer)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("commission_groups.id", ondelete="SET NULL")
    )
    base: Mapped[Decimal] = mapped_column(Money)
    rate: Mapped[Decimal] = mapped_column(Rate)
    amount: Mapped[Decimal] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(10), default="held")
    # the statement day it counts on: an accrual's payment day, a reversal's own day
    booked_on: Mapped[date] = mapped_column(Date)
    reverses_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("commission_lines.id", ondelete="RESTRICT")
    )
    payout_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_payouts.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Statement(Base):
    """A partner's statement of a period (a calendar month); payouts are recorded against it."""

    __tablename__ = "partner_statements"
    __table_args__ = (
        UniqueConstraint("partner_id", "first_day", name="uq_partner_statements_period"),
        CheckConstraint("last_day >= first_day", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Payout(Base):
    """Money paid to a partner against a statement: every line payable by the statement's
    last day. The same form sent twice records one payout (``uq_partner_payouts_request_key``)."""

    __tablename__ = "partner_payouts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        UniqueConstraint("statement_id", "request_key", name="uq_partner_payouts_request_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("partner_statements.id", ondelete="RESTRICT"), index=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())
    request_key: Mapped[str | None] = mapped_column(String(120))


class ReferralRequest(Base):
    """A visitor's call-back request sent from a partner's referral link (``/r/{code}``): the
    record of what the link brought, and what rate-limits an address (every web process
    counts the same rows)."""

    __tablename__ = "referral_requests"
    __table_args__ = (
        CheckConstraint("outcome IN ('attributed', 'same', 'kept')", name="outcome"),
        Index("ix_referral_requests_address_at", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(12))  # what became of the attribution
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
