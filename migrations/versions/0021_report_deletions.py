"""report_deletions: the moments hard-deleted rows counted at, for the rollups to rebuild

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_deletions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "deleted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_deletions")),
    )
    op.create_index(
        op.f("ix_report_deletions_deleted_at"), "report_deletions", ["deleted_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_report_deletions_deleted_at"), table_name="report_deletions")
    op.drop_table("report_deletions")
