"""uncertain_ends_and_open_visits: a call that ended while the CRM could not hear the PBX is
marked (``end_uncertain``) with the window its end lies in (``ended_at`` .. ``ended_latest_at``);
the heartbeat keeps what the previous leader last heard (``previous_heard_at``), the bound of
calls and queue visits that ended while no process listened; queue visits ended today are
found by their end for the wallboard's day

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "calls",
        sa.Column("end_uncertain", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("calls", sa.Column("ended_latest_at", sa.DateTime(timezone=True)))
    op.add_column("pbx_status", sa.Column("previous_heard_at", sa.DateTime(timezone=True)))
    op.create_index(
        "ix_queue_stints_ended",
        "queue_stints",
        ["ended_at"],
        postgresql_where="ended_at IS NOT NULL",
    )


def downgrade() -> None:
    op.drop_index("ix_queue_stints_ended", table_name="queue_stints")
    op.drop_column("pbx_status", "previous_heard_at")
    op.drop_column("calls", "ended_latest_at")
    op.drop_column("calls", "end_uncertain")
