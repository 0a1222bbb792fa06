"""invoices.request_key: the issue form's (or API request's) own key, unique per user, so a
double-clicked "Issue" or a retried request issues one invoice, not two correctly numbered ones

Revision ID: 0032
Revises: 0029
Create Date: 2026-12-06 23:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("invoices", sa.Column("request_key", sa.String(120), nullable=True))
    op.create_unique_constraint(
        "uq_invoices_request_key", "invoices", ["created_by_id", "request_key"]
    )


def downgrade() -> None:
    op.drop_constraint("uq_invoices_request_key", "invoices", type_="unique")
    op.drop_column("invoices", "request_key")
