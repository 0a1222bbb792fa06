"""partner downline indexes: the closure by (ancestor, depth), so a partner's partners per
level are read from the index alone; live commission runs by (partner, day) carrying their
sales, so a branch's sales of a period are summed from the index alone (it replaces the
index of every run by (partner, day): each query of it asks for live runs only)

Revision ID: 0045
Revises: 0043
Create Date: 2026-12-14 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0043"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_partner_paths_ancestor_depth", "partner_paths", ["ancestor_id", "depth"])
    op.create_index(
        "ix_commission_runs_live_partner_paid",
        "commission_runs",
        ["partner_id", "paid_on"],
        postgresql_include=["sales"],
        postgresql_where=sa.text("reversed_at IS NULL"),
    )
    op.drop_index("ix_commission_runs_partner_paid", table_name="commission_runs")


def downgrade() -> None:
    op.create_index("ix_commission_runs_partner_paid", "commission_runs", ["partner_id", "paid_on"])
    op.drop_index("ix_commission_runs_live_partner_paid", table_name="commission_runs")
    op.drop_index("ix_partner_paths_ancestor_depth", table_name="partner_paths")
