"""statement line keyset: a partner's commission lines by (day, id) carrying their state,
amount and reversed line, so a statement's page is one range of the index and its figures
are summed from the index alone (it replaces the index by (partner, day) it extends)

Revision ID: 0051
Revises: 0048
Create Date: 2026-12-20 10:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0051"
down_revision = "0048"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_commission_lines_partner_booked_id",
        "commission_lines",
        ["partner_id", "booked_on", "id"],
        postgresql_include=["state", "amount", "reverses_id"],
    )
    op.drop_index("ix_commission_lines_partner_booked", table_name="commission_lines")


def downgrade() -> None:
    op.create_index(
        "ix_commission_lines_partner_booked", "commission_lines", ["partner_id", "booked_on"]
    )
    op.drop_index("ix_commission_lines_partner_booked_id", table_name="commission_lines")
