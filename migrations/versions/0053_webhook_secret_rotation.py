"""webhook secret rotation and purge: an endpoint keeps the secret it had before its last
rotation, and until when that one still signs (both signatures go out meanwhile, as Stripe
does); deliveries indexed by their creation time, which the purge of old ones walks

Revision ID: 0053
Revises: 0050
Create Date: 2026-12-17 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0053"
down_revision = "0050"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "webhook_endpoints",
        sa.Column("previous_secret", sa.String(100), server_default="", nullable=False),
    )
    op.add_column(
        "webhook_endpoints",
        sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_webhook_deliveries_created", "webhook_deliveries", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_created", table_name="webhook_deliveries")
    op.drop_column("webhook_endpoints", "previous_secret_until")
    op.drop_column("webhook_endpoints", "previous_secret")
