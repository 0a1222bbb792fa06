"""report rollups: their watermarks, the calls report's hourly rollups, and the indexes
they find changed rows by

Revision ID: 0016
Revises: 0012
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_rollup_marks",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("mark", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("buckets", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_report_rollup_marks")),
    )
    op.create_table(
        "report_agent_hours",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("talk", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "hour", "agent", "queue", "direction", name=op.f("pk_report_agent_hours")
        ),
    )
    op.create_table(
        "report_agent_state_hours",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "hour", "agent", "status", "reason", name=op.f("pk_report_agent_state_hours")
        ),
    )
    op.create_table(
        "report_call_hours",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("answered_wait", sa.Float(), nullable=False),
        sa.Column("talk", sa.Float(), nullable=False),
        sa.Column("hold", sa.Float(), nullable=False),
        sa.Column("callback_due", sa.Integer(), nullable=False),
        sa.Column("called_back", sa.Integer(), nullable=False),
        sa.Column("called_back_1h", sa.Integer(), nullable=False),
        sa.Column("callback_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "direction", "queue", name=op.f("pk_report_call_hours")),
    )
    op.create_table(
        "report_queue_hours",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("answered_in_sl", sa.Integer(), nullable=False),
        sa.Column("answered_wait", sa.Float(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("completed_in_sl", sa.Integer(), nullable=False),
        sa.Column("completed_talk", sa.Float(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("abandoned_in_sl", sa.Integer(), nullable=False),
        sa.Column("abandoned_short", sa.Integer(), nullable=False),
        sa.Column("abandoned_wait", sa.Float(), nullable=False),
        sa.Column("abandoned_10", sa.Integer(), nullable=False),
        sa.Column("abandoned_30", sa.Integer(), nullable=False),
        sa.Column("abandoned_60", sa.Integer(), nullable=False),
        sa.Column("abandoned_120", sa.Integer(), nullable=False),
        sa.Column("exited", sa.Integer(), nullable=False),
        sa.Column("max_wait", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "queue", name=op.f("pk_report_queue_hours")),
    )
    op.create_index("ix_calls_updated_at", "calls", ["updated_at"], unique=False)
    op.create_index("ix_agent_states_ended", "agent_states", ["ended_at"], unique=False)


def downgrade() -> None:
    op.drop_table("report_queue_hours")
    op.drop_table("report_call_hours")
    op.drop_table("report_agent_state_hours")
    op.drop_table("report_agent_hours")
    op.drop_index("ix_agent_states_ended", table_name="agent_states")
    op.drop_index("ix_calls_updated_at", table_name="calls")
    op.drop_table("report_rollup_marks")
