"""calls report rollups by client and campaign: the calls' hourly rollups again with the
client's owner, channel and segment and the placing campaign (cubes), and a slice by each

The call hours' mark is dropped so the next refresh builds every hour into the new tables.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 05:47:23.237346
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_agent_client_hours",
        sa.Column("owner_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("campaign_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("talk", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_id",
            "channel_id",
            "segment_id",
            "campaign_id",
            "hour",
            "agent",
            "queue",
            "direction",
            name=op.f("pk_report_agent_client_hours"),
        ),
    )
    op.create_index(
        "ix_report_agent_client_hours_campaign_id_hour",
        "report_agent_client_hours",
        ["campaign_id", "hour"],
        unique=False,
    )
    op.create_index(
        "ix_report_agent_client_hours_channel_id_hour",
        "report_agent_client_hours",
        ["channel_id", "hour"],
        unique=False,
    )
    op.create_index(
        "ix_report_agent_client_hours_segment_id_hour",
        "report_agent_client_hours",
        ["segment_id", "hour"],
        unique=False,
    )
    op.create_table(
        "report_agent_client_hours_by_campaign",
        sa.Column("campaign_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("talk", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id",
            "hour",
            "agent",
            "queue",
            "direction",
            name=op.f("pk_report_agent_client_hours_by_campaign"),
        ),
    )
    op.create_table(
        "report_agent_client_hours_by_channel",
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("talk", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "channel_id",
            "hour",
            "agent",
            "queue",
            "direction",
            name=op.f("pk_report_agent_client_hours_by_channel"),
        ),
    )
    op.create_table(
        "report_agent_client_hours_by_owner",
        sa.Column("owner_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("talk", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_id",
            "hour",
            "agent",
            "queue",
            "direction",
            name=op.f("pk_report_agent_client_hours_by_owner"),
        ),
    )
    op.create_table(
        "report_agent_client_hours_by_segment",
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("talk", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "segment_id",
            "hour",
            "agent",
            "queue",
            "direction",
            name=op.f("pk_report_agent_client_hours_by_segment"),
        ),
    )
    op.create_table(
        "report_call_client_hours",
        sa.Column("owner_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("campaign_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("missed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("talk", sa.Float(), server_default="0", nullable=False),
        sa.Column("hold", sa.Float(), server_default="0", nullable=False),
        sa.Column("callback_due", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back_1h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("callback_seconds", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_id",
            "channel_id",
            "segment_id",
            "campaign_id",
            "hour",
            "direction",
            "queue",
            name=op.f("pk_report_call_client_hours"),
        ),
    )
    op.create_index(
        "ix_report_call_client_hours_campaign_id_hour",
        "report_call_client_hours",
        ["campaign_id", "hour"],
        unique=False,
    )
    op.create_index(
        "ix_report_call_client_hours_channel_id_hour",
        "report_call_client_hours",
        ["channel_id", "hour"],
        unique=False,
    )
    op.create_index(
        "ix_report_call_client_hours_segment_id_hour",
        "report_call_client_hours",
        ["segment_id", "hour"],
        unique=False,
    )
    op.create_table(
        "report_call_client_hours_by_campaign",
        sa.Column("campaign_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("missed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("talk", sa.Float(), server_default="0", nullable=False),
        sa.Column("hold", sa.Float(), server_default="0", nullable=False),
        sa.Column("callback_due", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back_1h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("callback_seconds", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id",
            "hour",
            "direction",
            "queue",
            name=op.f("pk_report_call_client_hours_by_campaign"),
        ),
    )
    op.create_table(
        "report_call_client_hours_by_channel",
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("missed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("talk", sa.Float(), server_default="0", nullable=False),
        sa.Column("hold", sa.Float(), server_default="0", nullable=False),
        sa.Column("callback_due", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back_1h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("callback_seconds", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "channel_id",
            "hour",
            "direction",
            "queue",
            name=op.f("pk_report_call_client_hours_by_channel"),
        ),
    )
    op.create_table(
        "report_call_client_hours_by_owner",
        sa.Column("owner_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("missed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("talk", sa.Float(), server_default="0", nullable=False),
        sa.Column("hold", sa.Float(), server_default="0", nullable=False),
        sa.Column("callback_due", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back_1h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("callback_seconds", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_id",
            "hour",
            "direction",
            "queue",
            name=op.f("pk_report_call_client_hours_by_owner"),
        ),
    )
    op.create_table(
        "report_call_client_hours_by_segment",
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("missed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("talk", sa.Float(), server_default="0", nullable=False),
        sa.Column("hold", sa.Float(), server_default="0", nullable=False),
        sa.Column("callback_due", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back", sa.Integer(), server_default="0", nullable=False),
        sa.Column("called_back_1h", sa.Integer(), server_default="0", nullable=False),
        sa.Column("callback_seconds", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "segment_id",
            "hour",
            "direction",
            "queue",
            name=op.f("pk_report_call_client_hours_by_segment"),
        ),
    )
    op.create_table(
        "report_queue_client_hours",
        sa.Column("owner_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("campaign_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("threshold", sa.Integer(), server_default="0", nullable=False),
        sa.Column("offered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_talk", sa.Float(), server_default="0", nullable=False),
        sa.Column("abandoned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_short", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("abandoned_10", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_30", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_60", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_120", sa.Integer(), server_default="0", nullable=False),
        sa.Column("exited", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_wait", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_id",
            "channel_id",
            "segment_id",
            "campaign_id",
            "hour",
            "queue",
            name=op.f("pk_report_queue_client_hours"),
        ),
    )
    op.create_index(
        "ix_report_queue_client_hours_campaign_id_hour",
        "report_queue_client_hours",
        ["campaign_id", "hour"],
        unique=False,
    )
    op.create_index(
        "ix_report_queue_client_hours_channel_id_hour",
        "report_queue_client_hours",
        ["channel_id", "hour"],
        unique=False,
    )
    op.create_index(
        "ix_report_queue_client_hours_segment_id_hour",
        "report_queue_client_hours",
        ["segment_id", "hour"],
        unique=False,
    )
    op.create_table(
        "report_queue_client_hours_by_campaign",
        sa.Column("campaign_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("threshold", sa.Integer(), server_default="0", nullable=False),
        sa.Column("offered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_talk", sa.Float(), server_default="0", nullable=False),
        sa.Column("abandoned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_short", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("abandoned_10", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_30", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_60", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_120", sa.Integer(), server_default="0", nullable=False),
        sa.Column("exited", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_wait", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id", "hour", "queue", name=op.f("pk_report_queue_client_hours_by_campaign")
        ),
    )
    op.create_table(
        "report_queue_client_hours_by_channel",
        sa.Column("channel_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("threshold", sa.Integer(), server_default="0", nullable=False),
        sa.Column("offered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_talk", sa.Float(), server_default="0", nullable=False),
        sa.Column("abandoned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_short", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("abandoned_10", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_30", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_60", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_120", sa.Integer(), server_default="0", nullable=False),
        sa.Column("exited", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_wait", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "channel_id", "hour", "queue", name=op.f("pk_report_queue_client_hours_by_channel")
        ),
    )
    op.create_table(
        "report_queue_client_hours_by_owner",
        sa.Column("owner_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("threshold", sa.Integer(), server_default="0", nullable=False),
        sa.Column("offered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_talk", sa.Float(), server_default="0", nullable=False),
        sa.Column("abandoned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_short", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("abandoned_10", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_30", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_60", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_120", sa.Integer(), server_default="0", nullable=False),
        sa.Column("exited", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_wait", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_id", "hour", "queue", name=op.f("pk_report_queue_client_hours_by_owner")
        ),
    )
    op.create_table(
        "report_queue_client_hours_by_segment",
        sa.Column("segment_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("threshold", sa.Integer(), server_default="0", nullable=False),
        sa.Column("offered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_talk", sa.Float(), server_default="0", nullable=False),
        sa.Column("abandoned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_in_sl", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_short", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_wait", sa.Float(), server_default="0", nullable=False),
        sa.Column("abandoned_10", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_30", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_60", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_120", sa.Integer(), server_default="0", nullable=False),
        sa.Column("exited", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_wait", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "segment_id", "hour", "queue", name=op.f("pk_report_queue_client_hours_by_segment")
        ),
    )
    op.execute("DELETE FROM report_rollup_marks WHERE name = 'call_hours'")


def downgrade() -> None:
    op.drop_table("report_queue_client_hours_by_segment")
    op.drop_table("report_queue_client_hours_by_owner")
    op.drop_table("report_queue_client_hours_by_channel")
    op.drop_table("report_queue_client_hours_by_campaign")
    op.drop_index(
        "ix_report_queue_client_hours_segment_id_hour", table_name="report_queue_client_hours"
    )
    op.drop_index(
        "ix_report_queue_client_hours_channel_id_hour", table_name="report_queue_client_hours"
    )
    op.drop_index(
        "ix_report_queue_client_hours_campaign_id_hour", table_name="report_queue_client_hours"
    )
    op.drop_table("report_queue_client_hours")
    op.drop_table("report_call_client_hours_by_segment")
    op.drop_table("report_call_client_hours_by_owner")
    op.drop_table("report_call_client_hours_by_channel")
    op.drop_table("report_call_client_hours_by_campaign")
    op.drop_index(
        "ix_report_call_client_hours_segment_id_hour", table_name="report_call_client_hours"
    )
    op.drop_index(
        "ix_report_call_client_hours_channel_id_hour", table_name="report_call_client_hours"
    )
    op.drop_index(
        "ix_report_call_client_hours_campaign_id_hour", table_name="report_call_client_hours"
    )
    op.drop_table("report_call_client_hours")
    op.drop_table("report_agent_client_hours_by_segment")
    op.drop_table("report_agent_client_hours_by_owner")
    op.drop_table("report_agent_client_hours_by_channel")
    op.drop_table("report_agent_client_hours_by_campaign")
    op.drop_index(
        "ix_report_agent_client_hours_segment_id_hour", table_name="report_agent_client_hours"
    )
    op.drop_index(
        "ix_report_agent_client_hours_channel_id_hour", table_name="report_agent_client_hours"
    )
    op.drop_index(
        "ix_report_agent_client_hours_campaign_id_hour", table_name="report_agent_client_hours"
    )
    op.drop_table("report_agent_client_hours")
