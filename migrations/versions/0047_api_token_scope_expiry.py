"""API tokens: a scope (read-only or read-write) and an expiry

Tokens issued before keep what they could do: read-write, never expiring.

Revision ID: 0047
Revises: 0051
Create Date: 2026-12-20 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0047"
down_revision = "0051"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "api_tokens",
        sa.Column("scope", sa.String(10), nullable=False, server_default="read_write"),
    )
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True)))
    op.create_check_constraint(
        op.f("ck_api_tokens_scope"), "api_tokens", "scope IN ('read_only', 'read_write')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_api_tokens_scope"), "api_tokens", type_="check")
    op.drop_column("api_tokens", "expires_at")
    op.drop_column("api_tokens", "scope")
