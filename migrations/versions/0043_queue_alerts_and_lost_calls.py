"""queues' wallboard thresholds (waiting callers, longest wait, service level: amber and red,
empty = no alert), and the calls rollup rebuilt once: a lost call is now every inbound call
nobody answered (abandoned, not answered, busy, failed), not only abandoned or not answered

Revision ID: 0043
Revises: 0038
Create Date: 2026-12-14 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0043"
down_revision = "0038"
branch_labels = None
depends_on = None

ALERTS = (
    "alert_waiting_amber",
    "alert_waiting_red",
    "alert_wait_amber",
    "alert_wait_red",
    "alert_service_level_amber",
    "alert_service_level_red",
)


def upgrade() -> None:
    for name in ALERTS:
        op.add_column("queues", sa.Column(name, sa.Integer(), nullable=True))
    # no mark: the next refresh rebuilds every hour of the calls rollup with the new rule
    op.execute("DELETE FROM report_rollup_marks WHERE name = 'call_hours'")


def downgrade() -> None:
    for name in reversed(ALERTS):
        op.drop_column("queues", name)
    op.execute("DELETE FROM report_rollup_marks WHERE name = 'call_hours'")
