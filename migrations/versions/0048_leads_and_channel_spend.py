"""leads and channel spend: website form keys, UTM source and tracked number maps to
channels, client touches (first touch kept on the client, the last one moving), the leads
received (once per form key and Idempotency-Key), each channel's spend per month

Revision ID: 0048
Revises: 0046
Create Date: 2026-12-20 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0048"
down_revision = "0046"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _channel(nullable: bool, ondelete: str) -> sa.Column:
    return sa.Column(
        "channel_id",
        sa.Integer,
        sa.ForeignKey("channels.id", ondelete=ondelete),
        nullable=nullable,
    )


def upgrade() -> None:
    op.add_column("clients", sa.Column("first_touch_at", TZ, nullable=True))
    op.add_column(
        "clients",
        sa.Column(
            "last_channel_id",
            sa.Integer,
            sa.ForeignKey(
                "channels.id",
                ondelete="SET NULL",
                name="fk_clients_last_channel_id_channels",
            ),
            nullable=True,
        ),
    )
    op.add_column("clients", sa.Column("last_touch_at", TZ, nullable=True))
    op.create_table(
        "lead_form_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(80), nullable=False),
        sa.Column("due_minutes", sa.Integer, nullable=False),
        sa.Column("allowed_origin", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("last_used_at", TZ, nullable=True),
        sa.UniqueConstraint("key_hash", name="uq_lead_form_keys_key_hash"),
    )
    op.create_table(
        "utm_channels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("utm_source", sa.String(100), nullable=False),
        _channel(False, "CASCADE"),
        sa.UniqueConstraint("utm_source", name="uq_utm_channels_utm_source"),
    )
    op.create_table(
        "tracked_numbers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(20), nullable=False),
        _channel(False, "CASCADE"),
        sa.UniqueConstraint("number", name="uq_tracked_numbers_number"),
    )
    op.create_table(
        "client_touches",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "client_id",
            sa.Integer,
            sa.ForeignKey("clients.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _channel(True, "SET NULL"),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("touched_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("source IN ('lead', 'call')", name="ck_client_touches_source"),
    )
    op.create_index("ix_client_touches_client_at", "client_touches", ["client_id", "touched_at"])
    _leads()
    op.create_table(
        "channel_spend",
        sa.Column("id", sa.Integer, primary_key=True),
        _channel(False, "CASCADE"),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.UniqueConstraint("channel_id", "month", name="uq_channel_spend_channel_month"),
        sa.CheckConstraint("amount >= 0", name="ck_channel_spend_amount"),
        sa.CheckConstraint("EXTRACT(DAY FROM month) = 1", name="ck_channel_spend_month"),
    )


def _leads() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "form_key_id",
            sa.Integer,
            sa.ForeignKey("lead_form_keys.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("request_key", sa.String(120), nullable=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column(
            "client_id", sa.Integer, sa.ForeignKey("clients.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column(
            "task_id", sa.BigInteger, sa.ForeignKey("tasks.id", ondelete="SET NULL"), nullable=True
        ),
        _channel(True, "SET NULL"),
        sa.Column("created_client", sa.Boolean, nullable=False),
        sa.Column("utm_source", sa.String(100), nullable=False),
        sa.Column("utm_medium", sa.String(100), nullable=False),
        sa.Column("utm_campaign", sa.String(200), nullable=False),
        sa.Column("utm_term", sa.String(200), nullable=False),
        sa.Column("utm_content", sa.String(200), nullable=False),
        sa.Column("page", sa.String(2000), nullable=False),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("form_key_id", "request_key", name="uq_leads_key_request"),
    )
    op.create_index("ix_leads_key_created", "leads", ["form_key_id", "created_at"])
    op.create_index("ix_leads_address_created", "leads", ["address", "created_at"])


def downgrade() -> None:
    for table in ("channel_spend", "leads", "client_touches", "tracked_numbers"):
        op.drop_table(table)
    op.drop_table("utm_channels")
    op.drop_table("lead_form_keys")
    op.drop_column("clients", "last_touch_at")
    op.drop_column("clients", "last_channel_id")
    op.drop_column("clients", "first_touch_at")
