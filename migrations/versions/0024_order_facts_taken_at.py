"""report_order_facts.taken_at: when each order was taken, so a report's period ends are
summed from the ledger, not from the raw orders

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 07:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "report_order_facts", sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "UPDATE report_order_facts f SET taken_at = o.created_at FROM orders o "
        "WHERE o.id = f.order_id"
    )
    op.execute("DELETE FROM report_order_facts WHERE taken_at IS NULL")
    op.alter_column("report_order_facts", "taken_at", nullable=False)
    op.create_index(
        "ix_report_order_facts_taken_at", "report_order_facts", ["taken_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_report_order_facts_taken_at", table_name="report_order_facts")
    op.drop_column("report_order_facts", "taken_at")
