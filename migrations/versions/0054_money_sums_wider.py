"""money sums wider: the rollups' revenue and cost and a bonus share's revenue were
Numeric(16, 2), so a hundred of the largest orders (Numeric(14, 2)) in one cell, or one
order whose cost (quantity x product cost, up to 10^21 a line) passed 10^14, overflowed and
stopped the rollup for everyone. Numeric(40, 2) holds any sum the inputs' own limits allow.
Widening a numeric's precision at the same scale rewrites no table (PostgreSQL changes the
type modifier only), and a numeric stores its digits, not its precision.

Revision ID: 0054
Revises: 0053
Create Date: 2026-12-07 12:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0054"
down_revision = "0053"
branch_labels = None
depends_on = None

ORDER_SUMS = ("revenue", "costed_revenue", "cost")
COLUMNS = {
    "report_order_days": ORDER_SUMS,
    "report_order_days_by_channel": ORDER_SUMS,
    "report_order_days_by_segment": ORDER_SUMS,
    "report_order_days_by_status": ORDER_SUMS,
    "report_order_region_days": ORDER_SUMS,
    "report_order_region_days_by_region": ORDER_SUMS,
    "report_order_tag_days": ORDER_SUMS,
    "report_order_tag_days_by_tag": ORDER_SUMS,
    "report_order_facts": ("total", "costed_revenue", "cost"),
    "client_loyalty": ("revenue",),
    "loyalty_hours": ("revenue", "repeat_revenue"),
    "loyalty_cube_hours": ("revenue", "repeat_revenue"),
    "manager_hours": ("revenue",),
    "bonus_shares": ("revenue",),
}


def _retype(precision: int) -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.Numeric(precision, 2))


def upgrade() -> None:
    _retype(40)


def downgrade() -> None:
    _retype(16)  # fails on a sum past 10^14, as it should: nothing is cut silently
