"""sales report rollups: orders, leads, calls and call results by day; products' cost

The rollups of the refusals, funnel, channels and segments reports, the per-client funnel
milestones, the indexes their refresh finds changed rows by (none on a table the PBX listener
writes), and a product's cost, which gives the margin.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26 23:02:07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_call_days",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("talk_seconds", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "owner_id", "channel_id", "segment_id", name=op.f("pk_report_call_days")
        ),
    )
    op.create_table(
        "report_client_days",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("leads", sa.Integer(), server_default="0", nullable=False),
        sa.Column("contacted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("interested", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ordered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("delivered", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "owner_id", "channel_id", "segment_id", name=op.f("pk_report_client_days")
        ),
    )
    op.create_table(
        "report_client_milestones",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("interested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_report_client_milestones")),
    )
    op.create_index(
        "ix_report_client_milestones_created_at",
        "report_client_milestones",
        ["created_at"],
        unique=False,
    )
    op.create_table(
        "report_disposition_days",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("campaign_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("agent_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), server_default="", nullable=False),
        sa.Column("results", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ordered_after", sa.Integer(), server_default="0", nullable=False),
        sa.Column("after_complaint", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "source",
            "campaign_id",
            "agent_id",
            "segment_id",
            "channel_id",
            "kind",
            "code",
            "reason",
            name=op.f("pk_report_disposition_days"),
        ),
    )
    op.create_table(
        "report_order_days",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manager_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column(
            "costed_revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False
        ),
        sa.Column("cost", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "manager_id",
            "channel_id",
            "segment_id",
            "status_id",
            name=op.f("pk_report_order_days"),
        ),
    )
    op.create_table(
        "report_order_region_days",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manager_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("region", sa.String(length=100), server_default="", nullable=False),
        sa.Column("orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column(
            "costed_revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False
        ),
        sa.Column("cost", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "manager_id",
            "channel_id",
            "segment_id",
            "region",
            name=op.f("pk_report_order_region_days"),
        ),
    )
    op.create_table(
        "report_order_tag_days",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manager_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("tag_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column(
            "costed_revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False
        ),
        sa.Column("cost", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "manager_id",
            "channel_id",
            "segment_id",
            "tag_id",
            name=op.f("pk_report_order_tag_days"),
        ),
    )
    op.create_index("ix_call_wrapups_created_at", "call_wrapups", ["created_at"], unique=False)
    op.create_index(
        "ix_campaign_attempts_dispositioned_at",
        "campaign_attempts",
        ["dispositioned_at"],
        unique=False,
        postgresql_where=sa.text("dispositioned_at IS NOT NULL"),
    )
    op.create_index("ix_clients_updated_at", "clients", ["updated_at"], unique=False)
    op.create_index("ix_orders_updated_at", "orders", ["updated_at"], unique=False)
    op.add_column("products", sa.Column("cost", sa.Numeric(precision=14, scale=2), nullable=True))
    op.create_check_constraint(op.f("ck_products_cost"), "products", "cost >= 0")

    op.create_table(
        "report_call_days_by_channel",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("talk_seconds", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", "channel_id", name=op.f("pk_report_call_days_by_channel")),
    )
    op.create_table(
        "report_client_days_by_channel",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("leads", sa.Integer(), server_default="0", nullable=False),
        sa.Column("contacted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("interested", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ordered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("delivered", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", "channel_id", name=op.f("pk_report_client_days_by_channel")),
    )
    op.create_table(
        "report_client_days_by_owner",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("leads", sa.Integer(), server_default="0", nullable=False),
        sa.Column("contacted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("interested", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ordered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("delivered", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", "owner_id", name=op.f("pk_report_client_days_by_owner")),
    )
    op.create_table(
        "report_disposition_days_by_agent",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("results", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ordered_after", sa.Integer(), server_default="0", nullable=False),
        sa.Column("after_complaint", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "agent_id", "kind", name=op.f("pk_report_disposition_days_by_agent")
        ),
    )
    op.create_table(
        "report_disposition_days_by_campaign",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("campaign_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), server_default="", nullable=False),
        sa.Column("results", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ordered_after", sa.Integer(), server_default="0", nullable=False),
        sa.Column("after_complaint", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "source",
            "campaign_id",
            "kind",
            "code",
            "reason",
            name=op.f("pk_report_disposition_days_by_campaign"),
        ),
    )
    op.create_table(
        "report_disposition_days_by_segment",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("results", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ordered_after", sa.Integer(), server_default="0", nullable=False),
        sa.Column("after_complaint", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "segment_id", "kind", name=op.f("pk_report_disposition_days_by_segment")
        ),
    )
    op.create_table(
        "report_order_days_by_channel",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column(
            "costed_revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False
        ),
        sa.Column("cost", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "channel_id", "status_id", name=op.f("pk_report_order_days_by_channel")
        ),
    )
    op.create_table(
        "report_order_days_by_segment",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column(
            "costed_revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False
        ),
        sa.Column("cost", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "segment_id", "status_id", name=op.f("pk_report_order_days_by_segment")
        ),
    )
    op.create_table(
        "report_order_days_by_status",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column(
            "costed_revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False
        ),
        sa.Column("cost", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", "status_id", name=op.f("pk_report_order_days_by_status")),
    )
    op.create_table(
        "report_order_region_days_by_region",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("region", sa.String(length=100), server_default="", nullable=False),
        sa.Column("orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column(
            "costed_revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False
        ),
        sa.Column("cost", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "region", name=op.f("pk_report_order_region_days_by_region")
        ),
    )
    op.create_table(
        "report_order_tag_days_by_tag",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tag_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column(
            "costed_revenue", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False
        ),
        sa.Column("cost", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", "tag_id", name=op.f("pk_report_order_tag_days_by_tag")),
    )
    op.create_index(
        "ix_report_call_days_owner_id_day", "report_call_days", ["owner_id", "day"], unique=False
    )
    op.create_index(
        "ix_report_client_days_owner_id_day",
        "report_client_days",
        ["owner_id", "day"],
        unique=False,
    )
    op.create_index(
        "ix_report_disposition_days_agent_id_day",
        "report_disposition_days",
        ["agent_id", "day"],
        unique=False,
    )
    op.create_index(
        "ix_report_order_days_manager_id_day",
        "report_order_days",
        ["manager_id", "day"],
        unique=False,
    )
    op.create_index(
        "ix_report_order_region_days_manager_id_day",
        "report_order_region_days",
        ["manager_id", "day"],
        unique=False,
    )
    op.create_index(
        "ix_report_order_tag_days_manager_id_day",
        "report_order_tag_days",
        ["manager_id", "day"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_report_order_tag_days_manager_id_day", table_name="report_order_tag_days")
    op.drop_index(
        "ix_report_order_region_days_manager_id_day", table_name="report_order_region_days"
    )
    op.drop_index("ix_report_order_days_manager_id_day", table_name="report_order_days")
    op.drop_index("ix_report_disposition_days_agent_id_day", table_name="report_disposition_days")
    op.drop_index("ix_report_client_days_owner_id_day", table_name="report_client_days")
    op.drop_index("ix_report_call_days_owner_id_day", table_name="report_call_days")
    op.drop_table("report_order_tag_days_by_tag")
    op.drop_table("report_order_region_days_by_region")
    op.drop_table("report_order_days_by_status")
    op.drop_table("report_order_days_by_segment")
    op.drop_table("report_order_days_by_channel")
    op.drop_table("report_disposition_days_by_segment")
    op.drop_table("report_disposition_days_by_campaign")
    op.drop_table("report_disposition_days_by_agent")
    op.drop_table("report_client_days_by_owner")
    op.drop_table("report_client_days_by_channel")
    op.drop_table("report_call_days_by_channel")
    op.drop_constraint(op.f("ck_products_cost"), "products", type_="check")
    op.drop_column("products", "cost")
    op.drop_index("ix_orders_updated_at", table_name="orders")
    op.drop_index("ix_clients_updated_at", table_name="clients")
    op.drop_index(
        "ix_campaign_attempts_dispositioned_at",
        table_name="campaign_attempts",
        postgresql_where=sa.text("dispositioned_at IS NOT NULL"),
    )
    op.drop_index("ix_call_wrapups_created_at", table_name="call_wrapups")
    op.drop_table("report_order_tag_days")
    op.drop_table("report_order_region_days")
    op.drop_table("report_order_days")
    op.drop_table("report_disposition_days")
    op.drop_index("ix_report_client_milestones_created_at", table_name="report_client_milestones")
    op.drop_table("report_client_milestones")
    op.drop_table("report_client_days")
    op.drop_table("report_call_days")
