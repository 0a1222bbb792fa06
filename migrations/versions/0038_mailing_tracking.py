"""Mailing tracking: links, open and click events, first open and click on the recipient, the
attribution and reply windows of a mailing, clients of an uploaded audience file, the call
campaigns made from a mailing's recipients

Revision ID: 0038
Revises: 0039
Create Date: 2026-12-08 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0039"
branch_labels = None
depends_on = None

NOW = sa.text("now()")


def upgrade() -> None:
    op.add_column(
        "mailings",
        sa.Column("attribution_days", sa.Integer(), server_default="7", nullable=False),
    )
    op.add_column(
        "mailings", sa.Column("reply_days", sa.Integer(), server_default="3", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_mailings_attribution_days"), "mailings", "attribution_days BETWEEN 1 AND 90"
    )
    op.create_check_constraint(
        op.f("ck_mailings_reply_days"), "mailings", "reply_days BETWEEN 1 AND 90"
    )
    op.add_column("mailing_recipients", sa.Column("first_opened_at", sa.DateTime(timezone=True)))
    op.add_column("mailing_recipients", sa.Column("first_clicked_at", sa.DateTime(timezone=True)))
    op.create_table(
        "mailing_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "mailing_id",
            sa.Integer(),
            sa.ForeignKey("mailings.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.UniqueConstraint("mailing_id", "number", name="uq_mailing_links_number"),
        sa.UniqueConstraint("mailing_id", "url", name="uq_mailing_links_url"),
    )
    op.create_table(
        "mailing_events",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "recipient_id",
            sa.BigInteger(),
            sa.ForeignKey("mailing_recipients.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("link_id", sa.Integer(), sa.ForeignKey("mailing_links.id", ondelete="CASCADE")),
        sa.Column("kind", sa.String(5), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("kind IN ('open', 'click')", name=op.f("ck_mailing_events_kind")),
    )
    op.create_index("ix_mailing_events_recipient", "mailing_events", ["recipient_id", "at"])
    op.create_index(
        "ix_mailing_events_link",
        "mailing_events",
        ["link_id"],
        postgresql_where=sa.text("link_id IS NOT NULL"),
    )
    op.create_table(
        "mailing_audience_members",
        sa.Column(
            "mailing_id",
            sa.Integer(),
            sa.ForeignKey("mailings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "client_id",
            sa.Integer(),
            sa.ForeignKey("clients.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index(
        "ix_mailing_audience_members_client_id", "mailing_audience_members", ["client_id"]
    )
    op.create_table(
        "mailing_follow_ups",
        sa.Column(
            "mailing_id",
            sa.Integer(),
            sa.ForeignKey("mailings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column(
            "campaign_id",
            sa.Integer(),
            sa.ForeignKey("campaigns.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "kind IN ('clicked_no_order', 'opened_no_click')",
            name=op.f("ck_mailing_follow_ups_kind"),
        ),
    )
    op.create_index("ix_mailing_follow_ups_campaign_id", "mailing_follow_ups", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("mailing_follow_ups")
    op.drop_table("mailing_audience_members")
    op.drop_table("mailing_events")
    op.drop_table("mailing_links")
    op.drop_column("mailing_recipients", "first_clicked_at")
    op.drop_column("mailing_recipients", "first_opened_at")
    op.drop_constraint(op.f("ck_mailings_reply_days"), "mailings", type_="check")
    op.drop_constraint(op.f("ck_mailings_attribution_days"), "mailings", type_="check")
    op.drop_column("mailings", "reply_days")
    op.drop_column("mailings", "attribution_days")
