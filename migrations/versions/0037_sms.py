"""text messages: SMS mailings (a recipient's provider, message id and delivery), order status
texts (``sms_messages``, one per order and status), which statuses text the client and how
each client hears of their orders

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-10 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

NOW = sa.text("now()")
TZ = sa.DateTime(timezone=True)
OLD_STATES = "state IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped')"
NEW_STATES = "state IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'bounced', 'skipped')"
UNCONFIRMED = sa.text("state = 'sent' AND message_id <> ''")
HAS_ID = sa.text("message_id <> ''")


def _recipients() -> None:
    op.add_column(
        "mailing_recipients",
        sa.Column("provider", sa.String(20), server_default="", nullable=False),
    )
    op.add_column(
        "mailing_recipients",
        sa.Column("message_id", sa.String(64), server_default="", nullable=False),
    )
    op.add_column("mailing_recipients", sa.Column("checked_at", TZ, nullable=True))
    op.add_column("mailing_recipients", sa.Column("delivered_at", TZ, nullable=True))
    op.drop_constraint(op.f("ck_mailing_recipients_state"), "mailing_recipients", type_="check")
    op.create_check_constraint(
        op.f("ck_mailing_recipients_state"), "mailing_recipients", NEW_STATES
    )
    op.create_index(
        "ix_mailing_recipients_unconfirmed",
        "mailing_recipients",
        ["checked_at"],
        postgresql_where=UNCONFIRMED,
    )
    op.create_index(
        "ix_mailing_recipients_message",
        "mailing_recipients",
        ["message_id"],
        postgresql_where=HAS_ID,
    )


def _messages() -> None:
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("to_number", sa.String(20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, server_default=NOW, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id", ondelete="SET NULL")),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id", ondelete="CASCADE")),
        sa.Column(
            "status_id", sa.Integer(), sa.ForeignKey("order_statuses.id", ondelete="SET NULL")
        ),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.Column("claimed_at", TZ, nullable=True),
        sa.Column("handed_at", TZ, nullable=True),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("checked_at", TZ, nullable=True),
        sa.Column("delivered_at", TZ, nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'delivered', 'failed')",
            name=op.f("ck_sms_messages_state"),
        ),
        sa.UniqueConstraint("order_id", "status_id", name="uq_sms_messages_order_status"),
    )
    op.create_index("ix_sms_messages_client_id", "sms_messages", ["client_id"])
    op.create_index(
        "ix_sms_messages_due",
        "sms_messages",
        ["next_attempt_at"],
        postgresql_where=sa.text("state = 'queued'"),
    )
    op.create_index(
        "ix_sms_messages_unconfirmed", "sms_messages", ["checked_at"], postgresql_where=UNCONFIRMED
    )
    op.create_index(
        "ix_sms_messages_message", "sms_messages", ["message_id"], postgresql_where=HAS_ID
    )


def upgrade() -> None:
    _recipients()
    _messages()
    op.add_column(
        "clients", sa.Column("notify_by", sa.String(10), server_default="email", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_clients_notify_by"), "clients", "notify_by IN ('email', 'sms', 'both', 'none')"
    )
    op.add_column(
        "order_statuses",
        sa.Column("notify_sms", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "order_statuses", sa.Column("sms_text", sa.Text(), server_default="", nullable=False)
    )
    # the default pipeline's notified stages text the client too (the admin may turn it off)
    op.execute(
        "UPDATE order_statuses SET sms_text = CASE code "
        "WHEN 'accepted' THEN 'Заказ {number} на сумму {total} принят в работу.' "
        "WHEN 'shipped' THEN 'Заказ {number} отгружен и уже в пути.' "
        "WHEN 'cancelled' THEN 'Заказ {number} отменён. Причина: {reason}' END "
        "WHERE code IN ('accepted', 'shipped', 'cancelled')"
    )


def downgrade() -> None:
    op.drop_column("order_statuses", "sms_text")
    op.drop_column("order_statuses", "notify_sms")
    op.drop_constraint(op.f("ck_clients_notify_by"), "clients", type_="check")
    op.drop_column("clients", "notify_by")
    op.drop_table("sms_messages")
    op.drop_index("ix_mailing_recipients_message", table_name="mailing_recipients")
    op.drop_index("ix_mailing_recipients_unconfirmed", table_name="mailing_recipients")
    op.execute("UPDATE mailing_recipients SET state = 'sent' WHERE state = 'delivered'")
    op.drop_constraint(op.f("ck_mailing_recipients_state"), "mailing_recipients", type_="check")
    op.create_check_constraint(
        op.f("ck_mailing_recipients_state"), "mailing_recipients", OLD_STATES
    )
    for column in ("delivered_at", "checked_at", "message_id", "provider"):
        op.drop_column("mailing_recipients", column)
