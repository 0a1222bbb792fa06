"""loyalty and bonus rollups (per client, per hour, per manager and hour), bonus weights,
pools and approved splits; indexes on updated_at that the rollups find changes by

Revision ID: 0018
Revises: 0016
Create Date: 2026-11-26 23:04:19.495860
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loyalty_hours",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dimension", sa.String(length=10), nullable=False),
        sa.Column("member", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("first_orders", sa.Integer(), nullable=False),
        sa.Column("repeat_orders", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("repeat_revenue", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("gap_seconds", sa.Float(), nullable=False),
        sa.Column("gaps_30", sa.Integer(), nullable=False),
        sa.Column("gaps_90", sa.Integer(), nullable=False),
        sa.Column("gaps_180", sa.Integer(), nullable=False),
        sa.Column("gaps_365", sa.Integer(), nullable=False),
        sa.Column("gaps_longer", sa.Integer(), nullable=False),
        sa.Column("client_calls", sa.Integer(), nullable=False),
        sa.Column("repeat_calls", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("nps_answers", sa.Integer(), nullable=False),
        sa.Column("promoters", sa.Integer(), nullable=False),
        sa.Column("detractors", sa.Integer(), nullable=False),
        sa.Column("ratings", sa.Integer(), nullable=False),
        sa.Column("rating_total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "dimension", "member", name=op.f("pk_loyalty_hours")),
    )
    op.create_index(
        "ix_loyalty_hours_member", "loyalty_hours", ["dimension", "member", "hour"], unique=False
    )
    op.create_table(
        "manager_hours",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("talk_seconds", sa.Float(), nullable=False),
        sa.Column("tasks_due", sa.Integer(), nullable=False),
        sa.Column("tasks_on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "user_id", name=op.f("pk_manager_hours")),
    )
    op.create_index("ix_manager_hours_user", "manager_hours", ["user_id", "hour"], unique=False)
    op.create_table(
        "report_task_hours",
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_report_task_hours")),
    )
    op.create_index(op.f("ix_report_task_hours_hour"), "report_task_hours", ["hour"], unique=False)
    op.create_table(
        "bonus_pools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_name", sa.String(length=200), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("weights", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_bonus_pools_amount")),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_bonus_pools_period")),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_bonus_pools_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_bonus_pools_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonus_pools")),
        sa.UniqueConstraint("first_day", "last_day", name="uq_bonus_pools_period"),
    )
    op.create_table(
        "bonus_weights",
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("weight >= 0 AND weight <= 1000", name=op.f("ck_bonus_weights_weight")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_bonus_weights_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("measure", name=op.f("pk_bonus_weights")),
    )
    op.create_table(
        "bonus_shares",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("manager_name", sa.String(length=200), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("talk_seconds", sa.Float(), nullable=False),
        sa.Column("tasks_on_time", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["bonus_pools.id"],
            name=op.f("fk_bonus_shares_pool_id_bonus_pools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_bonus_shares_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonus_shares")),
    )
    op.create_index(op.f("ix_bonus_shares_pool_id"), "bonus_shares", ["pool_id"], unique=False)
    op.create_table(
        "client_loyalty",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("fulfilled", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("frequency", sa.SmallInteger(), nullable=False),
        sa.Column("monetary", sa.SmallInteger(), nullable=False),
        sa.Column("first_order_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_order_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rhythm_seconds", sa.Float(), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("last_call_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nps_last", sa.SmallInteger(), nullable=True),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("open_complaints", sa.Integer(), nullable=False),
        sa.Column("churn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_client_loyalty_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_loyalty")),
    )
    op.create_index("ix_client_loyalty_churn_at", "client_loyalty", ["churn_at"], unique=False)
    op.create_index("ix_client_loyalty_owner", "client_loyalty", ["owner_id"], unique=False)
    op.create_index("ix_client_loyalty_revenue", "client_loyalty", ["revenue"], unique=False)
    op.create_index("ix_feedback_updated_at", "feedback", ["updated_at"], unique=False)
    op.create_index("ix_orders_status_changed_at", "orders", ["status_changed_at"], unique=False)
    op.create_index("ix_tasks_updated_at", "tasks", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tasks_updated_at", table_name="tasks")
    op.drop_index("ix_orders_status_changed_at", table_name="orders")
    op.drop_index("ix_feedback_updated_at", table_name="feedback")
    op.drop_index("ix_client_loyalty_revenue", table_name="client_loyalty")
    op.drop_index("ix_client_loyalty_owner", table_name="client_loyalty")
    op.drop_index("ix_client_loyalty_churn_at", table_name="client_loyalty")
    op.drop_table("client_loyalty")
    op.drop_index(op.f("ix_bonus_shares_pool_id"), table_name="bonus_shares")
    op.drop_table("bonus_shares")
    op.drop_table("bonus_weights")
    op.drop_table("bonus_pools")
    op.drop_index(op.f("ix_report_task_hours_hour"), table_name="report_task_hours")
    op.drop_table("report_task_hours")
    op.drop_index("ix_manager_hours_user", table_name="manager_hours")
    op.drop_table("manager_hours")
    op.drop_index("ix_loyalty_hours_member", table_name="loyalty_hours")
    op.drop_table("loyalty_hours")
