"""Mass mailings: mailings, their recipients (one sendable row per address), suppressed addresses

Revision ID: 0035
Revises: 0033
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0035"
down_revision = "0033"
branch_labels = None
depends_on = None

NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "mailings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("audience", postgresql.JSONB(), nullable=False),
        sa.Column("subject", sa.String(998), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True)),
        sa.Column("window_from", sa.Time(), nullable=False),
        sa.Column("window_to", sa.Time(), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f("ck_mailings_channel")),
        sa.CheckConstraint("kind IN ('advertising', 'service')", name=op.f("ck_mailings_kind")),
        sa.CheckConstraint(
            "state IN ('draft', 'scheduled', 'sending', 'paused', 'cancelled', 'done')",
            name=op.f("ck_mailings_state"),
        ),
        sa.CheckConstraint("rate_per_minute > 0", name=op.f("ck_mailings_rate")),
    )
    op.create_index("ix_mailings_created_by_id", "mailings", ["created_by_id"])
    op.create_index(
        "ix_mailings_due",
        "mailings",
        ["starts_at"],
        postgresql_where=sa.text("state IN ('scheduled', 'sending')"),
    )
    op.create_table(
        "mailing_recipients",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "mailing_id",
            sa.Integer(),
            sa.ForeignKey("mailings.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id", ondelete="SET NULL")),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("zones", sa.String(200), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("handed_at", sa.DateTime(timezone=True)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped')",
            name=op.f("ck_mailing_recipients_state"),
        ),
        sa.UniqueConstraint("mailing_id", "client_id", name="uq_mailing_recipients_client"),
    )
    op.create_index("ix_mailing_recipients_client_id", "mailing_recipients", ["client_id"])
    op.create_index(
        "uq_mailing_recipients_address",
        "mailing_recipients",
        ["mailing_id", "address"],
        unique=True,
        postgresql_where=sa.text("state <> 'skipped'"),
    )
    op.create_index(
        "ix_mailing_recipients_due",
        "mailing_recipients",
        ["mailing_id", "next_try_at"],
        postgresql_where=sa.text("state = 'queued'"),
    )
    op.create_index("ix_mailing_recipients_state", "mailing_recipients", ["mailing_id", "state"])
    op.create_table(
        "mailing_suppressions",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("mailing_id", sa.Integer(), sa.ForeignKey("mailings.id", ondelete="SET NULL")),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "reason IN ('unsubscribed', 'bounced')", name=op.f("ck_mailing_suppressions_reason")
        ),
        sa.UniqueConstraint("address", "reason", name="uq_mailing_suppressions_address"),
    )
    op.create_index("ix_mailing_suppressions_mailing_id", "mailing_suppressions", ["mailing_id"])


def downgrade() -> None:
    op.drop_table("mailing_suppressions")
    op.drop_table("mailing_recipients")
    op.drop_table("mailings")
