"""report rollups: their watermarks, and the indexes they find changed rows by

Revision ID: 0016
Revises: 0012
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_rollup_marks",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("mark", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("buckets", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_report_rollup_marks")),
    )
    op.create_index("ix_calls_updated_at", "calls", ["updated_at"], unique=False)
    op.create_index("ix_agent_states_ended", "agent_states", ["ended_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_agent_states_ended", table_name="agent_states")
    op.drop_index("ix_calls_updated_at", table_name="calls")
    op.drop_table("report_rollup_marks")
