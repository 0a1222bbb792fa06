"""partners (multi-level sales): the partner tree and its closure table, commission plans with
per-level and per-product-group rates, client attributions, commission runs and lines,
statements and payouts; the ``partner`` role

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=14, scale=2)
RATE = sa.Numeric(precision=6, scale=3)
NOW = sa.text("now()")
OLD_ROLES = "role IN ('operator', 'manager', 'supervisor', 'admin')"
NEW_ROLES = "role IN ('operator', 'manager', 'supervisor', 'admin', 'partner')"


def _plans() -> None:
    op.create_table(
        "commission_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("base", sa.String(10), nullable=False),
        sa.Column("qualify_from_level", sa.Integer(), nullable=True),
        sa.Column("qualify_min_sales", MONEY, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("base IN ('net', 'margin')", name=op.f("ck_commission_plans_base")),
        sa.CheckConstraint(
            "qualify_from_level IS NULL OR qualify_from_level >= 1",
            name=op.f("ck_commission_plans_qualify"),
        ),
        sa.CheckConstraint(
            "qualify_min_sales IS NULL OR qualify_min_sales >= 0",
            name=op.f("ck_commission_plans_min_sales"),
        ),
        sa.UniqueConstraint("name", name=op.f("uq_commission_plans_name")),
    )
    op.create_table(
        "commission_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.UniqueConstraint("name", name=op.f("uq_commission_groups_name")),
    )
    op.create_table(
        "commission_group_products",
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("products.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("commission_groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_commission_group_products_group_id", "commission_group_products", ["group_id"]
    )
    op.create_table(
        "commission_plan_rates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "plan_id",
            sa.Integer(),
            sa.ForeignKey("commission_plans.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("commission_groups.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("rate", RATE, nullable=False),
        sa.CheckConstraint(
            "level >= 1 AND level <= 20", name=op.f("ck_commission_plan_rates_level")
        ),
        sa.CheckConstraint("rate >= 0 AND rate <= 100", name=op.f("ck_commission_plan_rates_rate")),
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_commission_plan_rates_level_group "
        "ON commission_plan_rates (plan_id, level, coalesce(group_id, 0))"
    )


def _partners() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "client_id",
            sa.Integer(),
            sa.ForeignKey("clients.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column(
            "plan_id",
            sa.Integer(),
            sa.ForeignKey("commission_plans.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column(
            "sponsor_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="RESTRICT"),
            nullable=True,
        ),
        sa.Column(
            "manager_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("status IN ('active', 'suspended')", name=op.f("ck_partners_status")),
        sa.CheckConstraint(
            "sponsor_id IS NULL OR sponsor_id <> id", name=op.f("ck_partners_not_own_sponsor")
        ),
        sa.UniqueConstraint("client_id", name=op.f("uq_partners_client_id")),
        sa.UniqueConstraint("code", name=op.f("uq_partners_code")),
        sa.UniqueConstraint("user_id", name=op.f("uq_partners_user_id")),
    )
    op.create_index("ix_partners_sponsor_id", "partners", ["sponsor_id"])
    op.create_index("ix_partners_manager_id", "partners", ["manager_id"])
    op.create_table(
        "partner_paths",
        sa.Column(
            "ancestor_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "descendant_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.CheckConstraint("depth >= 0", name=op.f("ck_partner_paths_depth")),
    )
    op.create_index("ix_partner_paths_descendant", "partner_paths", ["descendant_id", "depth"])
    op.create_table(
        "client_attributions",
        sa.Column(
            "client_id",
            sa.Integer(),
            sa.ForeignKey("clients.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "partner_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("attributed_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column(
            "by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.CheckConstraint(
            "source IN ('card', 'import', 'order', 'link', 'api')",
            name=op.f("ck_client_attributions_source"),
        ),
    )
    op.create_index("ix_client_attributions_partner_id", "client_attributions", ["partner_id"])


def _commissions() -> None:
    op.create_table(
        "commission_runs",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "order_id",
            sa.Integer(),
            sa.ForeignKey("orders.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("payment_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "partner_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("sales", MONEY, nullable=False),
        sa.Column("vat_mode", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reverse_reason", sa.String(20), nullable=False, server_default=""),
        sa.UniqueConstraint("payment_id", name="uq_commission_runs_payment"),
    )
    op.create_index(
        "uq_commission_runs_live_order",
        "commission_runs",
        ["order_id"],
        unique=True,
        postgresql_where=sa.text("reversed_at IS NULL"),
    )
    op.create_index("ix_commission_runs_partner_paid", "commission_runs", ["partner_id", "paid_on"])
    op.create_table(
        "partner_statements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "partner_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.UniqueConstraint("partner_id", "first_day", name="uq_partner_statements_period"),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_partner_statements_period")),
    )
    op.create_table(
        "partner_payouts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "statement_id",
            sa.Integer(),
            sa.ForeignKey("partner_statements.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "partner_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(300), nullable=False),
        sa.Column(
            "recorded_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("request_key", sa.String(120), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_partner_payouts_amount")),
        sa.UniqueConstraint("statement_id", "request_key", name="uq_partner_payouts_request_key"),
    )
    op.create_index("ix_partner_payouts_statement_id", "partner_payouts", ["statement_id"])
    _lines()


def _lines() -> None:
    op.create_table(
        "commission_lines",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "run_id",
            sa.BigInteger(),
            sa.ForeignKey("commission_runs.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "partner_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "order_id",
            sa.Integer(),
            sa.ForeignKey("orders.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("commission_groups.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("base", MONEY, nullable=False),
        sa.Column("rate", RATE, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column(
            "reverses_id",
            sa.BigInteger(),
            sa.ForeignKey("commission_lines.id", ondelete="RESTRICT"),
            nullable=True,
        ),
        sa.Column(
            "payout_id",
            sa.Integer(),
            sa.ForeignKey("partner_payouts.id", ondelete="RESTRICT"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "state IN ('held', 'payable', 'paid', 'reversed')",
            name=op.f("ck_commission_lines_state"),
        ),
        sa.CheckConstraint("level >= 1", name=op.f("ck_commission_lines_level")),
        sa.UniqueConstraint("reverses_id", name="uq_commission_lines_reverses_id"),
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_commission_lines_share ON commission_lines "
        "(run_id, partner_id, level, coalesce(group_id, 0)) WHERE reverses_id IS NULL"
    )
    op.create_index("ix_commission_lines_run_id", "commission_lines", ["run_id"])
    op.create_index("ix_commission_lines_payout_id", "commission_lines", ["payout_id"])
    op.create_index(
        "ix_commission_lines_partner_booked", "commission_lines", ["partner_id", "booked_on"]
    )
    op.create_index(
        "ix_commission_lines_partner_state", "commission_lines", ["partner_id", "state"]
    )


def upgrade() -> None:
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", NEW_ROLES)
    _plans()
    _partners()
    _commissions()


def downgrade() -> None:
    for table in (
        "commission_lines",
        "partner_payouts",
        "partner_statements",
        "commission_runs",
        "client_attributions",
        "partner_paths",
        "partners",
        "commission_plan_rates",
        "commission_group_products",
        "commission_groups",
        "commission_plans",
    ):
        op.drop_table(table)
    op.execute("DELETE FROM users WHERE role = 'partner'")
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", OLD_ROLES)
