"""leader_terms: the term (epoch) of each led job family, so a PBX listener that has lost
the lead to another process never writes (fencing), and one that led on through a database
outage can go on as the same term when the database returns

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leader_terms",
        sa.Column("family", sa.String(80), primary_key=True),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("leader", sa.String(120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leader_terms")
