"""indexes on the sales rollups' channel and segment, which filters read them by

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 07:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

CUBES = ("report_order_days", "report_call_days", "report_client_days", "report_disposition_days")
COLUMNS = ("channel_id", "segment_id")


def upgrade() -> None:
    for cube in CUBES:
        for column in COLUMNS:
            op.create_index(f"ix_{cube}_{column}_day", cube, [column, "day"], unique=False)


def downgrade() -> None:
    for cube in CUBES:
        for column in COLUMNS:
            op.drop_index(f"ix_{cube}_{column}_day", table_name=cube)
