"""report_order_facts and report_result_facts: each order and each call result as their
rollups last counted it (refreshes add the difference of what changed instead of rebuilding
days)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_order_facts",
        sa.Column("order_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("tag_ids", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("total", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("costed_revenue", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("cost", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_report_order_facts")),
    )
    op.create_index(
        "ix_report_order_facts_client_id", "report_order_facts", ["client_id"], unique=False
    )
    op.create_index("ix_report_order_facts_day", "report_order_facts", ["day"], unique=False)
    op.create_table(
        "report_result_facts",
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("result_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("ordered", sa.Boolean(), nullable=False),
        sa.Column("complained", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("source", "result_id", name=op.f("pk_report_result_facts")),
    )
    op.create_index(
        "ix_report_result_facts_client_id", "report_result_facts", ["client_id"], unique=False
    )
    op.create_index("ix_report_result_facts_day", "report_result_facts", ["day"], unique=False)
    # the first refresh after this fills the ledgers with every day
    op.execute(
        "DELETE FROM report_rollup_marks "
        "WHERE name LIKE 'report_order_%' OR name = 'report_disposition_days'"
    )


def downgrade() -> None:
    op.drop_index("ix_report_result_facts_day", table_name="report_result_facts")
    op.drop_index("ix_report_result_facts_client_id", table_name="report_result_facts")
    op.drop_table("report_result_facts")
    op.drop_index("ix_report_order_facts_day", table_name="report_order_facts")
    op.drop_index("ix_report_order_facts_client_id", table_name="report_order_facts")
    op.drop_table("report_order_facts")
