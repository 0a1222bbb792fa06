"""login_failures.pending: a sign-in try being checked is told from a wrong one, so an
address's count (one office's NAT) holds only wrong tries, not colleagues signing in at once

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 23:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "login_failures",
        sa.Column("pending", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("login_failures", "pending")
