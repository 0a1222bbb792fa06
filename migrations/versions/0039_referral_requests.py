"""referral requests: a visitor's call-back request from a partner's referral link, kept as
the record of what the link brought and to rate-limit an address across web processes

Revision ID: 0039
Revises: 0037
Create Date: 2026-12-12 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referral_requests",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "partner_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id", ondelete="SET NULL")),
        sa.Column("task_id", sa.BigInteger(), sa.ForeignKey("tasks.id", ondelete="SET NULL")),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "outcome IN ('attributed', 'same', 'kept')",
            name=op.f("ck_referral_requests_outcome"),
        ),
    )
    op.create_index("ix_referral_requests_partner_id", "referral_requests", ["partner_id"])
    op.create_index(
        "ix_referral_requests_address_at", "referral_requests", ["address", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("referral_requests")
